// Owns outbound calls around the core: requests checked and queued, attempts placed at a bounded rate, their ends recorded.
import { createHmac, randomUUID } from 'node:crypto';
import { AcsUnavailable } from './acs-unavailable';
import { newNonce } from './call-nonce';
import type { CallMilestone } from '../domain/call-action';
import { newCallState, type CallState } from '../domain/call-state';
import { decide } from '../domain/decide';
import { attemptOutcome, nextAttempt } from '../domain/outbound';
import type { Flow } from '../flow/flow-schema';
import { storeCurrentVersion, type FlowLibrary } from './flow-library';
import { E164 } from '../config';
import * as z from '../zod-mini';
import { unreachable } from './unreachable';
import type { CallerPrivacy, CallStorage, Clock, Log, OutboundDialer, OutboundRequest, OutboundRequests, PlacementMessage, PlacementQueue, StoredRequest, Telemetry, Timers } from './ports';

/** What a POST may carry; the variables' own sizes are checked against the campaign. */
const MAX_VARIABLE_LENGTH = 200;
const requestBody = z.strictObject({
  to: z.string().check(z.regex(E164, 'must be an E.164 phone number such as +14255550123')),
  campaign: z.string().check(z.minLength(1), z.maxLength(40)),
  variables: z._default(z.record(z.string().check(z.maxLength(40)), z.string()), {}),
  notBefore: z.optional(z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time such as 2026-12-01T14:00:00Z' })),
  idempotencyKey: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  language: z.optional(z.string().check(z.minLength(2), z.maxLength(20))),
});

export type RequestResult =
  | { readonly kind: 'accepted'; readonly id: string; readonly duplicate: boolean }
  | { readonly kind: 'invalid'; readonly problems: readonly string[] }
  /** The idempotency key was used before for a different call. */
  | { readonly kind: 'conflict'; readonly id: string };

/** The request as GET shows it: no phone number, no sealed values. */
export interface RequestView {
  readonly id: string;
  readonly campaign: string;
  readonly status: OutboundRequest['status'];
  readonly outcome: string | undefined;
  readonly code: string | undefined;
  readonly attempt: number;
  readonly attempts: OutboundRequest['attempts'];
  readonly notBefore: string | undefined;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type PlacementOutcome = 'placed' | 'deferred' | 'stale' | 'unknown' | 'failed';

/** A createCall that has not come back in this long died with its invocation: the request is ended, never dialled twice. */
const PLACING_LEASE_MS = 60_000;
/** A request whose message may be lost (queued but not marked enqueued) is re-sent after this long. */
const LOST_MESSAGE_AFTER_MS = 60_000;
/** How long an invocation waits for its rate slot; later slots are left to a deferred message. */
const MAX_SLOT_WAIT_MS = 5_000;
/** Lost ETag races on one request before giving up: a handful of writers at most ever touch it. */
const MAX_RACES = 5;
const OPERATION_CONTEXT = /^outbound:([A-Za-z0-9_-]{1,64}):(\d{1,3})$/;

export interface OutboundDependencies {
  /** The current flow checks requests and places calls; a call whose first callback comes after a deploy runs on the version it was placed on. */
  readonly flows: FlowLibrary;
  readonly requests: OutboundRequests;
  readonly calls: Pick<CallStorage, 'create' | 'load'>;
  readonly queue: PlacementQueue;
  readonly dialer: OutboundDialer;
  readonly callers: CallerPrivacy;
  readonly telemetry: Telemetry;
  readonly clock: Clock;
  /** The wait for a rate slot, which starts at a time on the clock. */
  readonly timers: Timers;
  /** The one place outbound callback URLs come from, so they bind to their call exactly as inbound ones do. */
  readonly callbackUrlFor: (requestId: string) => string;
  readonly cognitiveServicesEndpoint: string;
  readonly callsPerSecond: number;
  /** Replaces the campaigns' retry spacing (local runs). */
  readonly retrySpacingSeconds?: number | undefined;
  /** Derives ids from idempotency keys: keyed, so an id reveals nothing about the key. */
  readonly idKey: Buffer;
}

export class OutboundCalls {
  constructor(private readonly deps: OutboundDependencies) {}

  /** Checks a POST body, records the request and queues its first attempt; nothing is queued for a bad request. */
  async request(body: unknown, log: Log): Promise<RequestResult> {
    const checked = this.check(body);
    if (checked.kind === 'invalid') return checked;
    const { input } = checked;
    const { callers, clock } = this.deps;
    const now = clock.now();
    const fingerprint = this.keyed(JSON.stringify([input.to, input.campaign, input.variables, input.notBefore ?? null, input.language ?? null]));
    const id = input.idempotencyKey === undefined ? randomUUID() : `k${this.keyed(`idempotency:${input.idempotencyKey}`)}`;
    const calleeRawId = `4:${input.to}`;
    const request: OutboundRequest = {
      id,
      campaign: input.campaign,
      toSealed: callers.seal(calleeRawId),
      toPseudonym: callers.pseudonym(calleeRawId),
      variables: input.variables,
      language: input.language,
      notBefore: input.notBefore === undefined ? undefined : new Date(input.notBefore).toISOString(),
      fingerprint,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      status: 'queued',
      attempt: 1,
      enqueued: false,
      placedAt: undefined,
      callConnectionId: undefined,
      outcome: undefined,
      code: undefined,
      attempts: [],
    };
    if ((await this.deps.requests.create(request)) === 'exists') {
      const existing = await this.deps.requests.load(id);
      if (!existing) throw new Error(`request ${id} vanished while it was read`);
      if (existing.request.fingerprint !== fingerprint) return { kind: 'conflict', id };
      // The first POST may have died between its row and its message; the trigger ignores a message for an attempt
      // that already moved on, so sending it again is safe.
      if (!existing.request.enqueued && existing.request.status === 'queued') await this.enqueue(existing, log);
      return { kind: 'accepted', id, duplicate: true };
    }
    try {
      await this.enqueue({ request, etag: '*' }, log);
    } catch (error) {
      // No message, no request: the client is told to try again and finds nothing half-made.
      await this.deps.requests.delete(id).catch(() => undefined);
      throw error;
    }
    this.deps.telemetry.trackEvent('OutboundCallRequested', { requestId: id, campaign: input.campaign });
    log.info('outbound call requested', { requestId: id, campaign: input.campaign, notBefore: request.notBefore });
    return { kind: 'accepted', id, duplicate: false };
  }

  async status(id: string): Promise<RequestView | undefined> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) return undefined;
    const stored = await this.deps.requests.load(id);
    if (!stored) return undefined;
    const { campaign, status, outcome, code, attempt, attempts, notBefore, createdAt, updatedAt } = stored.request;
    return { id, campaign, status, outcome, code, attempt, attempts, notBefore, createdAt, updatedAt };
  }

  /**
   * The queue trigger: one attempt, placed once. Throws for what a redelivery may fix (ACS or storage unavailable),
   * with the request back in `queued`; the runtime's fifth failure moves the message to the poison queue.
   */
  async place(message: PlacementMessage, log: Log): Promise<PlacementOutcome> {
    // A lost race (the POST marking its message sent, a sweep) only means reading the request again.
    for (let attempt = 1; attempt <= MAX_RACES; attempt++) {
      const outcome = await this.placeOnce(message, log);
      if (outcome !== 'conflict') return outcome;
    }
    throw new Error(`request ${message.requestId} kept changing while it was being placed`);
  }

  private async placeOnce(message: PlacementMessage, log: Log): Promise<PlacementOutcome | 'conflict'> {
    const stored = await this.deps.requests.load(message.requestId);
    const context = { requestId: message.requestId, attempt: message.attempt };
    if (!stored) {
      log.warn('placement for an unknown request dropped', context);
      return 'unknown';
    }
    const { request } = stored;
    const now = this.deps.clock.now();
    if (request.attempt !== message.attempt || request.status !== 'queued') {
      if (request.attempt === message.attempt && request.status === 'placing' && now.getTime() - Date.parse(request.updatedAt) > PLACING_LEASE_MS) {
        // Whoever was placing it died mid-createCall: the callee may be ringing already, so it is not dialled again.
        await this.finish(stored, 'failed', 'placementInterrupted', log);
        return 'failed';
      }
      log.info('placement for an attempt that moved on dropped', { ...context, status: request.status, current: request.attempt });
      return 'stale';
    }
    const campaign = this.deps.flows.current.campaigns[request.campaign];
    if (!campaign) {
      await this.finish(stored, 'failed', 'unknownCampaign', log);
      return 'failed';
    }
    // A slot is only taken once notBefore is near: a far-off request must not hold one.
    const notBeforeMs = request.notBefore === undefined ? 0 : Date.parse(request.notBefore) - now.getTime();
    const waitMs = notBeforeMs > MAX_SLOT_WAIT_MS ? notBeforeMs : Math.max(notBeforeMs, await this.slotWaitMs(now));
    if (waitMs > MAX_SLOT_WAIT_MS) {
      await this.deps.queue.send(message, Math.min(this.deps.queue.maxDelaySeconds, waitMs / 1_000));
      log.info('placement deferred', { ...context, waitMs });
      return 'deferred';
    }
    if (waitMs > 0) await this.deps.timers.untilElapsed(waitMs);

    const placedAt = this.deps.clock.now().toISOString();
    const { flows } = this.deps;
    const placing = await this.deps.requests.replace(stored, { ...request, status: 'placing', placedAt, flowVersion: flows.currentVersion, updatedAt: placedAt });
    if (placing === 'conflict') return 'conflict';
    // Stored while ACS dials, so the call's first callback finds its version on any instance (as for an answered call).
    const versionStored = storeCurrentVersion(flows, log);
    const placed = await this.deps.dialer.place({
      calleeRawId: this.deps.callers.unseal(request.toSealed),
      callbackUrl: this.deps.callbackUrlFor(request.id),
      cognitiveServicesEndpoint: this.deps.cognitiveServicesEndpoint,
      operationContext: `outbound:${request.id}:${request.attempt}`,
    });
    if (placed.kind !== 'placed') {
      const status = placed.statusCode;
      const code = placed.code ?? String(status ?? 'none');
      this.deps.telemetry.trackEvent('OutboundCallFailed', { requestId: request.id, campaign: request.campaign, attempt: String(request.attempt), code });
      switch (placed.kind) {
        case 'refused':
          // A retry would meet the same refusal: the attempt ends here.
          log.error('createCall refused', { ...context, status, code });
          await this.attemptEnded(placing, 'failed', code, log);
          return 'failed';
        case 'unavailable': {
          log.warn('createCall failed; the queue will redeliver', { ...context, status, code });
          const reverted = await this.revise(placing, (current) =>
            current.status === 'placing' && current.attempt === request.attempt ? { ...current, status: 'queued', updatedAt: this.deps.clock.now().toISOString() } : undefined,
          );
          if (!reverted) log.warn('request changed while createCall failed', context);
          throw new AcsUnavailable(`createCall for request ${request.id}`, placed);
        }
        default:
          return unreachable(placed, 'placement result');
      }
    }
    const { callConnectionId } = placed;
    // Written before the request moves on, so a callback that beats this finds the call (or builds it the same way).
    await versionStored;
    await this.deps.calls.create(this.placedState(placing.request, callConnectionId, placed.correlationId, { flow: flows.current, version: flows.currentVersion }), placedAt);
    const calling = await this.revise(placing, (current) =>
      current.status === 'placing' && current.attempt === request.attempt ? { ...current, status: 'calling', callConnectionId, updatedAt: this.deps.clock.now().toISOString() } : undefined,
    );
    if (!calling) log.info('the call ended before its placement was recorded', context);
    this.deps.telemetry.trackEvent(
      'OutboundCallPlaced',
      { requestId: request.id, campaign: request.campaign, attempt: String(request.attempt), callConnectionId },
      { waitMs: Math.max(0, Date.parse(placedAt) - Date.parse(request.notBefore ?? request.createdAt)) },
    );
    log.info('outbound call placed', { ...context, callConnectionId });
    return 'placed';
  }

  /** The poison queue's trigger: a message that failed every delivery ends its request. */
  async poisoned(message: PlacementMessage, log: Log): Promise<void> {
    const stored = await this.deps.requests.load(message.requestId);
    if (!stored || stored.request.attempt !== message.attempt || isFinal(stored.request)) return;
    this.deps.telemetry.trackEvent('OutboundCallEnded', { requestId: message.requestId, campaign: stored.request.campaign, outcome: 'failed', attempt: String(message.attempt), code: 'poisoned' });
    await this.finish(stored, 'failed', 'poisoned', log);
  }

  /**
   * A callback for a call this app has no row for yet: if it answers one of our createCalls (its operationContext says
   * which), the call's first state is built from the request, exactly as the placement would have.
   */
  async initialState(callConnectionId: string, correlationId: string | undefined, operationContext: string | undefined, log: Log): Promise<CallState | undefined> {
    const match = OPERATION_CONTEXT.exec(operationContext ?? '');
    if (!match?.[1]) return undefined;
    const stored = await this.deps.requests.load(match[1]);
    if (!stored || stored.request.attempt !== Number(match[2]) || isFinal(stored.request)) return undefined;
    return this.placedState(stored.request, callConnectionId, correlationId, await this.placementFlow(stored.request, log));
  }

  /**
   * The flow the attempt was placed on. Should that version be gone (it cannot be while the attempt is live: retention
   * keeps every version an instance served within the hour), the call starts on the current flow: it has not begun, so
   * no position of the old flow is lost.
   */
  private async placementFlow(request: OutboundRequest, log: Log): Promise<{ readonly flow: Flow; readonly version: string }> {
    const { flows } = this.deps;
    const version = request.flowVersion ?? flows.currentVersion;
    const lookup = await flows.flowOfVersion(version, log);
    if (lookup.kind === 'found') return { flow: lookup.flow, version };
    log.warn('outbound call\'s flow version not found; it starts on the current flow', { requestId: request.id, flowVersion: version });
    return { flow: flows.current, version: flows.currentVersion };
  }

  /** Called once the core has ended an outbound call: the attempt's outcome on the request, and the retry if one is due. */
  async onMilestones(milestones: readonly CallMilestone[], log: Log): Promise<void> {
    for (const milestone of milestones) {
      if (milestone.name !== 'OutboundCallEnded') continue;
      // The placement may still be recording the call (`placing` -> `calling`): a lost race is read again.
      for (let race = 1; race <= MAX_RACES; race++) {
        const stored = await this.deps.requests.load(milestone.requestId);
        if (!stored || stored.request.attempt !== milestone.attempt || isFinal(stored.request)) break;
        if ((await this.attemptEnded(stored, milestone.outcome, milestone.code, log)) !== 'conflict') break;
      }
    }
  }

  /**
   * The watchdog's share: a request whose message was lost (its POST or retry died before marking it sent) is queued
   * again, and one stuck in `placing` past the lease is ended. Calls themselves are the call watchdog's.
   */
  async recoverRequests(log: Log): Promise<{ readonly resent: number; readonly ended: number }> {
    const now = this.deps.clock.now().getTime();
    let resent = 0;
    let ended = 0;
    for (const request of await this.deps.requests.findStale(['queued', 'placing', 'calling'], new Date(now - Math.min(LOST_MESSAGE_AFTER_MS, PLACING_LEASE_MS)).toISOString())) {
      const stored = await this.deps.requests.load(request.id);
      if (!stored) continue;
      if (stored.request.status === 'queued' && !stored.request.enqueued) {
        await this.enqueue(stored, log);
        resent++;
      } else if (stored.request.status === 'placing' && now - Date.parse(stored.request.updatedAt) > PLACING_LEASE_MS) {
        await this.finish(stored, 'failed', 'placementInterrupted', log);
        ended++;
      } else if (stored.request.status === 'calling' && stored.request.callConnectionId !== undefined) {
        // The call ended but its end never reached the request (the invocation died after committing it).
        const call = (await this.deps.calls.load(stored.request.callConnectionId))?.state;
        if (call?.phase.name !== 'ended') continue;
        await this.attemptEnded(stored, attemptOutcome(call, call.phase.outcome), call.outbound?.unanswered?.code ?? 'none', log);
        ended++;
      }
    }
    return { resent, ended };
  }

  private async attemptEnded(stored: StoredRequest, outcome: string, code: string, log: Log): Promise<'done' | 'conflict'> {
    const campaign = this.deps.flows.current.campaigns[stored.request.campaign];
    const next = campaign ? nextAttempt(campaign, outcome, stored.request.attempt) : ({ kind: 'final' } as const);
    const at = this.deps.clock.now().toISOString();
    const attempts = [...stored.request.attempts, { attempt: stored.request.attempt, outcome, code, at }];
    if (next.kind === 'final') return this.finish(stored, outcome, code, log, attempts);
    const queued = await this.deps.requests.replace(stored, {
      ...stored.request,
      status: 'queued',
      attempt: next.attempt,
      enqueued: false,
      placedAt: undefined,
      flowVersion: undefined,
      callConnectionId: undefined,
      outcome,
      code,
      attempts,
      updatedAt: at,
    });
    if (queued === 'conflict') return 'conflict';
    const delaySeconds = this.deps.retrySpacingSeconds ?? next.delaySeconds;
    await this.enqueue(queued, log, delaySeconds);
    log.info('outbound attempt retried', { requestId: stored.request.id, outcome, attempt: next.attempt, delaySeconds });
    return 'done';
  }

  private async finish(stored: StoredRequest, outcome: string, code: string, log: Log, attempts = stored.request.attempts): Promise<'done' | 'conflict'> {
    const at = this.deps.clock.now().toISOString();
    const recorded = attempts.some((entry) => entry.attempt === stored.request.attempt) ? attempts : [...attempts, { attempt: stored.request.attempt, outcome, code, at }];
    const status = outcome === 'failed' ? 'failed' : 'completed';
    const done = await this.deps.requests.replace(stored, { ...stored.request, status, outcome, code, attempts: recorded, updatedAt: at });
    if (done === 'conflict') return 'conflict';
    log.info('outbound request ended', { requestId: stored.request.id, outcome, code, attempts: recorded.length });
    return 'done';
  }

  /** Sends the attempt's message, then marks the request enqueued (for the sweep): a send without the mark is resent harmlessly. */
  private async enqueue(stored: StoredRequest, log: Log, delaySeconds?: number): Promise<void> {
    const { request } = stored;
    const delay = delaySeconds ?? (request.notBefore === undefined ? 0 : (Date.parse(request.notBefore) - this.deps.clock.now().getTime()) / 1_000);
    await this.deps.queue.send({ requestId: request.id, attempt: request.attempt }, delay);
    if (stored.etag === '*') {
      // Fresh from create: the row exists with enqueued false, so a read gives the ETag to mark it with.
      const fresh = await this.deps.requests.load(request.id);
      if (fresh) await this.markEnqueued(fresh, log);
      return;
    }
    await this.markEnqueued(stored, log);
  }

  private async markEnqueued(stored: StoredRequest, log: Log): Promise<void> {
    const { attempt } = stored.request;
    // Only a request still waiting for this attempt is marked: once the trigger has it, the mark no longer matters.
    const marked = await this.revise(stored, (current) => (current.status === 'queued' && current.attempt === attempt && !current.enqueued ? { ...current, enqueued: true } : undefined));
    if (!marked) log.info('request moved on before it was marked enqueued', { requestId: stored.request.id });
  }

  /** Applies `change` to the request, re-reading it after a lost race; `undefined` once `change` declines (the request moved on). */
  private async revise(stored: StoredRequest, change: (current: OutboundRequest) => OutboundRequest | undefined): Promise<StoredRequest | undefined> {
    let current: StoredRequest | undefined = stored;
    for (let race = 1; race <= MAX_RACES && current; race++) {
      const next = change(current.request);
      if (!next) return undefined;
      const written = await this.deps.requests.replace(current, next);
      if (written !== 'conflict') return written;
      current = await this.deps.requests.load(stored.request.id);
    }
    return undefined;
  }

  /** Milliseconds until this invocation may start a createCall: the first free slot of the rate limiter. */
  private async slotWaitMs(now: Date): Promise<number> {
    const slotMs = 1_000 / this.deps.callsPerSecond;
    const first = Math.floor(now.getTime() / slotMs);
    const last = Math.floor((now.getTime() + MAX_SLOT_WAIT_MS) / slotMs);
    for (let slot = first; slot <= last; slot++) {
      if (await this.deps.requests.takeSlot(slot, now.toISOString())) return Math.max(0, slot * slotMs - now.getTime());
    }
    return MAX_SLOT_WAIT_MS + slotMs;
  }

  /** The call's first state: a fresh call that the core's `callPlaced` event makes this request's attempt. */
  private placedState(request: OutboundRequest, callConnectionId: string, correlationId: string | undefined, placedOn: { readonly flow: Flow; readonly version: string }): CallState {
    const fresh = newCallState({
      callConnectionId,
      correlationId: correlationId ?? callConnectionId,
      callerPseudonym: request.toPseudonym,
      callerSealed: request.toSealed,
      language: placedOn.flow.defaultLanguage,
      flowVersion: placedOn.version,
      nonce: newNonce(),
    });
    const decision = decide(placedOn.flow, fresh, {
      type: 'callPlaced',
      at: request.placedAt ?? request.updatedAt,
      requestId: request.id,
      campaign: request.campaign,
      attempt: request.attempt,
      variables: request.variables,
      language: request.language,
    });
    if (decision.kind !== 'transition') throw new Error(`a fresh call refused callPlaced: ${decision.reason}`);
    return decision.state;
  }

  private check(body: unknown): { kind: 'ok'; input: z.output<typeof requestBody> } | { kind: 'invalid'; problems: string[] } {
    const parsed = requestBody.safeParse(body);
    if (!parsed.success) {
      return { kind: 'invalid', problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`) };
    }
    const input = parsed.data;
    const problems: string[] = [];
    const campaign = this.deps.flows.current.campaigns[input.campaign];
    if (!campaign) problems.push(`campaign: "${input.campaign}" is not a campaign of this hotline (${Object.keys(this.deps.flows.current.campaigns).join(', ') || 'none'})`);
    for (const name of campaign?.variables ?? []) {
      const value = input.variables[name];
      if (value === undefined || value.trim() === '') problems.push(`variables.${name}: is required by campaign ${input.campaign}`);
      else if (value.length > MAX_VARIABLE_LENGTH) problems.push(`variables.${name}: must be at most ${MAX_VARIABLE_LENGTH} characters`);
    }
    if (campaign) {
      for (const name of Object.keys(input.variables)) if (!campaign.variables.includes(name)) problems.push(`variables.${name}: is not a variable of campaign ${input.campaign}`);
    }
    if (input.language !== undefined && !this.deps.flows.current.voices[input.language]) {
      problems.push(`language: must be one the hotline speaks (${Object.keys(this.deps.flows.current.voices).join(', ')})`);
    }
    if (input.notBefore !== undefined && Date.parse(input.notBefore) - this.deps.clock.now().getTime() > this.deps.queue.maxDelaySeconds * 1_000) {
      problems.push(`notBefore: must be at most ${this.deps.queue.maxDelaySeconds / 86_400} days ahead`);
    }
    return problems.length > 0 ? { kind: 'invalid', problems } : { kind: 'ok', input };
  }

  private keyed(text: string): string {
    return createHmac('sha256', this.deps.idKey).update(text).digest('base64url').slice(0, 32);
  }
}

const isFinal = (request: OutboundRequest) => request.status === 'completed' || request.status === 'failed';
