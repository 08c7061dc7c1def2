// Owns the simulated callers: each dials, hears the main menu, thinks, presses 1 (opening hours), listens, and repeats.
import type { AcsEmulator, CallHandle } from '../acs-emulator/index.js';
import { HOTLINE_NUMBER } from '../local/local-stack';

export interface CallerPoolOptions {
  /** Think time after the main menu starts, in real ms: uniform between the two. */
  readonly thinkMs: readonly [number, number];
  /** How long a caller waits for a prompt before it counts the call as lost. */
  readonly patienceMs: number;
}

/**
 * One loop is RecognizeCompleted, PlayStarted, PlayCompleted, PlayStarted: four callbacks, two of which advance the
 * call. The loop lasts the think time plus the opening-hours message, so think time sets the offered callback rate.
 */
export const CALLBACKS_PER_LOOP = 4;

export class CallerPool {
  private readonly loops: Array<Promise<void>> = [];
  private readonly live = new Set<CallHandle>();
  private readonly sleepers = new Set<() => void>();
  private stopping = false;
  private lost = 0;
  private answered = 0;
  private number = 0;

  constructor(
    private readonly emulator: AcsEmulator,
    private readonly options: CallerPoolOptions,
  ) {}

  /** Callers who have heard the main menu once: the app answered and started them. */
  get started(): number {
    return this.answered;
  }

  /** Calls that stopped before the pool did: a prompt that never came, a failed dial. */
  get lostCalls(): number {
    return this.lost;
  }

  /** Dials until `count` callers are on, spread evenly over `overMs`. */
  async growTo(count: number, overMs: number): Promise<void> {
    const adding = count - this.loops.length;
    for (let index = 0; index < adding; index++) {
      this.loops.push(this.caller());
      await this.sleep(overMs / adding);
    }
  }

  /** Every caller hangs up; waits a little for the hang-ups to be handled, not for stragglers. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const wake of this.sleepers) wake();
    for (const call of this.live) call.hangUp();
    await Promise.race([Promise.allSettled(this.loops), new Promise((resolve) => setTimeout(resolve, graceMs))]);
  }

  private async caller(): Promise<void> {
    const [min, max] = this.options.thinkMs;
    let call: CallHandle | undefined;
    try {
      call = await this.emulator.caller.dial({ from: `+1425${String(5_500_000 + (this.number++ % 1_000_000)).padStart(7, '0')}`, to: HOTLINE_NUMBER });
      this.live.add(call);
      await call.nextPrompt({ timeoutMs: this.options.patienceMs });
      this.answered += 1;
      // The first wait is spread over a whole loop so that new callers join out of step with each other.
      let thinkMs = Math.random() * max;
      while (!this.stopping) {
        await this.sleep(thinkMs);
        if (this.stopping) break;
        await call.press('1');
        await call.nextPrompt({ timeoutMs: this.options.patienceMs }); // the opening hours
        await call.nextPrompt({ timeoutMs: this.options.patienceMs }); // the main menu again
        thinkMs = min + Math.random() * (max - min);
      }
    } catch {
      if (!this.stopping) this.lost += 1;
    } finally {
      if (call) {
        this.live.delete(call);
        call.hangUp();
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}
