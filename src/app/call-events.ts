// Owns applying one event to one call: load, decide on the call's own flow, commit with the event's marker, then act.
import type { CallMilestone } from '../domain/call-action';
import type { CallEvent } from '../domain/call-event';
import type { CallState } from '../domain/call-state';
import { decide } from '../domain/decide';
import { decideWithoutOwnFlow } from '../domain/missing-flow';
import { describeError } from '../describe-error';
import { answeredCallState } from './answered-call';
import { CallActions } from './call-actions';
import { CommitConflict, MAX_COMMIT_ATTEMPTS } from './commit-conflict';
import { storeCurrentVersion } from './flow-library';
import type { HotlineDependencies } from './hotline-dependencies';
import { reportMilestones } from './milestone-telemetry';
import type { CallBindings, CallbackEvent, Log, StoredCall } from './ports';

/** `forged`: the event names a call other than the one its callback URL was issued for; nothing was written. */
export type EventOutcome = 'applied' | 'ignored' | 'duplicate' | 'orphan' | 'unknownType' | 'notActionable' | 'forged';

/** The call an event is for, and what names its marker. */
export interface EventTarget {
  /** Names the event's marker row: the CloudEvent id, or one the shell makes up for its own events. */
  readonly id: string;
  readonly callConnectionId: string;
  readonly correlationId: string | undefined;
  readonly operationContext?: string | undefined;
}

export class CallEvents {
  private readonly actions: CallActions;

  constructor(private readonly deps: HotlineDependencies) {
    this.actions = new CallActions(deps);
  }

  /** A callback's event: `boundTo` is the correlation id its URL was issued for (checked by the trigger). */
  async applyCallback(received: CallbackEvent, boundTo: string, log: Log): Promise<EventOutcome> {
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
  async apply(target: EventTarget, event: CallEvent, log: Log, boundTo?: string): Promise<EventOutcome> {
    const context = { callConnectionId: target.callConnectionId, eventId: target.id, eventType: event.type };
    for (let attempt = 1; attempt <= MAX_COMMIT_ATTEMPTS; attempt++) {
      const stored = (await this.deps.store.load(target.callConnectionId)) ?? (await this.startFromClaim(target, log));
      if (stored === 'forked' || (stored && boundTo !== undefined && !isBoundTo(this.deps.binding, stored.state, boundTo))) {
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
        reportMilestones(this.deps.telemetry, decision.state.callConnectionId, decision.state.flowVersion, decision.milestones);
        const gone = await this.actions.run(stored, decision.actions, log);
        // A call ACS no longer knows is ended here, through the core like any other disconnect.
        if (gone) await this.apply({ id: gone.id, callConnectionId: target.callConnectionId, correlationId: undefined }, gone.event, log);
        await this.tellOutbound(decision.milestones, log);
        return 'applied';
      }
      await this.deps.timers.sleep(10 + this.deps.timers.random() * 40);
    }
    throw new CommitConflict(target.callConnectionId);
  }

  /** The call's own flow version decides; one that cannot be found ends the call politely on the current flow. */
  private async decideOnOwnFlow(state: CallState, event: CallEvent, log: Log) {
    const { flows } = this.deps;
    const lookup = await flows.flowFor(state, log);
    if (lookup.kind === 'found') return decide(lookup.flow, state.flowVersion === undefined ? { ...state, flowVersion: flows.currentVersion } : state, event);
    log.warn('call\'s flow version not found; ending it politely', { callConnectionId: state.callConnectionId, flowVersion: lookup.version ?? 'none' });
    return decideWithoutOwnFlow(flows.current, flows.currentVersion, state, event);
  }

  /**
   * A callback can beat the answer's response: the claim written before answering is enough to start the call. So
   * can a response that was lost: a claim marked `answerFailed` whose call ACS reports connected is started too.
   * Once the answer's response has named the call's connection, an event for any other connection of the same
   * correlation id is a fork and is refused (`forked`); before that, the callback URL's binding is the proof.
   */
  private async startFromClaim(received: EventTarget, log: Log): Promise<StoredCall | 'forked' | undefined> {
    const first = await this.firstState(received, log);
    if (first === undefined || first === 'forked') return first;
    const created = await this.deps.store.create(first, this.deps.clock.now().toISOString());
    return created.kind === 'created' ? created.stored : this.deps.store.load(received.callConnectionId);
  }

  /** An outbound call's first state comes from its request; an answered call's from its claim. */
  private async firstState(received: EventTarget, log: Log): Promise<CallState | 'forked' | undefined> {
    const outbound = await this.deps.outbound?.initialState(received.callConnectionId, received.correlationId, received.operationContext, log);
    if (outbound) return outbound;
    if (!received.correlationId) return undefined;
    const claim = await this.deps.store.loadClaim(received.correlationId);
    if (!claim) return undefined;
    if (claim.callConnectionId !== undefined && claim.callConnectionId !== received.callConnectionId) return 'forked';
    await storeCurrentVersion(this.deps.flows, log);
    return answeredCallState(received.callConnectionId, claim, { language: this.deps.flow.defaultLanguage, flowVersion: this.deps.flows.currentVersion });
  }

  /** The call's state is saved, so a failure here is logged: the request sweep finds the ended call later. */
  private async tellOutbound(milestones: readonly CallMilestone[], log: Log): Promise<void> {
    if (!this.deps.outbound || !milestones.some((milestone) => milestone.name === 'OutboundCallEnded')) return;
    try {
      await this.deps.outbound.onMilestones(milestones, log);
    } catch (error) {
      log.error('could not record an outbound call\'s end on its request', { error: describeError(error) });
    }
  }
}

/**
 * Whether a call is the one its callback URL was issued for: an answered call by its correlation id, an outbound call
 * by its request (ACS gives it a correlation id only once createCall returns, after the URL was handed over).
 */
function isBoundTo(bindings: CallBindings, state: CallState, boundTo: string): boolean {
  const requestId = bindings.outboundRequestOf(boundTo);
  return requestId === undefined ? state.correlationId === boundTo : state.outbound?.requestId === requestId;
}
