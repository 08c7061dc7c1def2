// Owns the timer sweeps: the watchdog that unsticks calls waiting for a result that never came, and retention.
import type { Flow } from '../flow/flow-schema';
import { describeError } from '../describe-error';
import type { CallEvents } from './call-events';
import type { HotlineDependencies } from './hotline-dependencies';
import type { CleanupResult, Log, WaitingPhase } from './ports';

/** A call that goes quiet this long without ending is over, whatever its row says; retention may remove it. */
const ABANDONED_AFTER_MS = 24 * 3_600_000;

export interface WatchdogResult {
  readonly stalled: number;
  readonly recovered: number;
  readonly failed: number;
}

/**
 * How long each phase may wait for its ACS result before the watchdog steps in: above the flow's longest initial
 * silence plus 25 s for the prompt (the longest, the reminder's, takes about 10 s), at least 45 s, so that with a 15 s
 * sweep nobody waits more than a minute even in a menu that waits the 20 s choices allow.
 * A transfer rings the operator first, so it gets twice as long.
 */
export function stallThresholdsMs(flow: Flow, overrideSeconds: number | undefined): Record<WaitingPhase, number> {
  const longestSilence = Math.max(0, ...Object.values(flow.menus).map((menu) => menu.input.initialSilenceTimeoutSeconds));
  const base = (overrideSeconds ?? Math.max(45, longestSilence + 25)) * 1_000;
  return { connecting: base, awaitingInput: base, playing: base, transferring: 2 * base, hangingUp: base };
}

export class Sweeps {
  constructor(
    private readonly deps: HotlineDependencies,
    private readonly events: CallEvents,
  ) {}

  /**
   * The watchdog: every call that has waited in one phase longer than that phase allows gets a `stalled` event,
   * through the same decide/commit/act path as a callback. The marker names the row version the sweep saw, so two
   * sweeps never both act on it, while a call that stalls again later is seen afresh.
   */
  async recoverStalledCalls(log: Log): Promise<WatchdogResult> {
    const now = this.deps.clock.now();
    const cutoffs = Object.fromEntries(
      Object.entries(this.deps.stallAfterMs).map(([phase, stallMs]) => [phase, new Date(now.getTime() - stallMs).toISOString()]),
    ) as Record<WaitingPhase, string>;
    const waiting = await this.deps.store.findWaiting(cutoffs);
    let recovered = 0;
    let failed = 0;
    for (const call of waiting) {
      const waitingMs = now.getTime() - Date.parse(call.updatedAt);
      const where = { callConnectionId: call.callConnectionId, phase: call.phase, ...(call.menuId ? { menuId: call.menuId } : {}), flowVersion: call.flowVersion ?? 'none' };
      this.deps.telemetry.trackEvent('CallStuck', where, { waitingMs });
      log.warn('call stalled', { ...where, waitingMs });
      const target = { id: `stalled-${call.updatedAt}`, callConnectionId: call.callConnectionId, correlationId: undefined };
      try {
        if ((await this.events.apply(target, { type: 'stalled', at: now.toISOString(), operationContext: call.operationContext }, log)) === 'applied') recovered++;
      } catch (error) {
        // One call's storage trouble must not stop the sweep; the next sweep finds it again.
        failed++;
        log.error('watchdog could not recover a call', { callConnectionId: call.callConnectionId, error: describeError(error) });
      }
    }
    return { stalled: waiting.length, recovered, failed };
  }

  /**
   * Table Storage has no TTL: rows of calls finished longer ago than the retention period are deleted here, then the
   * flow versions no remaining call names and no instance has served within that period.
   */
  async deleteExpiredCalls(log: Log): Promise<CleanupResult & { readonly versions: number }> {
    const now = this.deps.clock.now().getTime();
    const cutoff = new Date(now - this.deps.retentionMs).toISOString();
    const result = await this.deps.store.deleteFinished(cutoff, new Date(now - ABANDONED_AFTER_MS).toISOString());
    const { retired } = await this.deps.flows.retireUnused(cutoff);
    log.info('expired call rows deleted', { ...result, retiredFlowVersions: retired });
    return { ...result, versions: retired.length };
  }
}
