// Owns the shell's view of the outside world: what it needs from ACS, telemetry, logs and the clock.
import type { CallAction } from '../domain/call-action';

export interface CallControl {
  answer(request: {
    incomingCallContext: string;
    callbackUrl: string;
    cognitiveServicesEndpoint: string;
    operationContext: string;
  }): Promise<{ callConnectionId: string }>;
  execute(callConnectionId: string, callerRawId: string, action: CallAction): Promise<void>;
}

/** Every custom event the app sends. The KQL queries and docs/operations.md may name only these, and name them all. */
export const TELEMETRY_EVENTS = [
  'CallReceived',
  'CallAnswered',
  'CallNotAnswered',
  'IncomingCallFailed',
  'MenuEntered',
  'RecognizeCompleted',
  'RecognizeFailed',
  'TransferStarted',
  'TransferFailed',
  'CallEnded',
  'ActionFailed',
  'CallbackIgnored',
  'CallbackRejected',
  'CallbackFailed',
  'CallStuck',
] as const;
export type TelemetryEventName = (typeof TELEMETRY_EVENTS)[number];

/** Custom events for Application Insights: string dimensions KQL can group by, numbers as measurements. */
export interface Telemetry {
  trackEvent(name: TelemetryEventName, properties: Readonly<Record<string, string>>, measurements?: Readonly<Record<string, number>>): void;
}

export interface Log {
  info(message: string, properties?: Readonly<Record<string, unknown>>): void;
  warn(message: string, properties?: Readonly<Record<string, unknown>>): void;
  error(message: string, properties?: Readonly<Record<string, unknown>>): void;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Telemetry for runs without Application Insights: events become log lines. */
export const logTelemetry = (log: Log): Telemetry => ({
  trackEvent: (name, properties, measurements) => log.info(`event ${name}`, { ...properties, ...measurements }),
});
