// Owns carrying out a transition's actions on ACS: one deadline for all, a throttled one tried once more, failures told.
import type { CallAction } from '../domain/call-action';
import type { CallEvent } from '../domain/call-event';
import type { HotlineDependencies } from './hotline-dependencies';
import type { ActionResult, Log, StoredCall } from './ports';
import { unreachable } from './unreachable';

/**
 * How long one transition's ACS actions may take, retries included: with storage's own timeouts, a callback answers
 * well inside ACS's patience and the Functions timeout; a call left waiting is the watchdog's.
 */
const ACTIONS_DEADLINE_MS = 10_000;
/** How long to wait after a 429 without Retry-After (which the SDK does not retry). */
export const THROTTLE_PAUSE_MS = 1_000;
/** A throttled action was not carried out, so trying it again is safe; once, since the callback's time is short. */
const THROTTLE_RETRIES = 1;

/** The disconnect to apply when ACS no longer knows the call, and the id its marker row is named by. */
export interface CallGone {
  readonly id: string;
  readonly event: CallEvent;
}

export class CallActions {
  constructor(private readonly deps: Pick<HotlineDependencies, 'calls' | 'callers' | 'telemetry' | 'clock' | 'timers'>) {}

  /**
   * The state is already saved, so a failed action is logged, not thrown: a redelivered event would be a duplicate
   * and change nothing. The watchdog picks up calls left waiting for a result that will never come. A call ACS no
   * longer knows is handed back as a disconnect, to end it through the core so the watchdog has nothing to chase.
   */
  async run(stored: StoredCall, actions: readonly CallAction[], log: Log): Promise<CallGone | undefined> {
    const { callConnectionId, callerSealed, sequence } = stored.state;
    // One deadline for the transition's actions, retries included: a hung ACS must not hold the callback.
    const abortSignal = AbortSignal.timeout(ACTIONS_DEADLINE_MS);
    for (const action of actions) {
      const result = await this.withThrottleRetry(() => this.deps.calls.execute(callConnectionId, this.deps.callers.unseal(callerSealed), action, abortSignal));
      if (result.kind === 'done') continue;
      const { statusCode, code, error } = result;
      this.deps.telemetry.trackEvent('ActionFailed', {
        callConnectionId,
        action: action.type,
        statusCode: String(statusCode ?? 'none'),
        code: code ?? 'none',
        flowVersion: stored.state.flowVersion ?? 'none',
      });
      const details = { callConnectionId, action: action.type, status: statusCode, code, error };
      switch (result.kind) {
        case 'throttled':
        case 'failed':
          log.error('ACS action failed', details);
          return undefined;
        case 'callGone':
          log.warn('call already gone', details);
          return { id: `gone-${sequence}-${action.type}`, event: { type: 'callDisconnected', at: this.deps.clock.now().toISOString(), subCode: result.subCode } };
        default:
          return unreachable(result, 'action result');
      }
    }
    return undefined;
  }

  /** The SDK does not retry a 429 without Retry-After: a second apart, then the result stands. */
  private async withThrottleRetry(request: () => Promise<ActionResult>): Promise<ActionResult> {
    for (let attempt = 0; ; attempt++) {
      const result = await request();
      if (result.kind !== 'throttled' || attempt >= THROTTLE_RETRIES) return result;
      await this.deps.timers.sleep(THROTTLE_PAUSE_MS);
    }
  }
}
