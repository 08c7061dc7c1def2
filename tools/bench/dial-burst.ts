// Owns the dial burst: many callers dialing within seconds, each timed from its IncomingCall to the app's answer.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallHandle } from '../acs-emulator/index.js';
import { HOTLINE_NUMBER } from '../local/local-stack';
import type { Side } from './load';
import { percentile } from './stats';

/** ACS rings an unanswered call for 30 s, then the caller is gone. */
export const RING_WINDOW_MS = 30_000;
/** After the ring window every caller is either answered or missed. */
const SETTLE_MS = RING_WINDOW_MS + 5_000;

export interface Burst {
  readonly callers: number;
  readonly overMs: number;
  readonly answered: number;
  /** Never answered within the ring window, or answered too late to reach the caller. */
  readonly lost: number;
  /** From the IncomingCall (the dial) to the answer reaching ACS, over the answered calls. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/**
 * Dials `callers` callers spread evenly over `overMs`, each as its own Event Grid delivery, and waits until every one
 * is answered or its ring window has passed. Answered callers stay on (the app goes on to play the menu) until the
 * last answer, so the burst also carries the callbacks that follow answers, as it would in Azure.
 */
export async function measureDialBurst(side: Side, callers: number, overMs: number): Promise<Burst> {
  const dials: Array<Promise<CallHandle | undefined>> = [];
  const started = Date.now();
  for (let index = 0; index < callers; index++) {
    const due = started + (index * overMs) / callers;
    if (due > Date.now()) await sleep(due - Date.now());
    // The dial resolves once Event Grid's POST is answered; a failed delivery is a caller lost, not a failed run.
    dials.push(side.emulator.caller.dial({ from: `+1426${String(5_500_000 + index).padStart(7, '0')}`, to: HOTLINE_NUMBER }).catch(() => undefined));
  }
  const handles = (await Promise.all(dials)).filter((handle): handle is CallHandle => handle !== undefined);
  const answerMs = (handle: CallHandle) => handle.timeline.find((entry) => entry.kind === 'answered')?.elapsedMs;
  const settled = () => handles.every((handle) => answerMs(handle) !== undefined || handle.ended !== undefined);
  const deadline = started + overMs + SETTLE_MS;
  while (!settled() && Date.now() < deadline) await sleep(200);
  const times = handles.map(answerMs).filter((ms): ms is number => ms !== undefined && ms <= RING_WINDOW_MS);
  for (const handle of handles) handle.hangUp();
  side.emulator.requests.length = 0;
  return {
    callers,
    overMs,
    answered: times.length,
    lost: callers - times.length,
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
    maxMs: times.length === 0 ? Number.NaN : Math.max(...times),
  };
}
