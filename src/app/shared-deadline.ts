// Owns deadline signals for operations that start together: one AbortSignal.timeout per 50 ms slot, shared.
import { performance } from 'node:perf_hooks';

/** Deadlines are rounded up to this: each operation's runs out between `ms` and `ms + SLOT_MS` after it starts. */
export const SLOT_MS = 50;

/**
 * An operation's own AbortSignal.timeout outlives the operation: Node keeps the signal until its timer runs, then builds
 * a DOMException and dispatches the abort, whether anyone still waits or not (1 to 2 % of the app's CPU under load).
 * Operations that start within one slot share one signal instead, so one timer per slot fires however many there were.
 */
export class SharedDeadline {
  private readonly slots = new Map<number, AbortSignal>();

  /** `now` is monotonic (a wall clock that jumps would hand an operation a slot's signal that ends too soon). */
  constructor(
    private readonly ms: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Slots whose signal has not fired yet: at most `ms / SLOT_MS + 1`, since a fired slot lets its signal go. */
  get size(): number {
    return this.slots.size;
  }

  signal(): AbortSignal {
    const now = this.now();
    const slot = Math.ceil((now + this.ms) / SLOT_MS) * SLOT_MS;
    const shared = this.slots.get(slot);
    if (shared) return shared;
    const signal = AbortSignal.timeout(Math.ceil(slot - now));
    // Every operation of the slot listens to it: Node 22 sets no listener limit on an AbortSignal (Node 20 warned at 11).
    signal.addEventListener('abort', () => this.slots.delete(slot));
    this.slots.set(slot, signal);
    return signal;
  }
}
