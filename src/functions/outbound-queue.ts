// Owns the queue triggers of outbound calls: each message places one attempt; a poisoned one ends its request.
import type { InvocationContext } from '@azure/functions';
import { parsePlacementMessage } from '../adapters/queues/outbound-queue';
import type { App } from '../app/composition-root';
import type { Telemetry } from '../app/ports';
import { describeError } from '../describe-error';
import { failureCause } from './failure-cause';
import { invocationLog } from './invocation-log';

/**
 * Throws only for what a redelivery may fix (ACS or storage unavailable); the runtime then shows the message again
 * after host.json's visibilityTimeout and, after maxDequeueCount tries, moves it to the poison queue.
 */
export function placeOutboundCallHandler(app: () => Promise<App>, telemetry: Telemetry) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const log = invocationLog(context);
    const placement = parsePlacementMessage(message);
    if (!placement) {
      log.error('malformed outbound-calls message dropped');
      return;
    }
    const { outbound } = await app();
    if (!outbound) throw new Error('outbound calls are not configured, but their queue trigger ran');
    try {
      const outcome = await outbound.calls.place(placement, log);
      log.info('outbound placement', { requestId: placement.requestId, attempt: placement.attempt, outcome, dequeueCount: context.triggerMetadata?.['dequeueCount'] });
    } catch (error) {
      const cause = failureCause(error);
      telemetry.trackEvent('OutboundPlacementFailed', { requestId: placement.requestId, attempt: String(placement.attempt), cause });
      log.error('outbound placement failed; the queue will redeliver', { requestId: placement.requestId, cause, error: describeError(error) });
      throw error;
    }
  };
}

export function outboundPoisonHandler(app: () => Promise<App>) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const log = invocationLog(context);
    const placement = parsePlacementMessage(message);
    if (!placement) return;
    const { outbound } = await app();
    log.error('outbound placement poisoned: its request ends failed', { requestId: placement.requestId, attempt: placement.attempt });
    await outbound?.calls.poisoned(placement, log);
  };
}
