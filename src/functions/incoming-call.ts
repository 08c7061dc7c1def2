// Owns the Event Grid trigger: IncomingCall in, answered (once) or recorded as not answered.
import type { EventGridEvent, InvocationContext } from '@azure/functions';
import { parseIncomingCall } from '../adapters/acs/incoming-call';
import type { App } from '../app/composition-root';
import type { IncomingCallOutcome } from '../app/incoming-calls';
import type { Telemetry } from '../app/ports';
import { describeError } from '../describe-error';
import { failureCause, isOutage } from './failure-cause';
import { invocationLog } from './invocation-log';

/**
 * Returns normally for everything a retry cannot fix (other event types, malformed events, expired or
 * duplicate calls, failed answers) so Event Grid does not redeliver; throws when storage is down before the
 * call was claimed, or when the answer (throttled or not done in time) could not go on because its claim could not be
 * extended, from a first delivery whose redelivery (10 s on) can still be in time.
 */
export function incomingCallHandler(app: () => Promise<App>, telemetry: Telemetry) {
  return async (event: EventGridEvent, context: InvocationContext): Promise<void> => {
    const log = invocationLog(context);
    const parsed = parseIncomingCall(event as unknown as Record<string, unknown>, new Date().toISOString());
    switch (parsed.kind) {
      case 'otherEvent':
        log.info('event ignored', { eventType: parsed.eventType });
        return;
      case 'malformed':
        log.error('malformed IncomingCall ignored', { error: parsed.error });
        return;
      case 'incomingCall': {
        const { hotline } = await app();
        let outcome: IncomingCallOutcome;
        try {
          outcome = await hotline.handleIncomingCall(parsed.call, log);
          log.info('incoming call handled', { callKey: parsed.call.correlationId, outcome });
        } catch (error) {
          const cause = failureCause(error);
          telemetry.trackEvent('IncomingCallFailed', { callKey: parsed.call.correlationId, cause });
          if (isOutage(cause)) telemetry.trackEvent('StorageOutage', { cause, trigger: 'incomingCall' });
          log.error('incoming call failed; Event Grid will redeliver', { callKey: parsed.call.correlationId, cause, error: describeError(error) });
          throw error;
        }
        // Not a failure of ours, so no IncomingCallFailed: CallNotAnswered (throttled or timed out) is already recorded.
        if (outcome === 'retryLater') throw new Error('the answer was not done and its claim could not be extended; Event Grid will redeliver');
        return;
      }
    }
  };
}
