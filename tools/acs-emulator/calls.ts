// Owns the call model: one call from ringing to its end, its media operations (play/recognize), timeline and prompts.
import { randomUUID } from 'node:crypto';
import type { CallbackQueue, CallIds, DeliveryRecord } from './callbacks.js';
import { phoneIdentifier } from './event-grid.js';
import {
  applyInput,
  initialSilenceTimedOut,
  interToneTimedOut,
  newProgress,
  type CallerInput,
  type RecognizeOutcome,
  type RecognizeProgress,
  type RecognizeSettings,
} from './recognize.js';
import { RESULTS, type ResultInformation } from './results.js';
import type { PlaySource } from './wire-types.js';
import type { TimerId, TimerSet } from './timers.js';

export type CallState = 'ringing' | 'connecting' | 'connected' | 'transferring' | 'disconnected';

/** Inbound: a caller dialled the hotline. Outbound: the app's createCall rings a callee. */
export type CallDirection = 'inbound' | 'outbound';

/** How an outbound callee's phone ends without an answer. */
export type CalleeRefusal = 'declined' | 'busy' | 'noAnswer';

export type CallEnd =
  | { kind: 'hungUpByApp'; at: string }
  | { kind: 'transferred'; target: string; at: string }
  | { kind: 'callerHungUp'; at: string; beforeAnswer: boolean }
  | { kind: 'missed'; at: string }
  | { kind: 'notConnected'; reason: CalleeRefusal; at: string };

export interface HeardPrompt {
  kind: 'text' | 'ssml' | 'file';
  /** What the caller hears: the text, the SSML with tags removed, or the file URL. */
  text: string;
  language?: string;
  voice?: string;
  ssml?: string;
  operationContext?: string;
  at: string;
}

export type TimelineKind =
  | 'dialed'
  | 'ringing'
  | 'incomingCallDelivered'
  | 'request'
  | 'answered'
  | 'callback'
  | 'promptHeard'
  | 'input'
  | 'inputIgnored'
  | 'transfer'
  | 'ended';

export interface TimelineEntry {
  at: string;
  elapsedMs: number;
  kind: TimelineKind;
  summary: string;
  details: Record<string, unknown>;
}

interface MediaOpBase {
  operationContext: string | undefined;
  callbackUri: string;
  version: string;
  sources: PlaySource[];
  promptIndex: number;
  promptHeard: boolean;
  timer: TimerId | undefined;
}
interface PlayOp extends MediaOpBase {
  kind: 'play';
}
interface RecognizeOp extends MediaOpBase {
  kind: 'recognize';
  phase: 'prompt' | 'listening';
  settings: RecognizeSettings;
  progress: RecognizeProgress;
}
export type MediaOp = PlayOp | RecognizeOp;

export interface CallEnvironment {
  timers: TimerSet;
  /** Real milliseconds one word of a prompt takes to play (already multiplied by timeScale). */
  promptMsPerWord: number;
  transferFails(target: string, call: Call): boolean;
  /** Which event reports an outbound call that was not answered; real ACS has sent both. */
  outboundFailureEvent: 'CreateCallFailed' | 'CallDisconnected';
  newCallbackQueue(onDelivered: (record: DeliveryRecord) => void): CallbackQueue;
}

export interface DialFacts {
  from: string;
  to: string;
  callerDisplayName: string;
  failTransfers: boolean;
  direction?: CallDirection;
  /** The call's clock minus the machine's: callbacks are stamped as if the call happened then. */
  clockOffsetMs: number;
}

export function newMediaOp(
  kind: 'play',
  base: Omit<MediaOpBase, 'promptIndex' | 'promptHeard' | 'timer'>,
): PlayOp;
export function newMediaOp(
  kind: 'recognize',
  base: Omit<MediaOpBase, 'promptIndex' | 'promptHeard' | 'timer'>,
  settings: RecognizeSettings,
): RecognizeOp;
export function newMediaOp(
  kind: 'play' | 'recognize',
  base: Omit<MediaOpBase, 'promptIndex' | 'promptHeard' | 'timer'>,
  settings?: RecognizeSettings,
): MediaOp {
  const common = { ...base, promptIndex: 0, promptHeard: false, timer: undefined };
  if (kind === 'play' || settings === undefined) return { kind: 'play', ...common };
  return { kind: 'recognize', ...common, phase: 'prompt', settings, progress: newProgress(settings) };
}

export class Call {
  readonly callId = randomUUID();
  readonly correlationId = randomUUID();
  readonly serverCallId: string;
  readonly incomingCallContext: string;
  readonly dialedAt = Date.now();
  readonly prompts: HeardPrompt[] = [];
  readonly timeline: TimelineEntry[] = [];
  state: CallState = 'ringing';
  callConnectionId: string | undefined;
  callbackUri: string | undefined;
  answerOperationContext: string | undefined;
  answerVersion = '2026-03-12';
  ended: CallEnd | undefined;
  failTransfers: boolean;
  incomingEvent: Record<string, unknown> | undefined;
  deliveryCount = 0;
  ringTimer: TimerId | undefined;

  private queue: CallbackQueue | undefined;
  private current: MediaOp | undefined;
  private pending: MediaOp[] = [];
  private callbacksClosed = false;
  private promptCursor = 0;
  private promptWaiters: Array<Waiter<HeardPrompt>> = [];
  private endWaiters: Array<Waiter<CallEnd>> = [];
  private readonly listeners = new Set<(entry: TimelineEntry) => void>();

  constructor(
    readonly facts: DialFacts,
    private readonly env: CallEnvironment,
  ) {
    this.failTransfers = facts.failTransfers;
    const conv = `https://api.flightproxy.skype.com/api/v2/cp/conv-local-01.conv.skype.com/conv/${randomUUID()}?i=10&e=${Date.now()}`;
    this.serverCallId = Buffer.from(conv).toString('base64');
    // Opaque to the app, unique per call; base64url JSON so a human can still read it while debugging.
    this.incomingCallContext = Buffer.from(
      JSON.stringify({ emulator: 'acs', callId: this.callId, nonce: randomUUID() }),
    ).toString('base64url');
  }

  get ids(): CallIds {
    return {
      callConnectionId: this.callConnectionId ?? '',
      serverCallId: this.serverCallId,
      correlationId: this.correlationId,
    };
  }

  /** The call as the REST API shows it (CallConnectionProperties). */
  properties(): Record<string, unknown> {
    return {
      callConnectionId: this.callConnectionId,
      serverCallId: this.serverCallId,
      targets: [phoneIdentifier(this.facts.to)],
      callConnectionState: this.state === 'ringing' ? 'unknown' : this.state,
      callbackUri: this.callbackUri,
      sourceCallerIdNumber: { value: this.facts.from },
      sourceDisplayName: this.facts.callerDisplayName,
      source: phoneIdentifier(this.facts.from),
      correlationId: this.correlationId,
      mediaStreamingSubscription: { id: randomUUID(), state: 'disabled', subscribedContentTypes: ['audio'] },
    };
  }

  record(kind: TimelineKind, summary: string, details: Record<string, unknown> = {}): void {
    const now = Date.now();
    const entry: TimelineEntry = {
      at: new Date(now).toISOString(),
      elapsedMs: now - this.dialedAt,
      kind,
      summary,
      details,
    };
    this.timeline.push(entry);
    for (const listener of this.listeners) listener(entry);
  }

  subscribe(listener: (entry: TimelineEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get direction(): CallDirection {
    return this.facts.direction ?? 'inbound';
  }

  answer(callConnectionId: string, callbackUri: string, operationContext: string | undefined, version: string): void {
    this.env.timers.clear(this.ringTimer);
    this.connect(callConnectionId, callbackUri, operationContext, version);
    this.record('answered', `answered as ${callConnectionId}`, { callConnectionId, callbackUri });
    this.connected();
  }

  /** createCall: the call exists (and can be hung up) while the callee's phone rings; events wait for their answer. */
  place(callConnectionId: string, callbackUri: string, operationContext: string | undefined, version: string): void {
    this.connect(callConnectionId, callbackUri, operationContext, version);
    this.state = 'ringing';
    this.record('ringing', `${this.facts.from} calls ${this.facts.to} as ${callConnectionId}`, { callConnectionId, callbackUri });
  }

  /** The callee picks up: the app hears CallConnected with the createCall's operationContext. */
  calleeAnswers(): void {
    if (this.direction !== 'outbound') throw new Error('only an outbound call is answered by its callee');
    if (this.state !== 'ringing' || this.ended !== undefined) throw new Error(`the call is ${this.state}, not ringing`);
    this.env.timers.clear(this.ringTimer);
    this.state = 'connecting';
    this.record('answered', 'the callee answered', { callConnectionId: this.callConnectionId });
    this.connected();
  }

  /** The callee declines, is busy, or never picks up (the ring window): the createCall fails. */
  calleeRefuses(reason: CalleeRefusal): void {
    if (this.direction !== 'outbound') throw new Error('only an outbound call is refused by its callee');
    if (this.state !== 'ringing' || this.ended !== undefined) throw new Error(`the call is ${this.state}, not ringing`);
    const result = reason === 'busy' ? RESULTS.calleeBusy : reason === 'declined' ? RESULTS.calleeDeclined : RESULTS.calleeNoAnswer;
    this.emit(this.env.outboundFailureEvent, { operationContext: this.answerOperationContext, result });
    this.finishCall({ kind: 'notConnected', reason, at: new Date().toISOString() });
  }

  private connect(callConnectionId: string, callbackUri: string, operationContext: string | undefined, version: string): void {
    this.callConnectionId = callConnectionId;
    this.callbackUri = callbackUri;
    this.answerOperationContext = operationContext;
    this.answerVersion = version;
    this.state = 'connecting';
    this.queue = this.env.newCallbackQueue((delivery) =>
      this.record('callback', `${delivery.type}${delivery.duplicate ? ' (duplicate)' : ''} -> HTTP ${delivery.status}`, {
        ...delivery,
      }),
    );
  }

  private connected(): void {
    const operationContext = this.answerOperationContext;
    const version = this.answerVersion;
    this.emit('CallConnected', { operationContext, result: RESULTS.connected, version });
    this.emit('ParticipantsUpdated', {
      operationContext: undefined,
      result: RESULTS.participantsUpdated,
      version,
      fields: {
        sequenceNumber: 1,
        participants: [{ identifier: phoneIdentifier(this.direction === 'outbound' ? this.facts.to : this.facts.from), isMuted: false, isOnHold: false }],
      },
    });
    // The REST response says "connecting"; the call is connected once the event is on its way.
    this.env.timers.afterMs(0, () => {
      if (this.state === 'connecting') this.state = 'connected';
    });
  }

  emit(
    type: string,
    event: {
      operationContext: string | undefined;
      result: ResultInformation | undefined;
      version?: string;
      callbackUri?: string;
      fields?: Record<string, unknown>;
    },
  ): void {
    if (this.callbacksClosed || this.queue === undefined) return;
    const callbackUri = event.callbackUri ?? this.callbackUri;
    if (callbackUri === undefined) return;
    if (type === 'CallDisconnected') this.callbacksClosed = true; // nothing follows CallDisconnected
    this.queue.enqueue(this.ids, {
      type,
      callbackUri,
      operationContext: event.operationContext,
      resultInformation: event.result,
      version: event.version ?? this.answerVersion,
      fields: event.fields ?? {},
      clockOffsetMs: this.facts.clockOffsetMs,
    });
  }

  // ---- media operations ----

  startMedia(op: MediaOp, interrupt: boolean): void {
    if (this.current !== undefined) {
      if (!interrupt) {
        this.pending.push(op);
        return;
      }
      this.cancelOp(this.current);
      this.current = undefined;
    }
    this.run(op);
  }

  cancelAllMedia(): void {
    const ops = [...(this.current ? [this.current] : []), ...this.pending];
    this.current = undefined;
    this.pending = [];
    for (const op of ops) this.cancelOp(op);
  }

  private cancelOp(op: MediaOp): void {
    this.env.timers.clear(op.timer);
    const type = op.kind === 'play' ? 'PlayCanceled' : 'RecognizeCanceled';
    const result = op.kind === 'play' ? RESULTS.playCanceled : RESULTS.recognizeCanceled;
    this.emitFor(op, type, result);
  }

  private stopMediaSilently(): void {
    for (const op of [...(this.current ? [this.current] : []), ...this.pending]) this.env.timers.clear(op.timer);
    this.current = undefined;
    this.pending = [];
  }

  private emitFor(op: MediaOp, type: string, result: ResultInformation, fields: Record<string, unknown> = {}): void {
    this.emit(type, {
      operationContext: op.operationContext,
      result,
      version: op.version,
      callbackUri: op.callbackUri,
      fields,
    });
  }

  private run(op: MediaOp): void {
    this.current = op;
    if (op.kind === 'recognize' && op.sources.length === 0) {
      this.listen(op);
      return;
    }
    this.playNext(op);
  }

  private playNext(op: MediaOp): void {
    if (this.current !== op) return;
    const source = op.sources[op.promptIndex];
    if (source === undefined) {
      if (op.kind === 'play') {
        this.emitFor(op, 'PlayCompleted', RESULTS.actionCompleted);
        this.finish(op);
      } else {
        this.listen(op);
      }
      return;
    }
    if (source.kind === 'file' && /invalid/i.test(source.file.uri)) {
      const fields = { failedPlaySourceIndex: op.promptIndex };
      if (op.kind === 'play') this.emitFor(op, 'PlayFailed', RESULTS.playInvalidFile, fields);
      else this.emitFor(op, 'RecognizeFailed', RESULTS.promptFailed, fields);
      this.finish(op);
      return;
    }
    if (!op.promptHeard) {
      op.promptHeard = true;
      this.emitFor(op, 'PlayStarted', RESULTS.actionCompleted);
    }
    const prompt = heardPrompt(source, op.operationContext);
    this.hear(prompt);
    const words = source.kind === 'file' ? 10 : Math.max(1, prompt.text.split(/\s+/).filter(Boolean).length);
    op.timer = this.env.timers.afterMs(words * this.env.promptMsPerWord, () => {
      op.promptIndex += 1;
      this.playNext(op);
    });
  }

  private listen(op: RecognizeOp): void {
    op.phase = 'listening';
    this.env.timers.clear(op.timer);
    op.timer = this.env.timers.afterSeconds(op.settings.initialSilenceSeconds, () =>
      this.conclude(op, initialSilenceTimedOut()),
    );
  }

  private finish(op: MediaOp): void {
    this.env.timers.clear(op.timer);
    if (this.current !== op) return;
    this.current = undefined;
    const next = this.pending.shift();
    if (next !== undefined) this.run(next);
  }

  private conclude(op: RecognizeOp, outcome: RecognizeOutcome): void {
    switch (outcome.kind) {
      case 'ignored':
      case 'collecting':
        return;
      case 'completed':
        this.emitFor(op, 'RecognizeCompleted', outcome.result, outcome.data);
        break;
      case 'failed':
        this.emitFor(op, 'RecognizeFailed', outcome.result, outcome.data);
        break;
    }
    this.finish(op);
  }

  private hear(prompt: HeardPrompt): void {
    this.prompts.push(prompt);
    this.record('promptHeard', `heard ${prompt.kind}: ${prompt.text}`, { ...prompt });
    const waiter = this.promptWaiters.shift();
    if (waiter !== undefined) {
      this.promptCursor += 1;
      waiter.resolve(prompt);
    }
  }

  // ---- caller input ----

  input(input: CallerInput): void {
    const label = input.kind === 'tone' ? `pressed ${input.tone}` : input.kind === 'speech' ? `said "${input.text}"` : 'mumbled';
    this.record('input', label, { ...input });
    const op = this.current;
    if (this.state === 'disconnected' || this.state === 'ringing') {
      this.record('inputIgnored', `${label}: call is ${this.state}`);
      return;
    }
    if (op?.kind !== 'recognize') {
      this.record('inputIgnored', `${label}: no recognize is running`);
      return;
    }
    if (op.phase === 'prompt' && !op.settings.interruptPrompt) {
      this.record('inputIgnored', `${label}: the prompt is playing and interruptPrompt is false`);
      return;
    }
    const outcome = applyInput(op.settings, op.progress, input);
    if (outcome.kind === 'ignored') {
      this.record('inputIgnored', `${label}: ${outcome.reason}`);
      return;
    }
    // Barge-in: accepted input stops the rest of the prompt.
    op.phase = 'listening';
    this.env.timers.clear(op.timer);
    op.timer = undefined;
    if (outcome.kind === 'collecting') {
      op.timer = this.env.timers.afterSeconds(op.settings.interToneSeconds, () =>
        this.conclude(op, interToneTimedOut(op.progress)),
      );
      return;
    }
    this.conclude(op, outcome);
  }

  // ---- ending and transfer ----

  hangUpByApp(): void {
    if (this.ended !== undefined) return;
    this.stopMediaSilently();
    this.emit('CallDisconnected', { operationContext: undefined, result: RESULTS.endedByApi });
    this.finishCall({ kind: 'hungUpByApp', at: new Date().toISOString() });
  }

  callerHangUp(): void {
    if (this.ended !== undefined) return;
    if (this.direction === 'outbound' && this.state === 'ringing') {
      this.calleeRefuses('declined');
      return;
    }
    const beforeAnswer = this.state === 'ringing';
    this.stopMediaSilently();
    this.emit('CallDisconnected', { operationContext: undefined, result: RESULTS.endedByCaller });
    this.finishCall({ kind: 'callerHungUp', at: new Date().toISOString(), beforeAnswer });
  }

  ringExpired(): void {
    if (this.ended !== undefined || this.state !== 'ringing') return;
    if (this.direction === 'outbound') {
      this.calleeRefuses('noAnswer');
      return;
    }
    this.finishCall({ kind: 'missed', at: new Date().toISOString() });
  }

  transfer(
    target: string,
    targetIdentifier: object,
    operationContext: string | undefined,
    callbackUri: string | undefined,
    version: string,
  ): void {
    this.state = 'transferring';
    this.stopMediaSilently();
    this.record('transfer', `transfer to ${target} requested`, { target, operationContext });
    const event = { operationContext, version, ...(callbackUri === undefined ? {} : { callbackUri }) };
    this.env.timers.afterMs(0, () => {
      if (this.ended !== undefined) return;
      if (this.failTransfers || this.env.transferFails(target, this)) {
        this.state = 'connected';
        this.record('transfer', `transfer to ${target} failed`, { target });
        this.emit('CallTransferFailed', { ...event, result: RESULTS.transferFailed });
        return;
      }
      this.emit('CallTransferAccepted', {
        ...event,
        result: RESULTS.transferAccepted,
        fields: { transferTarget: targetIdentifier, transferee: phoneIdentifier(this.facts.from) },
      });
      this.record('transfer', `transfer to ${target} accepted`, { target });
      // The app's leg leaves the call once the transfer is accepted.
      this.emit('CallDisconnected', { operationContext: undefined, result: RESULTS.endedByApi, version });
      this.finishCall({ kind: 'transferred', target, at: new Date().toISOString() });
    });
  }

  private finishCall(end: CallEnd): void {
    this.env.timers.clear(this.ringTimer);
    this.ended = end;
    this.state = 'disconnected';
    this.record('ended', `ended: ${end.kind}`, { ...end });
    for (const waiter of this.endWaiters.splice(0)) waiter.resolve(end);
  }

  // ---- waiting (caller side) ----

  nextPrompt(timeoutMs: number): Promise<HeardPrompt> {
    const ready = this.prompts[this.promptCursor];
    if (ready !== undefined) {
      this.promptCursor += 1;
      return Promise.resolve(ready);
    }
    return this.waitWithTimeout(this.promptWaiters, timeoutMs, 'a prompt');
  }

  waitForEnd(timeoutMs: number): Promise<CallEnd> {
    if (this.ended !== undefined) return Promise.resolve(this.ended);
    return this.waitWithTimeout(this.endWaiters, timeoutMs, 'the call to end');
  }

  private waitWithTimeout<T>(waiters: Array<Waiter<T>>, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        resolve: (value) => {
          this.env.timers.clear(timer);
          resolve(value);
        },
        reject: (error) => {
          this.env.timers.clear(timer);
          reject(error);
        },
      };
      const timer = this.env.timers.afterMs(timeoutMs, () => {
        const index = waiters.indexOf(waiter);
        if (index >= 0) waiters.splice(index, 1);
        reject(new Error(`call ${this.callId}: timed out after ${timeoutMs} ms waiting for ${what}`));
      });
      waiters.push(waiter);
    });
  }

  /** On emulator close: stop everything and fail whoever is still waiting, so no test hangs. */
  dispose(): void {
    this.stopMediaSilently();
    const error = new Error('ACS emulator closed');
    for (const waiter of this.promptWaiters.splice(0)) waiter.reject(error);
    for (const waiter of this.endWaiters.splice(0)) waiter.reject(error);
    this.listeners.clear();
  }
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

function heardPrompt(source: PlaySource, operationContext: string | undefined): HeardPrompt {
  const base = { at: new Date().toISOString(), ...(operationContext === undefined ? {} : { operationContext }) };
  switch (source.kind) {
    case 'text': {
      const voice = source.text.voiceName;
      const language = source.text.sourceLocale ?? (voice === undefined ? undefined : /^[a-z]{2,3}-[A-Z]{2}/.exec(voice)?.[0]);
      return {
        ...base,
        kind: 'text',
        text: source.text.text,
        ...(language === undefined ? {} : { language }),
        ...(voice === undefined ? {} : { voice }),
      };
    }
    case 'ssml': {
      const ssml = source.ssml.ssmlText;
      const language = /xml:lang="([^"]+)"/.exec(ssml)?.[1];
      const voice = /<voice[^>]*\bname="([^"]+)"/.exec(ssml)?.[1];
      const text = ssml.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
      return {
        ...base,
        kind: 'ssml',
        text,
        ssml,
        ...(language === undefined ? {} : { language }),
        ...(voice === undefined ? {} : { voice }),
      };
    }
    case 'file':
      return { ...base, kind: 'file', text: source.file.uri };
  }
}
