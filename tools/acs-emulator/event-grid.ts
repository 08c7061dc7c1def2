// Owns the Event Grid side: the IncomingCall event (Event Grid schema), its aeg-* delivery, and the validation handshake.
import { randomUUID } from 'node:crypto';
import { EVENT_GRID_RESPONSE_TIMEOUT_MS } from './event-grid-retry.js';
import type { HttpPoster, PostResult } from './http-client.js';

export const EMULATED_TOPIC =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.Communication/communicationServices/acs-emulator';
export const SUBSCRIPTION_NAME = 'ACS-EMULATOR-INCOMING-CALL';

export interface PhoneIdentifier {
  kind: 'phoneNumber';
  rawId: string;
  phoneNumber: { value: string };
}

export function phoneIdentifier(number: string): PhoneIdentifier {
  return { kind: 'phoneNumber', rawId: `4:${number}`, phoneNumber: { value: number } };
}

export interface IncomingCallFacts {
  from: string;
  to: string;
  callerDisplayName: string;
  serverCallId: string;
  correlationId: string;
  incomingCallContext: string;
}

/** Event Grid `eventTime`: 7 fractional digits and a Z. */
function eventTime(): string {
  return `${new Date().toISOString().slice(0, 23)}0000Z`;
}

export function incomingCallEvent(facts: IncomingCallFacts): Record<string, unknown> {
  const from = phoneIdentifier(facts.from);
  const to = phoneIdentifier(facts.to);
  return {
    id: randomUUID(),
    topic: EMULATED_TOPIC,
    subject: `/caller/${from.rawId}/recipient/${to.rawId}`,
    data: {
      to,
      from,
      serverCallId: facts.serverCallId,
      callerDisplayName: facts.callerDisplayName,
      customContext: { sipHeaders: {}, voipHeaders: {} },
      incomingCallContext: facts.incomingCallContext,
      correlationId: facts.correlationId,
    },
    eventType: 'Microsoft.Communication.IncomingCall',
    dataVersion: '1.0',
    metadataVersion: '1',
    eventTime: eventTime(),
  };
}

export function deliverNotification(
  poster: HttpPoster,
  url: string,
  event: Record<string, unknown>,
  deliveryCount: number,
): Promise<PostResult> {
  return poster.post(url, JSON.stringify([event]), {
    'content-type': 'application/json',
    'aeg-event-type': 'Notification',
    'aeg-subscription-name': SUBSCRIPTION_NAME,
    'aeg-delivery-count': String(deliveryCount),
    'aeg-data-version': '1.0',
    'aeg-metadata-version': '1',
    'aeg-output-event-id': String(event['id']),
  }, EVENT_GRID_RESPONSE_TIMEOUT_MS);
}

export interface ValidationResult {
  ok: boolean;
  status: number;
  validationCode: string;
  /** The parsed reply body, if it was JSON. */
  response: unknown;
  error?: string;
}

/** Webhook handshake: the endpoint must answer 200 with {"validationResponse": <code>}. */
export async function validateSubscription(poster: HttpPoster, url: string, emulatorUrl: string): Promise<ValidationResult> {
  const validationCode = randomUUID();
  const event = {
    id: randomUUID(),
    topic: EMULATED_TOPIC,
    subject: '',
    data: {
      validationCode,
      validationUrl: `${emulatorUrl}/emulator/eventgrid/validate?id=${validationCode}`,
    },
    eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
    eventTime: eventTime(),
    metadataVersion: '1',
    dataVersion: '1',
  };
  const result = await poster.post(url, JSON.stringify([event]), {
    'content-type': 'application/json',
    'aeg-event-type': 'SubscriptionValidation',
    'aeg-subscription-name': SUBSCRIPTION_NAME,
    'aeg-delivery-count': '0',
    'aeg-data-version': '1',
    'aeg-metadata-version': '1',
  });
  let response: unknown = undefined;
  try {
    response = result.body ? JSON.parse(result.body) : undefined;
  } catch {
    response = result.body;
  }
  const echoed =
    typeof response === 'object' && response !== null && (response as Record<string, unknown>)['validationResponse'] === validationCode;
  return {
    ok: result.status === 200 && echoed,
    status: result.status,
    validationCode,
    response,
    ...(result.error === undefined ? {} : { error: result.error }),
  };
}
