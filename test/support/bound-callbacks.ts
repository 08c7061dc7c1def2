// Addresses crafted callbacks as ACS would: every event names its call's correlation id, and the POST goes to the URL
// the app issued for that call (its binding), so tests reach the logic they aim at rather than the binding check.
import { randomUUID } from 'node:crypto';
import type { CallbackBinding } from '../../src/adapters/acs/callback-binding';

export interface KnownCall {
  readonly callConnectionId: string | undefined;
  readonly correlationId: string;
}

/**
 * An event without a `correlationId` gets that of the call its `callConnectionId` names (or one made up for the POST);
 * the URL is bound to `correlationId` when given, else to the first event's. A body that is not an array is sent as is.
 */
export function boundCallback(
  body: unknown,
  binding: CallbackBinding,
  calls: readonly KnownCall[],
  correlationId?: string,
): { readonly url: string; readonly body: string } {
  const madeUp = `test-${randomUUID()}`;
  if (!Array.isArray(body)) return { url: binding.urlFor(correlationId ?? madeUp), body: typeof body === 'string' ? body : JSON.stringify(body) };
  const events = body.map((event: unknown) => {
    if (typeof event !== 'object' || event === null || !('data' in event) || typeof event.data !== 'object' || event.data === null) return event;
    const data = event.data as Record<string, unknown>;
    if (data['correlationId'] !== undefined) return event;
    const known = calls.find((call) => call.callConnectionId !== undefined && call.callConnectionId === data['callConnectionId']);
    return { ...event, data: { ...data, correlationId: known?.correlationId ?? madeUp } };
  });
  const first = events.find((event): event is { data: { correlationId: unknown } } => typeof event === 'object' && event !== null && 'data' in event);
  const named = typeof first?.data.correlationId === 'string' ? first.data.correlationId : madeUp;
  return { url: binding.urlFor(correlationId ?? named), body: JSON.stringify(events) };
}
