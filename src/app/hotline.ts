// Owns the shell around the decision core: load state, decide, save with the event's marker, then act.
import { setTimeout as sleep } from 'node:timers/promises';
import { outboundRequestOf } from '../adapters/acs/callback-binding';
import { newNonce } from './call-nonce';
import type { CallbackEvent } from '../adapters/acs/callback-events';
import type { IncomingCall } from '../adapters/acs/incoming-call';
import type { CallerIdentity } from '../adapters/privacy/caller-identity';
import { statusOf, WAITING_PHASES, type CallStore, type CleanupResult, type StoredCall, type WaitingPhase } from '../adapters/tables/call-store';
import type { CallAction, CallMilestone } from '../domain/call-action';
import type { CallEvent } from '../domain/call-event';
import { newCallState, type CallState } from '../domain/call-state';
import { decide } from '../domain/decide';
import { decideWithoutOwnFlow } from '../domain/missing-flow';
import type { Flow } from '../flow/flow-schema';
import type { FlowLibrary } from './flow-library';
import type { CallControl, Clock, Log, Telemetry, Timers } from './ports';

/** A call rings for 30 s; answering later than that cannot reach the caller. */
export const RING_WINDOW_MS = 30_000;
/** Event Grid retries a failed first delivery 10 s later; its later retries come 30 s, 1 min, ... apart. */
const EVENT_GRID_RETRY_MS = 10_000;
/**
 * What a redelivery needs to claim the call and answer it: handing over later than this before the ring ends is futile.
 * Generous, because a burst that slows the first delivery slows its redelivery too (a 300-call burst on a loaded
 * 2-core machine lost calls handed over at 18 s).
 */
const REDELIVERY_NEEDS_MS = 5_000;
/** An answer sent in the ring's last second may reach ACS too late: the last try starts before it. */
const LAST_ANSWER_MARGIN_MS = 1_000;
/**
 * An owner's first answer ends by then, and it has recorded it (or extended its claim) 2 s later: before Event Grid's
 * first retry (10 s), so a dead owner's claim is free for it.
 */
const CLAIM_START_BY_MS = 6_000;
const FIRST_WRAP_UP_MS = 2_000;
/** After its deadline the owner still records the answered call (a few storage writes); a takeover waits for that too. */
const OWNER_WRAP_UP_MS = 5_000;
/**
 * How long one transition's ACS actions may take, retries included: with storage's own timeouts, a callback answers
 * well inside ACS's patience and the Functions timeout; a call left waiting is the watchdog's.
 */
const ACTIONS_DEADLINE_MS = 10_000;
/** How long to wait after a 429 without Retry-After (which the SDK does not retry). */
const THROTTLE_PAUSE_MS = 1_000;
/** Lost ETag races are retried on fresh state; more than this means something is wrong, not busy. */
const MAX_COMMIT_ATTEMPTS = 5;
/** A call that goes quiet this long without ending is over, whatever its row says; retention may remove it. */
const ABANDONED_AFTER_MS = 24 * 3_600_000;

/** `retryLater` asks for Event Grid's redelivery (10 s on, still inside the ring window): the trigger throws. */
export type IncomingCallOutcome = 'answered' | 'expired' | 'duplicate' | 'answerFailed' | 'retryLater';
/** `forged`: the event names a call other than the one its callback URL was issued for; nothing was written. */
export type EventOutcome = 'applied' | 'ignored' | 'duplicate' | 'orphan' | 'unknownType' | 'notActionable' | 'forged';

export interface WatchdogResult {
  readonly stalled: number;
  readonly recovered: number;
  readonly failed: number;
}

/** Too many lost ETag races in a row for one event: worth a redelivery, not a 500. */
export class CommitConflict extends Error {
  constructor(callConnectionId: string) {
    super(`gave up after ${MAX_COMMIT_ATTEMPTS} conflicting writes for call ${callConnectionId}`);
    this.name = 'CommitConflict';
  }
}

/**
 * How long each phase may wait for its ACS result before the watchdog steps in: above the flow's longest initial
 * silence plus 25 s for the prompt (the longest, the reminder's, takes about 10 s), at least 45 s, so that with a 15 s
 * sweep nobody waits more than a minute even in a menu that waits the 20 s choices allow.
 * A transfer rings the operator first, so it gets twice as long.
 */
export function stallThresholdsMs(flow: Flow, overrideSeconds: number | undefined): Record<WaitingPhase, number> {
  const longestSilence = Math.max(0, ...Object.values(flow.menus).map((menu) => menu.input.initialSilenceTimeoutSeconds));
  const base = (overrideSeconds ?? Math.max(45, longestSilence + 25)) * 1_000;
  return { connecting: base, awaitingInput: base, playing: base, transferring: 2 * base, hangingUp: base };
}

/** What the shell asks of outbound calls: a first state for an early callback, and a word when a call ends. */
export interface OutboundHooks {
  initialState(callConnectionId: string, correlationId: string | undefined, operationContext: string | undefined): Promise<CallState | undefined>;
  onMilestones(milestones: readonly CallMilestone[], log: Log): Promise<void>;
}

export interface HotlineDependencies {
  readonly flow: Flow;
  /** The current flow's version and every version live calls started on. */
  readonly flows: FlowLibrary;
  readonly store: CallStore;
  readonly calls: CallControl;
  readonly callers: CallerIdentity;
  readonly telemetry: Telemetry;
  readonly clock: Clock;
  readonly timers: Timers;
  /** The callback URL for a call, carrying the value that binds callbacks to it. */
  readonly binding: { urlFor(correlationId: string): string };
  readonly cognitiveServicesEndpoint: string;
  readonly stallAfterMs: Readonly<Record<WaitingPhase, number>>;
  readonly retentionMs: number;
  readonly outbound?: OutboundHooks | undefined;
}

export class Hotline {
  constructor(private readonly deps: HotlineDependencies) {}

  get flow(): Flow {
    return this.deps.flow;
  }

  async handleIncomingCall(call: IncomingCall, log: Log): Promise<IncomingCallOutcome> {
    const { store, callers, telemetry, clock } = this.deps;
    const now = clock.now();
    const callKey = call.correlationId;
    const callerPseudonym = callers.pseudonym(call.callerRawId);
    const flowVersion = this.deps.flows.currentVersion;
    telemetry.trackEvent('CallReceived', { callKey, callerPseudonym, flowVersion });
    // Stored while ACS answers, so the call's first callback finds its version on any instance.
    const versionStored = this.storeCurrentVersion(log);

    const ringMs = now.getTime() - Date.parse(call.eventTime);
    if (ringMs > RING_WINDOW_MS) {
      telemetry.trackEvent('CallNotAnswered', { callKey, reason: 'expired', flowVersion }, { ringMs });
      log.warn('incoming call too old to answer', { callKey, ringMs });
      return 'expired';
    }

    // Every answer path fits the ring window, measured from the event's time, not from when it reached us.
    const ringEndsAt = Date.parse(call.eventTime) + RING_WINDOW_MS;
    const handOverBy = ringEndsAt - EVENT_GRID_RETRY_MS - REDELIVERY_NEEDS_MS;
    // Only the first try can arrive within Event Grid's first 10 s, and only its retry comes 10 s after it fails; a
    // later delivery is a retry (or late), and Event Grid's next try is 30 s away: it answers until the ring ends.
    const canHandOver = now.getTime() < handOverBy && ringMs < EVENT_GRID_RETRY_MS;
    // Until the last moment a redelivery could still answer, or, when that has passed, until the ring ends.
    const deadline = canHandOver ? handOverBy : ringEndsAt - LAST_ANSWER_MARGIN_MS;

    // The claim is what makes a redelivered IncomingCall harmless: the SDK's repeatability id is fresh per request.
    // It names its owner's deadline: nobody takes the call over while its owner may still be answering it. At first
    // that is short (before Event Grid's retry), so an owner that dies before answering does not cost the caller; an
    // owner that needs longer (throttled, slow) extends it before going on.
    const startBy = Math.min(deadline, now.getTime() + CLAIM_START_BY_MS);
    const claim = {
      correlationId: callKey,
      eventId: call.eventId,
      callerPseudonym,
      callerSealed: callers.seal(call.callerRawId),
      status: 'answering' as const,
      deadline: new Date(startBy + (startBy < deadline ? FIRST_WRAP_UP_MS : OWNER_WRAP_UP_MS)).toISOString(),
    };
    if ((await store.claimIncomingCall(claim, now.toISOString())) === 'duplicate') {
      telemetry.trackEvent('CallNotAnswered', { callKey, reason: 'duplicate', flowVersion });
      log.info('incoming call already claimed', { callKey, eventId: call.eventId });
      return 'duplicate';
    }

    let callConnectionId: string;
    try {
      const request = {
        incomingCallContext: call.incomingCallContext,
        callbackUrl: this.deps.binding.urlFor(callKey),
        cognitiveServicesEndpoint: this.deps.cognitiveServicesEndpoint,
        operationContext: `answer:${callKey}`,
      };
      const extend = () => store.updateClaim(callKey, { status: 'answering', deadline: new Date(deadline + OWNER_WRAP_UP_MS).toISOString() });
      ({ callConnectionId } = await this.answerBy(startBy, deadline, request, extend));
    } catch (error) {
      const status = statusOf(error);
      const statusCode = String(status ?? 'none');
      const throttled = status === 429;
      if (throttled || isTimeout(error)) {
        const reason = throttled ? 'throttled' : 'timedOut';
        if (canHandOver) {
          // Refused (429) before ACS acted on it, or not answered by our deadline: a redelivery may try again, and
          // Event Grid's (10 s on) still lands inside the ring window. The claim is released for it.
          telemetry.trackEvent('CallNotAnswered', { callKey, reason, statusCode, flowVersion });
          log.warn('answer not done in time; handing over to Event Grid\'s redelivery', { callKey, reason });
          await store.updateClaim(callKey, { status: throttled ? 'answerThrottled' : 'answerTimedOut' }).catch(() => undefined);
          return 'retryLater';
        }
        // A redelivery would land after the ring window: the caller is gone, so the failure is recorded, not retried.
        telemetry.trackEvent('CallNotAnswered', { callKey, reason: 'ringWindow', statusCode, flowVersion });
        log.error('answer not done inside the ring window', { callKey, reason });
        await store.updateClaim(callKey, { status: 'answerFailed' }).catch(() => undefined);
        return 'answerFailed';
      }
      // Anything else a retry would meet again, and a lost response was already retried by the SDK: record and move on.
      telemetry.trackEvent('CallNotAnswered', { callKey, reason: 'answerFailed', statusCode, flowVersion });
      log.error('answer failed', { callKey, statusCode, error: describe(error) });
      await store.updateClaim(callKey, { status: 'answerFailed' }).catch(() => undefined);
      return 'answerFailed';
    }

    telemetry.trackEvent('CallAnswered', { callKey, callConnectionId, flowVersion }, { ringMs: Math.max(0, ringMs) });
    try {
      await versionStored;
      const state = newCallState({
        callConnectionId,
        correlationId: callKey,
        callerPseudonym,
        callerSealed: claim.callerSealed,
        language: this.deps.flow.defaultLanguage,
        flowVersion,
        nonce: newNonce(),
      });
      await store.create(state, now.toISOString());
      await store.updateClaim(callKey, { status: 'answered', callConnectionId });
    } catch (error) {
      // The call is answered; the first callback rebuilds its state from the claim, so this is not fatal.
      log.warn('could not record the answered call; callbacks will start it from the claim', { callKey, error: describe(error) });
    }
    return 'answered';
  }

  /**
   * Answers, with the SDK's retries (one repeatability id) and a second apart after a 429 without Retry-After (which
   * the SDK does not retry, and ACS did not act on). The first answer ends by `startBy` (the claim's first deadline);
   * retrying past a 429 or a try that timed out takes `extend` (the claim's deadline moved to `deadline`), and every
   * retry ends by `deadline`.
   */
  private async answerBy(
    startBy: number,
    deadline: number,
    request: Omit<Parameters<CallControl['answer']>[0], 'abortSignal'>,
    extend: () => Promise<void>,
  ): Promise<{ callConnectionId: string }> {
    const remaining = (until: number) => until - this.deps.clock.now().getTime();
    let abortSignal = AbortSignal.timeout(Math.max(0, remaining(startBy)));
    let extended = startBy >= deadline;
    for (;;) {
      try {
        return await this.deps.calls.answer({ ...request, abortSignal });
      } catch (error) {
        // A refusal is retried, and so is a try that timed out (a hung socket, or the claim's first deadline): this
        // owner is alive, and a hand-over would add Event Grid's 10 s before anyone tried again (under a dial burst,
        // those redeliveries came too late). A try that timed out may have landed; a fresh answerCall (ours now, or a
        // redelivery's later) then meets ACS's refusal of a second answer, and the call starts from the claim when its
        // CallConnected comes.
        const timedOut = isTimeout(error);
        if ((statusOf(error) !== 429 && !timedOut) || remaining(deadline) < THROTTLE_PAUSE_MS) throw error;
        if (!extended) {
          // Storage failing here stops the owner with ACS's error, so that it hands over (its short deadline lets the
          // redelivery take over): thrown as it was, a storage error read as a failed answer and lost the caller.
          await extend().catch(() => {
            throw error;
          });
          extended = true;
          abortSignal = AbortSignal.timeout(Math.max(0, remaining(deadline)));
        }
        if (timedOut) continue;
        // Not the Timers port: this pause must end when the deadline's abort signal fires, and the port takes no signal.
        await sleep(THROTTLE_PAUSE_MS, undefined, { signal: abortSignal }).catch(() => undefined);
        if (abortSignal.aborted) throw error;
      }
    }
  }

  /**
   * Events of one POST, in order: each is applied fully before the next is read. `boundTo` is the correlation id the
   * callback URL was issued for (checked by the trigger): an event whose call is another one is refused.
   */
  async handleCallbacks(events: readonly CallbackEvent[], boundTo: string, log: Log): Promise<EventOutcome[]> {
    const outcomes: EventOutcome[] = [];
    for (const event of events) outcomes.push(await this.applyEvent(event, boundTo, log));
    return outcomes;
  }

  private async applyEvent(received: CallbackEvent, boundTo: string, log: Log): Promise<EventOutcome> {
    if (!received.known) {
      this.deps.telemetry.trackEvent('CallbackIgnored', { reason: 'unknownType', eventType: received.type, flowVersion: this.deps.flows.currentVersion });
      log.warn('unknown callback event type ignored', { callConnectionId: received.callConnectionId, eventId: received.id, eventType: received.type });
      return 'unknownType';
    }
    if (!received.event) return 'notActionable';
    return this.apply(received, received.event, log, boundTo);
  }

  /**
   * Load, decide, commit with the event's marker, act; a lost ETag race decides again on what the winner left.
   * `boundTo` is set for callbacks (the call their URL names) and unset for the app's own events.
   */
  private async apply(target: EventTarget, event: CallEvent, log: Log, boundTo?: string): Promise<EventOutcome> {
    const context = { callConnectionId: target.callConnectionId, eventId: target.id, eventType: event.type };
    for (let attempt = 1; attempt <= MAX_COMMIT_ATTEMPTS; attempt++) {
      const stored = (await this.deps.store.load(target.callConnectionId)) ?? (await this.startFromClaim(target, log));
      if (stored === 'forked' || (stored && boundTo !== undefined && !isBoundTo(stored.state, boundTo))) {
        this.deps.telemetry.trackEvent('CallbackRejected', { reason: 'binding', status: '403', eventType: event.type });
        log.warn(stored === 'forked' ? 'callback for another connection of an answered call refused' : 'callback for a call other than its URL names refused', context);
        return 'forged';
      }
      if (!stored) {
        this.deps.telemetry.trackEvent('CallbackIgnored', { reason: 'orphan', eventType: event.type, flowVersion: this.deps.flows.currentVersion });
        log.warn('callback for a call this hotline does not know', context);
        return 'orphan';
      }
      const decision = await this.decideOnOwnFlow(stored.state, event, log);
      if (decision.kind === 'ignore') {
        // Nothing is written, so no ETag guards this: a kept copy may be behind the row, which decides instead.
        if (this.deps.store.distrust(stored)) continue;
        log.info(`event ignored: ${decision.reason}`, context);
        return 'ignored';
      }
      const result = await this.deps.store.commit(stored, decision.state, target.id, this.deps.clock.now().toISOString());
      if (result === 'duplicate') return 'duplicate';
      if (result === 'committed') {
        this.report(decision.state.callConnectionId, decision.state.flowVersion, decision.milestones);
        await this.act(stored, decision.actions, log);
        await this.tellOutbound(decision.milestones, log);
        return 'applied';
      }
      await this.deps.timers.sleep(10 + this.deps.timers.random() * 40);
    }
    throw new CommitConflict(target.callConnectionId);
  }

  /**
   * The watchdog: every call that has waited in one phase longer than that phase allows gets a `stalled` event,
   * through the same decide/commit/act path as a callback. The marker names the row version the sweep saw, so two
   * sweeps never both act on it, while a call that stalls again later is seen afresh.
   */
  async recoverStalledCalls(log: Log): Promise<WatchdogResult> {
    const now = this.deps.clock.now();
    const cutoffs = Object.fromEntries(
      WAITING_PHASES.map((phase) => [phase, new Date(now.getTime() - this.deps.stallAfterMs[phase]).toISOString()]),
    ) as Record<WaitingPhase, string>;
    const waiting = await this.deps.store.findWaiting(cutoffs);
    let recovered = 0;
    let failed = 0;
    for (const call of waiting) {
      const waitingMs = now.getTime() - Date.parse(call.updatedAt);
      const where = { callConnectionId: call.callConnectionId, phase: call.phase, ...(call.menuId ? { menuId: call.menuId } : {}), flowVersion: call.flowVersion ?? 'none' };
      this.deps.telemetry.trackEvent('CallStuck', where, { waitingMs });
      log.warn('call stalled', { ...where, waitingMs });
      const target = { id: `stalled-${call.updatedAt}`, callConnectionId: call.callConnectionId, correlationId: undefined };
      try {
        if ((await this.apply(target, { type: 'stalled', at: now.toISOString(), operationContext: call.operationContext }, log)) === 'applied') recovered++;
      } catch (error) {
        // One call's storage trouble must not stop the sweep; the next sweep finds it again.
        failed++;
        log.error('watchdog could not recover a call', { callConnectionId: call.callConnectionId, error: describe(error) });
      }
    }
    return { stalled: waiting.length, recovered, failed };
  }

  /**
   * Table Storage has no TTL: rows of calls finished longer ago than the retention period are deleted here, then the
   * flow versions no remaining call names and no instance has served within that period.
   */
  async deleteExpiredCalls(log: Log): Promise<CleanupResult & { readonly versions: number }> {
    const now = this.deps.clock.now().getTime();
    const cutoff = new Date(now - this.deps.retentionMs).toISOString();
    const result = await this.deps.store.deleteFinished(cutoff, new Date(now - ABANDONED_AFTER_MS).toISOString());
    const { retired } = await this.deps.flows.retireUnused(cutoff);
    log.info('expired call rows deleted', { ...result, retiredFlowVersions: retired });
    return { ...result, versions: retired.length };
  }

  /** The call's own flow version decides; one that cannot be found ends the call politely on the current flow. */
  private async decideOnOwnFlow(state: CallState, event: CallEvent, log: Log) {
    const { flows } = this.deps;
    const lookup = await flows.flowFor(state, log);
    if (lookup.kind === 'found') return decide(lookup.flow, state.flowVersion === undefined ? { ...state, flowVersion: flows.currentVersion } : state, event);
    log.warn('call\'s flow version not found; ending it politely', { callConnectionId: state.callConnectionId, flowVersion: lookup.version ?? 'none' });
    return decideWithoutOwnFlow(flows.current, flows.currentVersion, state, event);
  }

  /** Resolves to whether the current version is stored; a failure is logged, and the next call tries again. */
  private storeCurrentVersion(log: Log): Promise<boolean> {
    return this.deps.flows.ensureCurrentStored().then(
      () => true,
      (error: unknown) => {
        log.warn('could not store the current flow version; calls after a deploy may not find it', { flowVersion: this.deps.flows.currentVersion, error: describe(error) });
        return false;
      },
    );
  }

  /**
   * A callback can beat the answer's response: the claim written before answering is enough to start the call. So
   * can a response that was lost: a claim marked `answerFailed` whose call ACS reports connected is started too.
   * Once the answer's response has named the call's connection, an event for any other connection of the same
   * correlation id is a fork and is refused (`forked`); before that, the callback URL's binding is the proof.
   */
  private async startFromClaim(received: EventTarget, log: Log): Promise<StoredCall | 'forked' | undefined> {
    const outbound = await this.deps.outbound?.initialState(received.callConnectionId, received.correlationId, received.operationContext);
    if (outbound) {
      const created = await this.deps.store.create(outbound, this.deps.clock.now().toISOString());
      return created.kind === 'created' ? created.stored : this.deps.store.load(received.callConnectionId);
    }
    if (!received.correlationId) return undefined;
    const claim = await this.deps.store.loadClaim(received.correlationId);
    if (!claim) return undefined;
    if (claim.callConnectionId !== undefined && claim.callConnectionId !== received.callConnectionId) return 'forked';
    await this.storeCurrentVersion(log);
    const state = newCallState({
      callConnectionId: received.callConnectionId,
      correlationId: claim.correlationId,
      callerPseudonym: claim.callerPseudonym,
      callerSealed: claim.callerSealed,
      language: this.deps.flow.defaultLanguage,
      flowVersion: this.deps.flows.currentVersion,
      nonce: newNonce(),
    });
    const created = await this.deps.store.create(state, this.deps.clock.now().toISOString());
    return created.kind === 'created' ? created.stored : this.deps.store.load(received.callConnectionId);
  }

  /**
   * The state is already saved, so a failed action is logged, not thrown: a redelivered event would be a duplicate
   * and change nothing. The watchdog picks up calls left waiting for a result that will never come. A call ACS no
   * longer knows is ended here, through the core like any other disconnect, so the watchdog has nothing to chase.
   */
  private async act(stored: StoredCall, actions: readonly CallAction[], log: Log): Promise<void> {
    const { callConnectionId, callerSealed, sequence } = stored.state;
    // One deadline for the transition's actions, retries included: a hung ACS must not hold the callback.
    const abortSignal = AbortSignal.timeout(ACTIONS_DEADLINE_MS);
    for (const action of actions) {
      try {
        await withThrottleRetry(this.deps.timers, 1, () =>
          untilAborted(this.deps.calls.execute(callConnectionId, this.deps.callers.unseal(callerSealed), action, abortSignal), abortSignal),
        );
      } catch (error) {
        const status = statusOf(error);
        const code = acsErrorCode(error);
        this.deps.telemetry.trackEvent('ActionFailed', {
          callConnectionId,
          action: action.type,
          statusCode: String(status ?? 'none'),
          code: code ?? 'none',
          flowVersion: stored.state.flowVersion ?? 'none',
        });
        const details = { callConnectionId, action: action.type, status, code, error: describe(error) };
        if (!isCallGone(status, code)) {
          log.error('ACS action failed', details);
          return;
        }
        log.warn('call already gone', details);
        const gone: CallEvent = { type: 'callDisconnected', at: this.deps.clock.now().toISOString(), subCode: Number(code ?? 0) };
        await this.apply({ id: `gone-${sequence}-${action.type}`, callConnectionId, correlationId: undefined }, gone, log);
        return;
      }
    }
  }

  /** The call's state is saved, so a failure here is logged: the request sweep finds the ended call later. */
  private async tellOutbound(milestones: readonly CallMilestone[], log: Log): Promise<void> {
    if (!this.deps.outbound || !milestones.some((milestone) => milestone.name === 'OutboundCallEnded')) return;
    try {
      await this.deps.outbound.onMilestones(milestones, log);
    } catch (error) {
      log.error('could not record an outbound call\'s end on its request', { error: describe(error) });
    }
  }

  private report(callConnectionId: string, flowVersion: string | undefined, milestones: readonly CallMilestone[]): void {
    for (const milestone of milestones) {
      const { name, ...fields } = milestone;
      const properties: Record<string, string> = { callConnectionId, flowVersion: flowVersion ?? 'none' };
      const measurements: Record<string, number> = {};
      for (const [key, value] of Object.entries(fields)) {
        if (typeof value === 'number' && (key === 'durationMs' || key === 'confidence' || key === 'ringMs')) measurements[key] = value;
        else if (value !== undefined) properties[key] = String(value);
      }
      this.deps.telemetry.trackEvent(name, properties, measurements);
    }
  }
}

/**
 * The SDK does not retry a 429 without Retry-After, and a throttled request was not carried out, so retrying it is
 * safe: a second apart, `retries` times, then the caller of this decides.
 */
async function withThrottleRetry<T>(timers: Timers, retries: number, request: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      if (statusOf(error) !== 429 || attempt >= retries) throw error;
      await timers.sleep(1_000);
    }
  }
}

/**
 * The per-call random part of every operationContext, so a result for the current prompt cannot be guessed from the
 * flow (`main-menu:1:1`). Starts with a letter so it never reads as the sequence number before it.
 */

/** The SDK drops the abort signal of some requests (startRecognizing), so the deadline is also enforced on the wait. */
function untilAborted<T>(request: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    request.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

interface EventTarget {
  /** Names the event's marker row: the CloudEvent id, or one the shell makes up for its own events. */
  readonly id: string;
  readonly callConnectionId: string;
  readonly correlationId: string | undefined;
  readonly operationContext?: string | undefined;
}

/** What AbortSignal.timeout raises through the SDK: the request may or may not have reached ACS. */
const isTimeout = (error: unknown) => error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');

/** 404 (8522): the call or participant is gone; 400/8528: the call was terminated. Either way it is over. */
const isCallGone = (status: number | undefined, code: string | undefined) => status === 404 || (status === 400 && code === '8528');

function acsErrorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Whether a call is the one its callback URL was issued for: an answered call by its correlation id, an outbound call
 * by its request (ACS gives it a correlation id only once createCall returns, after the URL was handed over).
 */
function isBoundTo(state: CallState, boundTo: string): boolean {
  const requestId = outboundRequestOf(boundTo);
  return requestId === undefined ? state.correlationId === boundTo : state.outbound?.requestId === requestId;
}
