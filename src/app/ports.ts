// Owns the shell's view of the outside world: what it needs from ACS, telemetry, logs, the clock and its own waits.
import { setTimeout as delay } from 'node:timers/promises';
import type { CallAction } from '../domain/call-action';

export interface CallControl {
  answer(request: {
    incomingCallContext: string;
    callbackUrl: string;
    cognitiveServicesEndpoint: string;
    operationContext: string;
    /** Ends the answer, retries included, when the ring window no longer allows it. */
    abortSignal: AbortSignal;
  }): Promise<{ callConnectionId: string }>;
  /** `abortSignal` bounds the request, retries included, inside the invocation's deadline. */
  execute(callConnectionId: string, callerRawId: string, action: CallAction, abortSignal: AbortSignal): Promise<void>;
}

/** What outbound calls need from ACS: createCall, from the hotline's number. */
export interface OutboundDialer {
  place(request: {
    /** The callee's raw id (`4:+1...`). */
    calleeRawId: string;
    callbackUrl: string;
    cognitiveServicesEndpoint: string;
    operationContext: string;
  }): Promise<{ callConnectionId: string; correlationId: string | undefined }>;
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
  'FlowVersionMissing',
  'CallEnded',
  'ActionFailed',
  'CallbackIgnored',
  'CallbackRejected',
  'CallbackFailed',
  'CallStuck',
  'StorageOutage',
  'OutboundCallRequested',
  'OutboundCallPlaced',
  'OutboundCallRejected',
  'OutboundCallApiFailed',
  'OutboundPlacementFailed',
  'OutboundCallFailed',
  'OutboundCallEnded',
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

/** The shell's own waits (a retry's back-off) and their jitter: real time in Azure, scaled with the emulator in tests. */
export interface Timers {
  sleep(ms: number): Promise<void>;
  /** A number in [0, 1), as Math.random gives. */
  random(): number;
}

export const systemTimers: Timers = { sleep: (ms) => delay(ms), random: Math.random };

/** Telemetry for runs without Application Insights: events become log lines. */
export const logTelemetry = (log: Log): Telemetry => ({
  trackEvent: (name, properties, measurements) => log.info(`event ${name}`, { ...properties, ...measurements }),
});
