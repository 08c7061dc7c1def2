// Owns carrying out a transition's actions on ACS: one deadline for all, a throttled one tried again, a transfer in
// doubt settled by asking ACS, failures told.
import type { CallAction } from '../domain/call-action';
import type { CallEvent } from '../domain/call-event';
import type { HotlineDependencies } from './hotline-dependencies';
import type { ActionResult, Log, StoredCall } from './ports';
import { SharedDeadline } from './shared-deadline';
import { unreachable } from './unreachable';

/**
 * How long one transition's ACS actions may take, retries included: with storage's own timeouts, a callback answers
 * well inside ACS's patience and the Functions timeout; a call left waiting is the watchdog's.
 */
const ACTIONS_DEADLINE_MS = 10_000;
const ACTIONS_DEADLINE = new SharedDeadline(ACTIONS_DEADLINE_MS);
/** How long to wait after a 429 without Retry-After (which the SDK does not retry). */
export const THROTTLE_PAUSE_MS = 1_000;
/**
 * The pauses before each new try of a throttled action. ACS did not carry out a 429, so trying again is safe; doubling
 * spreads the tries of many throttled calls, and together (7 s) they fit the actions' deadline. Stopping sooner leaves
 * the caller in silence until the watchdog (45 s; 90 s for a transfer): a 1,000-caller burst soak lost 2 to 9 actions a
 * run to two 429s in a row.
 */
const THROTTLE_PAUSES_MS: readonly number[] = [THROTTLE_PAUSE_MS, 2 * THROTTLE_PAUSE_MS, 4 * THROTTLE_PAUSE_MS];

/** A failure after which ACS may have acted all the same: a 5xx, or no answer at all (a timeout, a reset). */
const inDoubt = (result: ActionResult): boolean => result.kind === 'failed' && (result.statusCode === undefined || result.statusCode >= 500);

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
    const abortSignal = ACTIONS_DEADLINE.signal();
    for (const action of actions) {
      const execute = () => this.withThrottleRetry(() => this.deps.calls.execute(callConnectionId, this.deps.callers.unseal(callerSealed), action, abortSignal), abortSignal);
      let result = await execute();
      if (action.type === 'transferToOperator' && inDoubt(result)) result = await this.settleTransfer(callConnectionId, result, execute, abortSignal, log);
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

  /**
   * A transfer answered 5xx or cut off may have started all the same, and asking again must not ring the operator
   * twice: ACS's view of the call decides. Under way, accepted or over: the call's own events follow (CallTransferAccepted
   * or CallTransferFailed, CallDisconnected). Still connected: ACS did not start it, so it is asked once more, instead
   * of the caller waiting out the watchdog's transfer allowance in silence. Unknown: the watchdog's, as before.
   */
  private async settleTransfer(callConnectionId: string, failed: ActionResult, again: () => Promise<ActionResult>, abortSignal: AbortSignal, log: Log): Promise<ActionResult> {
    const state = await this.deps.calls.connectionState(callConnectionId, abortSignal);
    switch (state) {
      case 'transferring':
      case 'gone':
        log.warn('transfer request failed, but ACS says the call is transferring or over', { callConnectionId, state });
        return { kind: 'done' };
      case 'connected':
        log.warn('transfer request failed before ACS started it: asking again', { callConnectionId });
        return again();
      case 'unknown':
        return failed;
      default:
        return unreachable(state, 'connection state');
    }
  }

  /** The SDK does not retry a 429 without Retry-After: this does, after each pause, until the deadline's signal fires. */
  private async withThrottleRetry(request: () => Promise<ActionResult>, deadline: AbortSignal): Promise<ActionResult> {
    for (let attempt = 0; ; attempt++) {
      const result = await request();
      const pause = THROTTLE_PAUSES_MS[attempt];
      if (result.kind !== 'throttled' || pause === undefined) return result;
      // The pause ends early when the deadline fires: the last 429 then stands.
      await this.deps.timers.sleep(pause, deadline);
      if (deadline.aborted) return result;
    }
  }
}
