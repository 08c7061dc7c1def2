// Owns the caller's side: dialing in through Event Grid, the ring window, and a handle to press, say, listen and hang up.
import { randomUUID } from 'node:crypto';
import type { CallbackQueue, DeliveryRecord } from './callbacks.js';
import type { Contract } from './contract.js';
import { Call, type CallDirection, type CallEnd, type CallEnvironment, type CallState, type HeardPrompt, type TimelineEntry } from './calls.js';
import { deliverNotification, incomingCallEvent, validateSubscription, type ValidationResult } from './event-grid.js';
import { afterDelivery } from './event-grid-retry.js';
import type { HttpPoster } from './http-client.js';
import { tonesFromKeys } from './recognize.js';
import type { TimerSet } from './timers.js';

export interface DialOptions {
  /** Caller's E.164 number. */
  from: string;
  /** The hotline's E.164 number. */
  to: string;
  callerDisplayName?: string;
  /** Deliver the IncomingCall event this many extra times (at-least-once delivery). */
  duplicateDelivery?: number;
  /** false: do not deliver IncomingCall at all; the test does, e.g. twice at once with redeliverIncomingCall. */
  deliver?: boolean;
  /** Every transfer of this call fails with CallTransferFailed. */
  failTransfers?: boolean;
  /** Overrides the emulator's ring window for this call (real ms, not scaled). */
  ringWindowMs?: number;
  /**
   * The call happens "at" this time (ISO 8601 with an offset): its callbacks' `time` starts there and runs on, so an app
   * that reads the time from events (opening hours) can be tried at any hour. IncomingCall keeps the real time: the
   * ring window is real. Default: the emulator's `callsAt`, else now.
   */
  at?: string;
}

export interface SayOptions {
  /** The language the caller speaks in; reported as languageIdentified when the app asked for it. */
  language?: string;
  /** positive | negative | neutral | mixed; reported when the app enabled sentiment analysis. */
  sentiment?: string;
  confidence?: number;
}

/**
 * What a callee does when the app calls them: pick up or refuse at once or after a delay (real ms), or `ring` until
 * whoever holds the handle answers it (or the ring window runs out).
 */
export type CalleeBehaviour =
  | { readonly kind: 'ring' }
  | { readonly kind: 'answer'; readonly afterMs?: number }
  | { readonly kind: 'decline'; readonly afterMs?: number }
  | { readonly kind: 'busy' }
  | { readonly kind: 'noAnswer' };

/** What the server hands the caller side for one createCall. */
export interface PlacedCall {
  readonly from: string;
  readonly to: string;
  readonly callbackUri: string;
  readonly operationContext: string | undefined;
  readonly apiVersion: string;
}

export interface CallHandle {
  readonly callId: string;
  /** `outbound` for a call the app placed with createCall: this handle is then the callee's phone. */
  readonly direction: CallDirection;
  readonly from: string;
  readonly to: string;
  readonly incomingCallContext: string;
  readonly correlationId: string;
  readonly serverCallId: string;
  /** The Event Grid event as delivered (Event Grid schema, one element of the posted array). */
  readonly incomingCallEvent: Record<string, unknown>;
  readonly callConnectionId: string | undefined;
  readonly state: CallState;
  readonly ended: CallEnd | undefined;
  readonly prompts: readonly HeardPrompt[];
  readonly timeline: readonly TimelineEntry[];
  /** Calls `listener` with every timeline entry recorded from now on (prompts heard are entries too); returns the unsubscribe. */
  subscribe(listener: (entry: TimelineEntry) => void): () => void;
  nextPrompt(options?: { timeoutMs?: number }): Promise<HeardPrompt>;
  /** Presses keys one by one ('12#'); with spacingMs > 0, waits that many real ms between tones. */
  press(keys: string, options?: { spacingMs?: number }): Promise<void>;
  say(text: string, options?: SayOptions): void;
  /** Unrecognisable speech. */
  mumble(): void;
  /** Does nothing: documents that the caller stays silent (timeouts will follow). */
  silence(): void;
  hangUp(): void;
  /** The callee of an outbound call picks up (throws for an inbound call or one no longer ringing). */
  answer(): void;
  /** The callee of an outbound call declines it. */
  decline(): void;
  waitForEnd(options?: { timeoutMs?: number }): Promise<CallEnd>;
}

export interface CallerApi {
  dial(options: DialOptions): Promise<CallHandle>;
  get(callId: string): CallHandle | undefined;
  readonly calls: readonly CallHandle[];
  /** Transfers to these numbers fail (CallTransferFailed), for every call. */
  transferFailsFor(numbers: readonly string[]): void;
  /** Delivers the call's IncomingCall event again (same event id, higher aeg-delivery-count); returns the HTTP status. */
  redeliverIncomingCall(callId: string): Promise<number>;
  /** Runs the Event Grid webhook validation handshake against eventGridUrl. */
  validateSubscription(): Promise<ValidationResult>;
  /** How the phone at this number reacts to the app's calls from now on (default: it rings until answered). */
  calleeBehaves(number: string, behaviour: CalleeBehaviour): void;
  /** Calls `listener` with each outbound call as it starts ringing; returns the unsubscribe. */
  onRing(listener: (handle: CallHandle) => void): () => void;
  /** The next outbound call to ring (to `to`, when given), including one already ringing that nobody took yet. */
  nextRinging(options?: { to?: string; timeoutMs?: number }): Promise<CallHandle>;
}

export interface CallerApiDeps {
  timers: TimerSet;
  poster: HttpPoster;
  emulatorUrl: string;
  eventGridUrl: string | undefined;
  ringWindowMs: number;
  promptMsPerWord: number;
  outboundFailureEvent: CallEnvironment['outboundFailureEvent'];
  eventGridRetryDelaysMs: readonly number[];
  /** The default `at` of every dial. */
  callsAt?: string | undefined;
  /** Judges the IncomingCall event before it is ever delivered. */
  contract: Contract;
  newCallbackQueue(onDelivered: (record: DeliveryRecord) => void): CallbackQueue;
}

/** How long a test waits for what the caller should hear: only a wedged call reaches it, even on a busy machine. */
const DEFAULT_WAIT_MS = 30_000;

class Handle implements CallHandle {
  constructor(
    readonly call: Call,
    private readonly timers: TimerSet,
  ) {}

  get callId(): string {
    return this.call.callId;
  }
  get direction(): CallDirection {
    return this.call.direction;
  }
  get from(): string {
    return this.call.facts.from;
  }
  get to(): string {
    return this.call.facts.to;
  }
  get incomingCallContext(): string {
    return this.call.incomingCallContext;
  }
  get correlationId(): string {
    return this.call.correlationId;
  }
  get serverCallId(): string {
    return this.call.serverCallId;
  }
  get incomingCallEvent(): Record<string, unknown> {
    return this.call.incomingEvent ?? {};
  }
  get callConnectionId(): string | undefined {
    return this.call.callConnectionId;
  }
  get state(): CallState {
    return this.call.state;
  }
  get ended(): CallEnd | undefined {
    return this.call.ended;
  }
  get prompts(): readonly HeardPrompt[] {
    return this.call.prompts;
  }
  get timeline(): readonly TimelineEntry[] {
    return this.call.timeline;
  }

  subscribe(listener: (entry: TimelineEntry) => void): () => void {
    return this.call.subscribe(listener);
  }

  nextPrompt(options: { timeoutMs?: number } = {}): Promise<HeardPrompt> {
    return this.call.nextPrompt(options.timeoutMs ?? DEFAULT_WAIT_MS);
  }

  async press(keys: string, options: { spacingMs?: number } = {}): Promise<void> {
    const tones = tonesFromKeys(keys);
    const spacing = options.spacingMs ?? 0;
    for (const [index, tone] of tones.entries()) {
      if (index > 0 && spacing > 0) await new Promise<void>((resolve) => this.timers.afterMs(spacing, resolve));
      this.call.input({ kind: 'tone', tone });
    }
  }

  say(text: string, options: SayOptions = {}): void {
    this.call.input({ kind: 'speech', text, ...options });
  }

  mumble(): void {
    this.call.input({ kind: 'mumble' });
  }

  silence(): void {
    this.call.record('input', 'stays silent');
  }

  hangUp(): void {
    this.call.callerHangUp();
  }

  answer(): void {
    this.call.calleeAnswers();
  }

  decline(): void {
    this.call.calleeRefuses('declined');
  }

  waitForEnd(options: { timeoutMs?: number } = {}): Promise<CallEnd> {
    return this.call.waitForEnd(options.timeoutMs ?? DEFAULT_WAIT_MS);
  }
}

export class Caller implements CallerApi {
  private readonly handles = new Map<string, Handle>();
  private readonly byContext = new Map<string, Call>();
  private readonly byConnection = new Map<string, Call>();
  private readonly failingTargets = new Set<string>();
  private readonly behaviours = new Map<string, CalleeBehaviour>();
  private readonly ringListeners = new Set<(handle: CallHandle) => void>();
  /** Outbound calls that rang while nobody waited in nextRinging, oldest first. */
  private readonly unclaimedRings: Handle[] = [];
  private readonly env: CallEnvironment;

  constructor(private readonly deps: CallerApiDeps) {
    this.env = {
      timers: deps.timers,
      promptMsPerWord: deps.promptMsPerWord,
      transferFails: (target) => this.failingTargets.has(target),
      outboundFailureEvent: deps.outboundFailureEvent,
      newCallbackQueue: (onDelivered) => deps.newCallbackQueue(onDelivered),
    };
  }

  get calls(): readonly CallHandle[] {
    return [...this.handles.values()];
  }

  get(callId: string): CallHandle | undefined {
    return this.handles.get(callId);
  }

  callById(callId: string): Call | undefined {
    return this.handles.get(callId)?.call;
  }

  callByContext(context: string): Call | undefined {
    return this.byContext.get(context);
  }

  callByConnectionId(callConnectionId: string): Call | undefined {
    return this.byConnection.get(callConnectionId);
  }

  registerConnection(call: Call): void {
    if (call.callConnectionId !== undefined) this.byConnection.set(call.callConnectionId, call);
  }

  transferFailsFor(numbers: readonly string[]): void {
    for (const number of numbers) this.failingTargets.add(number);
  }

  async dial(options: DialOptions): Promise<CallHandle> {
    const call = new Call(
      {
        from: options.from,
        to: options.to,
        callerDisplayName: options.callerDisplayName ?? '',
        failTransfers: options.failTransfers ?? false,
        clockOffsetMs: clockOffsetMs(options.at ?? this.deps.callsAt),
      },
      this.env,
    );
    const handle = new Handle(call, this.deps.timers);
    this.handles.set(call.callId, handle);
    this.byContext.set(call.incomingCallContext, call);
    call.incomingEvent = incomingCallEvent({
      from: call.facts.from,
      to: call.facts.to,
      callerDisplayName: call.facts.callerDisplayName,
      serverCallId: call.serverCallId,
      correlationId: call.correlationId,
      incomingCallContext: call.incomingCallContext,
    });
    const contract = this.deps.contract;
    contract.assertEvent(contract.stableVersion, 'IncomingCall', call.incomingEvent['data'] as Record<string, unknown>);
    call.record('dialed', `${options.from} dials ${options.to}`, { from: options.from, to: options.to });
    // The ring window is real time, not scaled: tests choose it directly.
    call.ringTimer = this.deps.timers.afterMs(options.ringWindowMs ?? this.deps.ringWindowMs, () => call.ringExpired());
    if (options.deliver === false) return handle;
    await this.deliver(call);
    for (let extra = 0; extra < (options.duplicateDelivery ?? 0); extra += 1) await this.deliver(call);
    return handle;
  }

  calleeBehaves(number: string, behaviour: CalleeBehaviour): void {
    this.behaviours.set(number, behaviour);
  }

  onRing(listener: (handle: CallHandle) => void): () => void {
    this.ringListeners.add(listener);
    return () => this.ringListeners.delete(listener);
  }

  nextRinging(options: { to?: string; timeoutMs?: number } = {}): Promise<CallHandle> {
    const matches = (handle: CallHandle) => (options.to === undefined || handle.to === options.to) && handle.state === 'ringing';
    const waiting = this.unclaimedRings.findIndex(matches);
    if (waiting >= 0) return Promise.resolve(this.unclaimedRings.splice(waiting, 1)[0] as Handle);
    return new Promise((resolve, reject) => {
      const timer = this.deps.timers.afterMs(options.timeoutMs ?? DEFAULT_WAIT_MS, () => {
        stop();
        reject(new Error(`no outbound call rang${options.to ? ` ${options.to}` : ''} within ${options.timeoutMs ?? DEFAULT_WAIT_MS} ms`));
      });
      const stop = this.onRing((handle) => {
        if (!matches(handle)) return;
        this.deps.timers.clear(timer);
        stop();
        const index = this.unclaimedRings.indexOf(handle as Handle);
        if (index >= 0) this.unclaimedRings.splice(index, 1);
        resolve(handle);
      });
    });
  }

  /** createCall: a new call whose callee's phone rings now, reacting as that number was told to (or as its handle says). */
  place(placed: PlacedCall): Call {
    const call = new Call({ from: placed.from, to: placed.to, callerDisplayName: '', failTransfers: false, direction: 'outbound', clockOffsetMs: clockOffsetMs(this.deps.callsAt) }, this.env);
    const handle = new Handle(call, this.deps.timers);
    this.handles.set(call.callId, handle);
    call.place(randomUUID(), placed.callbackUri, placed.operationContext, placed.apiVersion);
    this.registerConnection(call);
    const behaviour = this.behaviours.get(placed.to) ?? { kind: 'ring' };
    const timers = this.deps.timers;
    // Refusals come a moment after the 201, as the network's answer would: never before the app has the call's id.
    switch (behaviour.kind) {
      case 'ring':
        call.ringTimer = timers.afterMs(this.deps.ringWindowMs, () => call.ringExpired());
        break;
      case 'answer':
        call.ringTimer = timers.afterMs(behaviour.afterMs ?? 0, () => call.calleeAnswers());
        break;
      case 'decline':
        call.ringTimer = timers.afterMs(behaviour.afterMs ?? 0, () => call.calleeRefuses('declined'));
        break;
      case 'busy':
        call.ringTimer = timers.afterMs(0, () => call.calleeRefuses('busy'));
        break;
      case 'noAnswer':
        call.ringTimer = timers.afterMs(this.deps.ringWindowMs, () => call.ringExpired());
        break;
    }
    // Calls nobody claimed and that stopped ringing are of no use to nextRinging any more.
    for (let index = this.unclaimedRings.length - 1; index >= 0; index--) if (this.unclaimedRings[index]?.state !== 'ringing') this.unclaimedRings.splice(index, 1);
    this.unclaimedRings.push(handle);
    for (const listener of [...this.ringListeners]) listener(handle);
    return call;
  }

  async redeliverIncomingCall(callId: string): Promise<number> {
    const handle = this.handles.get(callId);
    if (handle === undefined) throw new Error(`no call ${callId}`);
    return this.deliver(handle.call);
  }

  validateSubscription(): Promise<ValidationResult> {
    if (this.deps.eventGridUrl === undefined) throw new Error('validateSubscription needs the eventGridUrl option');
    return validateSubscription(this.deps.poster, this.deps.eventGridUrl, this.deps.emulatorUrl);
  }

  dispose(): void {
    for (const handle of this.handles.values()) handle.call.dispose();
  }

  /**
   * One delivery; a failed one is retried in the background as Event Grid would (`eventGridRetryDelaysMs`, none by
   * default), without holding up the caller. Each try's verdict is in the timeline, so a test sees a retry coming.
   */
  private async deliver(call: Call, attempt = 0, firstAt = Date.now()): Promise<number> {
    const url = this.deps.eventGridUrl;
    if (url === undefined || call.incomingEvent === undefined) {
      call.record('incomingCallDelivered', 'IncomingCall not delivered: no eventGridUrl configured', { status: 0 });
      return 0;
    }
    const deliveryCount = call.deliveryCount;
    call.deliveryCount += 1;
    const result = await deliverNotification(this.deps.poster, url, call.incomingEvent, deliveryCount);
    const verdict = afterDelivery(attempt, result.status, Date.now() - firstAt, this.deps.eventGridRetryDelaysMs);
    const next = verdict.kind === 'retry' ? `retry in ${verdict.afterMs} ms` : verdict.kind === 'dropped' ? `dropped: ${verdict.reason}` : 'delivered';
    call.record('incomingCallDelivered', `IncomingCall delivery ${deliveryCount} -> HTTP ${result.status}, ${next}`, {
      status: result.status,
      deliveryCount,
      next,
      ...(verdict.kind === 'retry' ? { retryInMs: verdict.afterMs } : {}),
      ...(result.error === undefined ? {} : { error: result.error }),
    });
    if (verdict.kind === 'retry') this.deps.timers.afterMs(verdict.afterMs, () => void this.deliver(call, attempt + 1, firstAt));
    return result.status;
  }
}

/** How far a dial's `at` is from now; a time that is not a time is refused rather than silently ignored. */
export function clockOffsetMs(at: string | undefined): number {
  if (at === undefined) return 0;
  const instant = Date.parse(at);
  // An offset is required: a bare local time would mean whatever zone the machine happens to be in.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(at) || Number.isNaN(instant)) {
    throw new Error(`"${at}" is not a time with an offset, such as 2026-12-25T10:00+01:00`);
  }
  return instant - Date.now();
}
