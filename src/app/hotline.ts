// Owns the shell around the decision core: load state, decide, save with the event's marker, then act.
import { setTimeout as sleep } from 'node:timers/promises';
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
import type { CallControl, Clock, Log, Telemetry } from './ports';

/** A call rings for 30 s; answering later than that cannot reach the caller. */
export const RING_WINDOW_MS = 30_000;
/** Event Grid retries a failed delivery after 10 s: a claim still `answering` by then lost its owner. */
const CLAIM_TAKEOVER_MS = 10_000;
/** An unanswered caller is lost, so a throttled answer is tried again more often than a mid-call action (once). */
const ANSWER_THROTTLE_RETRIES = 3;
/** Lost ETag races are retried on fresh state; more than this means something is wrong, not busy. */
const MAX_COMMIT_ATTEMPTS = 5;
/** A call that goes quiet this long without ending is over, whatever its row says; retention may remove it. */
const ABANDONED_AFTER_MS = 24 * 3_600_000;

/** `answerThrottled` asks for Event Grid's redelivery (10 s on, inside the ring window): the trigger throws. */
export type IncomingCallOutcome = 'answered' | 'expired' | 'duplicate' | 'answerFailed' | 'answerThrottled';
export type EventOutcome = 'applied' | 'ignored' | 'duplicate' | 'orphan' | 'unknownType' | 'notActionable';

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
 * silence plus time for the prompt (at least 45 s, so that with a 15 s sweep nobody waits more than a minute).
 * A transfer rings the operator first, so it gets twice as long.
 */
export function stallThresholdsMs(flow: Flow, overrideSeconds: number | undefined): Record<WaitingPhase, number> {
  const longestSilence = Math.max(0, ...Object.values(flow.menus).map((menu) => menu.input.initialSilenceTimeoutSeconds));
  const base = (overrideSeconds ?? Math.max(45, longestSilence + 30)) * 1_000;
  return { connecting: base, awaitingInput: base, playing: base, transferring: 2 * base, hangingUp: base };
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
  readonly callbackUrl: string;
  readonly cognitiveServicesEndpoint: string;
  readonly stallAfterMs: Readonly<Record<WaitingPhase, number>>;
  readonly retentionMs: number;
}

export class Hotline {
  constructor(private readonly deps: HotlineDependencies) {}

  get flow(): Flow {
    return this.deps.flow;
  }

  async handleIncomingCall(call: IncomingCall, log: Log): Promise<IncomingCallOutcome> {
    const { store, calls, callers, telemetry, clock } = this.deps;
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

    // The claim is what makes a redelivered IncomingCall harmless: the SDK's repeatability id is fresh per request.
    const claim = { correlationId: callKey, eventId: call.eventId, callerPseudonym, callerSealed: callers.seal(call.callerRawId), status: 'answering' as const };
    const takeOverBefore = new Date(now.getTime() - CLAIM_TAKEOVER_MS).toISOString();
    if ((await store.claimIncomingCall(claim, now.toISOString(), takeOverBefore)) === 'duplicate') {
      telemetry.trackEvent('CallNotAnswered', { callKey, reason: 'duplicate', flowVersion });
      log.info('incoming call already claimed', { callKey, eventId: call.eventId });
      return 'duplicate';
    }

    let callConnectionId: string;
    try {
      ({ callConnectionId } = await withThrottleRetry(ANSWER_THROTTLE_RETRIES, () =>
        calls.answer({
          incomingCallContext: call.incomingCallContext,
          callbackUrl: this.deps.callbackUrl,
          cognitiveServicesEndpoint: this.deps.cognitiveServicesEndpoint,
          operationContext: `answer:${callKey}`,
        }),
      ));
    } catch (error) {
      const status = statusOf(error);
      const statusCode = String(status ?? 'none');
      if (status === 429) {
        // Refused before ACS acted on it, so answering again is safe: the claim is released for Event Grid's redelivery.
        telemetry.trackEvent('CallNotAnswered', { callKey, reason: 'throttled', statusCode, flowVersion });
        log.warn('answer throttled by ACS; waiting for Event Grid to redeliver', { callKey });
        // Unreleased, the claim is still taken over once its owner counts as gone (10 s): the same moment.
        await store.updateClaim(callKey, { status: 'answerThrottled' }).catch(() => undefined);
        return 'answerThrottled';
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
      const state = newCallState({ callConnectionId, correlationId: callKey, callerPseudonym, callerSealed: claim.callerSealed, language: this.deps.flow.defaultLanguage, flowVersion });
      await store.create(state, now.toISOString());
      await store.updateClaim(callKey, { status: 'answered', callConnectionId });
    } catch (error) {
      // The call is answered; the first callback rebuilds its state from the claim, so this is not fatal.
      log.warn('could not record the answered call; callbacks will start it from the claim', { callKey, error: describe(error) });
    }
    return 'answered';
  }

  /** Events of one POST, in order: each is applied fully before the next is read. */
  async handleCallbacks(events: readonly CallbackEvent[], log: Log): Promise<EventOutcome[]> {
    const outcomes: EventOutcome[] = [];
    for (const event of events) outcomes.push(await this.applyEvent(event, log));
    return outcomes;
  }

  private async applyEvent(received: CallbackEvent, log: Log): Promise<EventOutcome> {
    if (!received.known) {
      this.deps.telemetry.trackEvent('CallbackIgnored', { reason: 'unknownType', eventType: received.type, flowVersion: this.deps.flows.currentVersion });
      log.warn('unknown callback event type ignored', { callConnectionId: received.callConnectionId, eventId: received.id, eventType: received.type });
      return 'unknownType';
    }
    if (!received.event) return 'notActionable';
    return this.apply(received, received.event, log);
  }

  /** Load, decide, commit with the event's marker, act; a lost ETag race decides again on what the winner left. */
  private async apply(target: EventTarget, event: CallEvent, log: Log): Promise<EventOutcome> {
    const context = { callConnectionId: target.callConnectionId, eventId: target.id, eventType: event.type };
    for (let attempt = 1; attempt <= MAX_COMMIT_ATTEMPTS; attempt++) {
      const stored = (await this.deps.store.load(target.callConnectionId)) ?? (await this.startFromClaim(target, log));
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
        return 'applied';
      }
      await sleep(10 + Math.random() * 40);
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
   */
  private async startFromClaim(received: EventTarget, log: Log): Promise<StoredCall | undefined> {
    if (!received.correlationId) return undefined;
    const claim = await this.deps.store.loadClaim(received.correlationId);
    if (!claim) return undefined;
    await this.storeCurrentVersion(log);
    const state = newCallState({
      callConnectionId: received.callConnectionId,
      correlationId: claim.correlationId,
      callerPseudonym: claim.callerPseudonym,
      callerSealed: claim.callerSealed,
      language: this.deps.flow.defaultLanguage,
      flowVersion: this.deps.flows.currentVersion,
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
    for (const action of actions) {
      try {
        await withThrottleRetry(1, () => this.deps.calls.execute(callConnectionId, this.deps.callers.unseal(callerSealed), action));
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

  private report(callConnectionId: string, flowVersion: string | undefined, milestones: readonly CallMilestone[]): void {
    for (const milestone of milestones) {
      const { name, ...fields } = milestone;
      const properties: Record<string, string> = { callConnectionId, flowVersion: flowVersion ?? 'none' };
      const measurements: Record<string, number> = {};
      for (const [key, value] of Object.entries(fields)) {
        if (typeof value === 'number' && (key === 'durationMs' || key === 'confidence')) measurements[key] = value;
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
async function withThrottleRetry<T>(retries: number, request: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      if (statusOf(error) !== 429 || attempt >= retries) throw error;
      await sleep(1_000);
    }
  }
}

interface EventTarget {
  /** Names the event's marker row: the CloudEvent id, or one the shell makes up for its own events. */
  readonly id: string;
  readonly callConnectionId: string;
  readonly correlationId: string | undefined;
}

/** 404 (8522): the call or participant is gone; 400/8528: the call was terminated. Either way it is over. */
const isCallGone = (status: number | undefined, code: string | undefined) => status === 404 || (status === 400 && code === '8528');

function acsErrorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
