// Owns the shell around the decision core: load state, decide, save with the event's marker, then act.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallbackEvent } from '../adapters/acs/callback-events';
import type { IncomingCall } from '../adapters/acs/incoming-call';
import type { CallerIdentity } from '../adapters/privacy/caller-identity';
import { statusOf, type CallStore, type StoredCall } from '../adapters/tables/call-store';
import type { CallAction, CallMilestone } from '../domain/call-action';
import { newCallState } from '../domain/call-state';
import { decide } from '../domain/decide';
import type { Flow } from '../flow/flow-schema';
import type { CallControl, Clock, Log, Telemetry } from './ports';

/** A call rings for 30 s; answering later than that cannot reach the caller. */
export const RING_WINDOW_MS = 30_000;
/** Lost ETag races are retried on fresh state; more than this means something is wrong, not busy. */
const MAX_COMMIT_ATTEMPTS = 5;

export type IncomingCallOutcome = 'answered' | 'expired' | 'duplicate' | 'answerFailed';
export type EventOutcome = 'applied' | 'ignored' | 'duplicate' | 'orphan' | 'unknownType' | 'notActionable';

export interface HotlineDependencies {
  readonly flow: Flow;
  readonly store: CallStore;
  readonly calls: CallControl;
  readonly callers: CallerIdentity;
  readonly telemetry: Telemetry;
  readonly clock: Clock;
  readonly callbackUrl: string;
  readonly cognitiveServicesEndpoint: string;
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
    telemetry.trackEvent('CallReceived', { callKey, callerPseudonym });

    const ringMs = now.getTime() - Date.parse(call.eventTime);
    if (ringMs > RING_WINDOW_MS) {
      telemetry.trackEvent('CallNotAnswered', { callKey, reason: 'expired' }, { ringMs });
      log.warn('incoming call too old to answer', { callKey, ringMs });
      return 'expired';
    }

    // The claim is what makes a redelivered IncomingCall harmless: the SDK's repeatability id is fresh per request.
    const claim = { correlationId: callKey, eventId: call.eventId, callerPseudonym, callerSealed: callers.seal(call.callerRawId), status: 'answering' as const };
    if ((await store.claimIncomingCall(claim, now.toISOString())) === 'duplicate') {
      telemetry.trackEvent('CallNotAnswered', { callKey, reason: 'duplicate' });
      log.info('incoming call already claimed', { callKey, eventId: call.eventId });
      return 'duplicate';
    }

    let callConnectionId: string;
    try {
      ({ callConnectionId } = await calls.answer({
        incomingCallContext: call.incomingCallContext,
        callbackUrl: this.deps.callbackUrl,
        cognitiveServicesEndpoint: this.deps.cognitiveServicesEndpoint,
        operationContext: `answer:${callKey}`,
      }));
    } catch (error) {
      // Event Grid's next try comes 10 s or more later and the claim would stop it anyway: record and move on.
      const statusCode = String(statusOf(error) ?? 'none');
      telemetry.trackEvent('CallNotAnswered', { callKey, reason: 'answerFailed', statusCode });
      log.error('answer failed', { callKey, statusCode, error: describe(error) });
      await store.updateClaim(callKey, { status: 'answerFailed' }).catch(() => undefined);
      return 'answerFailed';
    }

    telemetry.trackEvent('CallAnswered', { callKey, callConnectionId }, { ringMs: Math.max(0, ringMs) });
    try {
      const state = newCallState({ callConnectionId, correlationId: callKey, callerPseudonym, callerSealed: claim.callerSealed, language: this.deps.flow.defaultLanguage });
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
    const context = { callConnectionId: received.callConnectionId, eventId: received.id, eventType: received.type };
    if (!received.known) {
      log.warn('unknown callback event type ignored', context);
      return 'unknownType';
    }
    const event = received.event;
    if (!event) return 'notActionable';

    for (let attempt = 1; attempt <= MAX_COMMIT_ATTEMPTS; attempt++) {
      const stored = (await this.deps.store.load(received.callConnectionId)) ?? (await this.startFromClaim(received));
      if (!stored) {
        log.warn('callback for a call this hotline does not know', context);
        return 'orphan';
      }
      const decision = decide(this.deps.flow, stored.state, event);
      if (decision.kind === 'ignore') {
        log.info(`event ignored: ${decision.reason}`, context);
        return 'ignored';
      }
      const result = await this.deps.store.commit(stored, decision.state, received.id, this.deps.clock.now().toISOString());
      if (result === 'duplicate') return 'duplicate';
      if (result === 'committed') {
        this.report(decision.state.callConnectionId, decision.milestones);
        await this.act(stored, decision.actions, log);
        return 'applied';
      }
      // Someone else moved the call between our read and write: decide again on what they left.
      await sleep(10 + Math.random() * 40);
    }
    throw new Error(`gave up after ${MAX_COMMIT_ATTEMPTS} conflicting writes for call ${received.callConnectionId}`);
  }

  /** A callback can beat the answer's response: the claim written before answering is enough to start the call. */
  private async startFromClaim(received: CallbackEvent): Promise<StoredCall | undefined> {
    if (!received.correlationId) return undefined;
    const claim = await this.deps.store.loadClaim(received.correlationId);
    if (!claim || claim.status === 'answerFailed') return undefined;
    const state = newCallState({
      callConnectionId: received.callConnectionId,
      correlationId: claim.correlationId,
      callerPseudonym: claim.callerPseudonym,
      callerSealed: claim.callerSealed,
      language: this.deps.flow.defaultLanguage,
    });
    await this.deps.store.create(state, this.deps.clock.now().toISOString());
    return this.deps.store.load(received.callConnectionId);
  }

  /**
   * The state is already saved, so a failed action is logged, not thrown: a redelivered event would be a duplicate
   * and change nothing. The watchdog picks up calls left waiting for a result that will never come.
   */
  private async act(stored: StoredCall, actions: readonly CallAction[], log: Log): Promise<void> {
    const { callConnectionId, callerSealed } = stored.state;
    for (const action of actions) {
      try {
        await this.executeWithThrottleRetry(callConnectionId, this.deps.callers.unseal(callerSealed), action);
      } catch (error) {
        const status = statusOf(error);
        this.deps.telemetry.trackEvent('ActionFailed', { callConnectionId, action: action.type, statusCode: String(status ?? 'none') });
        const details = { callConnectionId, action: action.type, status, error: describe(error) };
        // 404 (8522) means the caller hung up first: expected, and CallDisconnected ends the state.
        if (status === 404) log.warn('call already gone', details);
        else log.error('ACS action failed', details);
        return;
      }
    }
  }

  /** The SDK does not retry a 429 without Retry-After; one spaced retry, then let the watchdog decide. */
  private async executeWithThrottleRetry(callConnectionId: string, callerRawId: string, action: CallAction): Promise<void> {
    try {
      await this.deps.calls.execute(callConnectionId, callerRawId, action);
    } catch (error) {
      if (statusOf(error) !== 429) throw error;
      await sleep(1_000);
      await this.deps.calls.execute(callConnectionId, callerRawId, action);
    }
  }

  private report(callConnectionId: string, milestones: readonly CallMilestone[]): void {
    for (const milestone of milestones) {
      const { name, ...fields } = milestone;
      const properties: Record<string, string> = { callConnectionId };
      const measurements: Record<string, number> = {};
      for (const [key, value] of Object.entries(fields)) {
        if (typeof value === 'number' && (key === 'durationMs' || key === 'confidence')) measurements[key] = value;
        else if (value !== undefined) properties[key] = String(value);
      }
      this.deps.telemetry.trackEvent(name, properties, measurements);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
