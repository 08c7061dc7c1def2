// Owns the shell's view of the outside world: ACS, storage, privacy, telemetry, logs, the clock and its own waits.
// Adapters implement these; the shell knows nothing else of them (only the composition root names the adapters).
import { setTimeout as delay } from 'node:timers/promises';
import type { CallAction } from '../domain/call-action';
import type { CallEvent } from '../domain/call-event';
import type { CallPhase, CallState } from '../domain/call-state';

// ---- what the triggers hand the shell ----

/** An IncomingCall from Event Grid, checked. */
export interface IncomingCall {
  readonly eventId: string;
  readonly eventTime: string;
  readonly correlationId: string;
  readonly incomingCallContext: string;
  readonly callerRawId: string;
}

/** One CloudEvent of an ACS callback, checked and mapped to the core's terms. */
export interface CallbackEvent {
  readonly id: string;
  /** The type without the `Microsoft.Communication.` prefix, for logs and metrics. */
  readonly type: string;
  readonly callConnectionId: string;
  readonly correlationId: string | undefined;
  /** What the request that caused it was stamped with; an outbound call's CallConnected carries its request's. */
  readonly operationContext: string | undefined;
  /** `undefined` for events the hotline does not act on (PlayStarted, ParticipantsUpdated, unknown types). */
  readonly event: CallEvent | undefined;
  readonly known: boolean;
}

// ---- ACS ----

/** What ACS answered when a request did not succeed: for telemetry and logs; the kind of result is what decides. */
export interface AcsFailure {
  /** The HTTP status; `undefined` when no response came (a timeout, a lost connection). */
  readonly statusCode: number | undefined;
  /** ACS's own error code (`8522`), when it gave one. */
  readonly code: string | undefined;
  /** The error, as a log line says it. */
  readonly error: string;
}

export type AnswerResult =
  | { readonly kind: 'answered'; readonly callConnectionId: string }
  /** Refused (429) before ACS acted on it, after the SDK's retries: trying again is safe. */
  | ({ readonly kind: 'throttled' } & AcsFailure)
  /** Not done when the abort signal fired: the answer may or may not have landed. */
  | ({ readonly kind: 'timedOut' } & AcsFailure)
  | ({ readonly kind: 'failed' } & AcsFailure);

export type ActionResult =
  | { readonly kind: 'done' }
  /** ACS no longer knows the call (ended, or its participant left): it is over. `subCode` goes on its disconnect. */
  | ({ readonly kind: 'callGone'; readonly subCode: number } & AcsFailure)
  /** Refused (429) before ACS acted on it: trying again is safe. */
  | ({ readonly kind: 'throttled' } & AcsFailure)
  | ({ readonly kind: 'failed' } & AcsFailure);

export type PlaceResult =
  | { readonly kind: 'placed'; readonly callConnectionId: string; readonly correlationId: string | undefined }
  /** ACS refused this call for good (a number it cannot call, a caller id it does not own): a retry meets the same. */
  | ({ readonly kind: 'refused' } & AcsFailure)
  /** Throttled, unavailable or not answered in time: a later try may succeed. */
  | ({ readonly kind: 'unavailable' } & AcsFailure);

export interface CallControl {
  answer(request: {
    incomingCallContext: string;
    callbackUrl: string;
    cognitiveServicesEndpoint: string;
    operationContext: string;
    /** Ends the answer, retries included, when the ring window no longer allows it. */
    abortSignal: AbortSignal;
  }): Promise<AnswerResult>;
  /** `abortSignal` bounds the request, retries included, inside the invocation's deadline. */
  execute(callConnectionId: string, callerRawId: string, action: CallAction, abortSignal: AbortSignal): Promise<ActionResult>;
  /** What ACS says of the call now; `unknown` when it could not be asked or says something else. */
  connectionState(callConnectionId: string, abortSignal: AbortSignal): Promise<ConnectionState>;
}

/** ACS's view of a call's connection, as far as a transfer in doubt needs it: under way (or accepted), not, or over. */
export type ConnectionState = 'connected' | 'transferring' | 'gone' | 'unknown';

/** What outbound calls need from ACS: createCall, from the hotline's number. */
export interface OutboundDialer {
  place(request: {
    /** The callee's raw id (`4:+1...`). */
    calleeRawId: string;
    callbackUrl: string;
    cognitiveServicesEndpoint: string;
    operationContext: string;
  }): Promise<PlaceResult>;
}

/** The callback URLs given to ACS, each bound to the one call (or outbound request) it may speak for. */
export interface CallBindings {
  /** The callback URL for an answered call, by its correlation id. */
  urlFor(correlationId: string): string;
  /** The outbound request a binding's subject names, or `undefined` when it names an answered call. */
  outboundRequestOf(subject: string): string | undefined;
}

// ---- call state ----

export interface StoredCall {
  readonly state: CallState;
  readonly etag: string;
}

/**
 * `committed` includes our own write that landed although the client saw an error (a lost response, then 409/412
 * on the SDK's retry): the marker row names the writer, so the two cases are told apart.
 */
export type CommitResult = 'committed' | 'duplicate' | 'conflict';

/** The phases in which a call waits for ACS, each watched for a result that never comes. */
export type WaitingPhase = Extract<CallPhase['name'], 'connecting' | 'awaitingInput' | 'playing' | 'transferring' | 'hangingUp'>;

/** A call that has waited in one phase since `updatedAt`, as the watchdog's query finds it. */
export interface WaitingCall {
  readonly callConnectionId: string;
  readonly phase: WaitingPhase;
  readonly operationContext: string | undefined;
  /** The menu the call waits in, when it waits for input or a transfer from one. */
  readonly menuId: string | undefined;
  readonly updatedAt: string;
  readonly flowVersion: string | undefined;
}

export interface CleanupResult {
  readonly calls: number;
  readonly claims: number;
  readonly rows: number;
}

export interface IncomingCallClaim {
  readonly correlationId: string;
  readonly eventId: string;
  readonly callerPseudonym: string;
  readonly callerSealed: string;
  /**
   * `answerThrottled`: ACS refused the answer (429) before acting on it; `answerTimedOut`: the answer was not done in
   * time. Either way the owner could not extend its claim to go on trying, so it stopped and handed the call over: the
   * next delivery may take the claim.
   */
  readonly status: 'answering' | 'answered' | 'answerFailed' | 'answerThrottled' | 'answerTimedOut';
  readonly callConnectionId?: string;
  /** Until when the owner may still be answering (ISO): no takeover before it. */
  readonly deadline?: string;
}

/** Call state and incoming-call claims: ETag-guarded, with a marker per applied event so a replay changes nothing. */
export interface CallStorage {
  load(callConnectionId: string): Promise<StoredCall | undefined>;
  /** Insert-if-absent: the answer's response and an early callback may both try to start the call. */
  create(state: CallState, at: string): Promise<{ readonly kind: 'created'; readonly stored: StoredCall } | { readonly kind: 'exists' }>;
  /** The next state and the event's marker, together or not at all. */
  commit(previous: StoredCall, next: CallState, eventId: string, at: string): Promise<CommitResult>;
  /** Insert-if-absent, so a redelivered IncomingCall is not answered twice; a dead or stopped owner's claim is taken. */
  claimIncomingCall(claim: IncomingCallClaim, at: string): Promise<'claimed' | 'duplicate'>;
  loadClaim(correlationId: string): Promise<IncomingCallClaim | undefined>;
  updateClaim(correlationId: string, change: Pick<IncomingCallClaim, 'status'> & { callConnectionId?: string; deadline?: string }): Promise<void>;
  /**
   * Whether `stored` came from a copy the store keeps rather than from the row: a decision that writes nothing has no
   * ETag to guard it, so it is made again on the row (the copy is dropped). A store that keeps no copies says no.
   */
  distrust(stored: StoredCall): boolean;
  /** Calls waiting in a phase since before that phase's cutoff (an ISO time). */
  findWaiting(cutoffs: Readonly<Record<WaitingPhase, string>>): Promise<WaitingCall[]>;
  /** Every row of calls that ended (or went quiet since `abandonedBefore`) before `cutoff`, and older claims. */
  deleteFinished(cutoff: string, abandonedBefore: string): Promise<CleanupResult>;
}

// ---- flow versions ----

export interface StoredVersion {
  readonly version: string;
  /** When an instance last announced it serves this version (at start-up, and again hourly while it runs). */
  readonly servedAt: string;
}

/** The flow versions the hotline has served, shared by every instance. */
export interface FlowVersionStorage {
  /** Idempotent: the content is fixed by the version; writing it again moves only `servedAt`. */
  save(version: string, content: string, servedAt: string): Promise<void>;
  /** The stored content of a version, or `undefined` when none is stored. */
  load(version: string): Promise<string | undefined>;
  list(): Promise<StoredVersion[]>;
  /** Versions named by any call still stored. */
  inUse(): Promise<Set<string>>;
  delete(version: string): Promise<void>;
}

// ---- outbound requests ----

export type RequestStatus = 'queued' | 'placing' | 'calling' | 'completed' | 'failed';

export interface AttemptRecord {
  readonly attempt: number;
  readonly outcome: string;
  readonly code: string;
  readonly at: string;
}

export interface OutboundRequest {
  readonly id: string;
  readonly campaign: string;
  /** The callee, sealed (for createCall) and pseudonymised (for logs): never in the clear at rest. */
  readonly toSealed: string;
  readonly toPseudonym: string;
  readonly variables: Readonly<Record<string, string>>;
  readonly language: string | undefined;
  readonly notBefore: string | undefined;
  /** Keyed hash of the request's content: a reused idempotency key with different content is refused. */
  readonly fingerprint: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly status: RequestStatus;
  /** The attempt queued, being placed or in progress; the last one once the request has ended. */
  readonly attempt: number;
  /** Whether the message for `attempt` is known to be on the queue (a sweep re-sends it otherwise). */
  readonly enqueued: boolean;
  /** When the current attempt's createCall started: its ring time counts from here. */
  readonly placedAt: string | undefined;
  /**
   * The flow version the current attempt was placed on: its call runs on it, on whichever instance its first callback
   * lands, even when a deploy comes between the createCall and that callback. Absent on rows from before versions.
   */
  readonly flowVersion?: string | undefined;
  readonly callConnectionId: string | undefined;
  readonly outcome: string | undefined;
  readonly code: string | undefined;
  readonly attempts: readonly AttemptRecord[];
}

export interface StoredRequest {
  readonly request: OutboundRequest;
  readonly etag: string;
}

/** Outbound requests, ETag-guarded, and the rate limiter's time slots. */
export interface OutboundRequests {
  /** Insert-if-absent: a repeated idempotency key finds the first request's row. */
  create(request: OutboundRequest): Promise<'created' | 'exists'>;
  load(id: string): Promise<StoredRequest | undefined>;
  /** `conflict`: someone else changed the request since it was read. */
  replace(previous: StoredRequest, next: OutboundRequest): Promise<StoredRequest | 'conflict'>;
  delete(id: string): Promise<void>;
  /** Requests in one of these statuses, last changed before `before`. */
  findStale(statuses: readonly RequestStatus[], before: string): Promise<OutboundRequest[]>;
  /** Takes one time slot of the rate limiter if nobody has, atomically across instances. */
  takeSlot(slot: number, at: string): Promise<boolean>;
}

/** What the queue trigger is told: which request, and which attempt of it, is due. */
export interface PlacementMessage {
  readonly requestId: string;
  readonly attempt: number;
}

export interface PlacementQueue {
  /** The longest a message can wait before it is delivered. */
  readonly maxDelaySeconds: number;
  /** Delivered after `delaySeconds` (whole seconds, capped at `maxDelaySeconds`). */
  send(message: PlacementMessage, delaySeconds?: number): Promise<void>;
}

// ---- privacy ----

/** The caller's number at rest: a keyed pseudonym for logs and analytics, a sealed copy only the app can open. */
export interface CallerPrivacy {
  /** Stable per caller, not reversible without the key. */
  pseudonym(rawId: string): string;
  seal(rawId: string): string;
  unseal(sealed: string): string;
}

// ---- telemetry, logs, time ----

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
  /** Ends after `ms`, or early (without an error) once `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Ends once `ms` have passed on the clock: a wait that must last in real time (a rate slot ACS counts), never paced. */
  untilElapsed(ms: number): Promise<void>;
  /** A number in [0, 1), as Math.random gives. */
  random(): number;
}

/** Waits `factor` times as long as asked: 1 in Azure; a local stack runs them at its emulator's pace. */
export const timersAtPace = (factor: number): Timers => ({
  sleep: (ms, signal) =>
    delay(ms * factor, undefined, signal ? { signal } : {}).catch((error: unknown) => {
      if (!signal?.aborted) throw error;
    }),
  untilElapsed: (ms) => delay(ms),
  random: Math.random,
});

export const systemTimers = timersAtPace(1);

/** Telemetry for runs without Application Insights: events become log lines. */
export const logTelemetry = (log: Log): Telemetry => ({
  trackEvent: (name, properties, measurements) => log.info(`event ${name}`, { ...properties, ...measurements }),
});
