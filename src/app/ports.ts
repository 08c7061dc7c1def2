// Owns the shell's view of the outside world: what it needs from ACS, telemetry, logs and the clock.
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

/** Custom events for Application Insights: string dimensions KQL can group by, numbers as measurements. */
export interface Telemetry {
  trackEvent(name: string, properties: Readonly<Record<string, string>>, measurements?: Readonly<Record<string, number>>): void;
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
