// Owns reading Microsoft.Communication.IncomingCall from Event Grid (Event Grid or CloudEvents schema).
import type { IncomingCall } from '../../app/ports';
import * as z from '../../zod-mini';
import { isSafeKey } from '../wire-id';

export const INCOMING_CALL = 'Microsoft.Communication.IncomingCall';

const identifier = z.looseObject({ rawId: z.string().check(z.minLength(1)) });
const incomingCallData = z.looseObject({
  incomingCallContext: z.string().check(z.minLength(1)),
  correlationId: z.string().check(z.minLength(1), z.refine(isSafeKey, 'has characters a table key cannot hold')),
  serverCallId: z.optional(z.string()),
  from: identifier,
  to: z.optional(identifier),
});

export type IncomingCallParse =
  | { readonly kind: 'incomingCall'; readonly call: IncomingCall }
  | { readonly kind: 'otherEvent'; readonly eventType: string }
  | { readonly kind: 'malformed'; readonly error: string };

/** Takes the trigger's event as given: Event Grid schema (`eventType`, `eventTime`) or CloudEvents (`type`, `time`). */
export function parseIncomingCall(event: Readonly<Record<string, unknown>>, receivedAt: string): IncomingCallParse {
  const eventType = typeof event['eventType'] === 'string' ? event['eventType'] : event['type'];
  if (eventType !== INCOMING_CALL) return { kind: 'otherEvent', eventType: typeof eventType === 'string' ? eventType : '(none)' };
  const data = incomingCallData.safeParse(event['data']);
  if (!data.success) {
    const issue = data.error.issues[0];
    return { kind: 'malformed', error: `data.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` };
  }
  const time = event['eventTime'] ?? event['time'];
  return {
    kind: 'incomingCall',
    call: {
      eventId: typeof event['id'] === 'string' ? event['id'] : data.data.correlationId,
      eventTime: typeof time === 'string' ? time : time instanceof Date ? time.toISOString() : receivedAt,
      correlationId: data.data.correlationId,
      incomingCallContext: data.data.incomingCallContext,
      callerRawId: data.data.from.rawId,
    },
  };
}
