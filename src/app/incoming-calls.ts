// Owns answering an IncomingCall once: the claim that makes a redelivery harmless, the answer inside the ring window.
import { describeError } from '../describe-error';
import { answeredCallState } from './answered-call';
import { THROTTLE_PAUSE_MS } from './call-actions';
import { storeCurrentVersion } from './flow-library';
import type { HotlineDependencies } from './hotline-dependencies';
import type { AnswerResult, CallControl, IncomingCall, Log } from './ports';
import { unreachable } from './unreachable';

/** A call rings for 30 s; answering later than that cannot reach the caller. */
export const RING_WINDOW_MS = 30_000;
/** Event Grid retries a failed first delivery 10 s later; its later retries come 30 s, 1 min, ... apart. */
const EVENT_GRID_RETRY_MS = 10_000;
/** An answer sent in the ring's last second may reach ACS too late: the last try starts before it. */
const LAST_ANSWER_MARGIN_MS = 1_000;
/**
 * An owner's first answer ends by then, and its claim is extended (one storage write, which gives up within about
 * 2 s) by the claim's first deadline 2 s later: before Event Grid's first retry (10 s), so a dead owner's claim is free
 * for it, and a live owner's extension lands before anyone may take its claim over.
 */
const CLAIM_START_BY_MS = 6_000;
const FIRST_WRAP_UP_MS = 2_000;
/** After its deadline the owner still records the answered call (a few storage writes); a takeover waits for that too. */
const OWNER_WRAP_UP_MS = 5_000;

/** `retryLater` asks for Event Grid's redelivery (10 s on, still inside the ring window): the trigger throws. */
export type IncomingCallOutcome = 'answered' | 'expired' | 'duplicate' | 'answerFailed' | 'retryLater';

/** ACS's last answer, and whether its owner stopped before the ring's end because it could not extend its claim. */
interface Answering {
  readonly answer: AnswerResult;
  readonly claimNotExtended: boolean;
}

export class IncomingCalls {
  constructor(private readonly deps: HotlineDependencies) {}

  async handle(call: IncomingCall, log: Log): Promise<IncomingCallOutcome> {
    const { store, callers, telemetry, clock } = this.deps;
    const now = clock.now();
    const callKey = call.correlationId;
    const callerPseudonym = callers.pseudonym(call.callerRawId);
    const flowVersion = this.deps.flows.currentVersion;
    telemetry.trackEvent('CallReceived', { callKey, callerPseudonym, flowVersion });
    // Stored while ACS answers, so the call's first callback finds its version on any instance.
    const versionStored = storeCurrentVersion(this.deps.flows, log);

    const ringMs = now.getTime() - Date.parse(call.eventTime);
    if (ringMs > RING_WINDOW_MS) {
      telemetry.trackEvent('CallNotAnswered', { callKey, reason: 'expired', flowVersion }, { ringMs });
      log.warn('incoming call too old to answer', { callKey, ringMs });
      return 'expired';
    }

    // Every answer path fits the ring window, measured from the event's time, not from when it reached us. An owner
    // that is throttled or whose try timed out goes on trying until the ring ends: handing over would add Event Grid's
    // 10 s before anyone tried again, and under a dial burst the redelivery came after the caller had gone.
    const ringEndsAt = Date.parse(call.eventTime) + RING_WINDOW_MS;
    const deadline = ringEndsAt - LAST_ANSWER_MARGIN_MS;

    // The claim is what makes a redelivered IncomingCall harmless: the SDK's repeatability id is fresh per request.
    // It names its owner's deadline, and nobody takes the call over before it. At first that is short (before Event
    // Grid's retry), so an owner that dies before answering does not cost the caller; an owner that must retry
    // (throttled, slow) first extends it past the ring's end, so a delivery that comes while it retries is a duplicate,
    // never a second answer. An owner that dies after extending costs its caller (no redelivery may take over before the
    // ring ends). That is the right trade: a live owner retrying is what a burst brings and a death in those seconds is
    // rare, while a claim that a redelivery could take from a live owner would answer the call twice.
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

    const request = {
      incomingCallContext: call.incomingCallContext,
      callbackUrl: this.deps.binding.urlFor(callKey),
      cognitiveServicesEndpoint: this.deps.cognitiveServicesEndpoint,
      operationContext: `answer:${callKey}`,
    };
    const extend = () => store.updateClaim(callKey, { status: 'answering', deadline: new Date(deadline + OWNER_WRAP_UP_MS).toISOString() });
    const { answer, claimNotExtended } = await this.answerBy(startBy, deadline, request, extend);
    switch (answer.kind) {
      case 'answered':
        break;
      case 'throttled':
      case 'timedOut': {
        const reason = answer.kind;
        const statusCode = String(answer.statusCode ?? 'none');
        // Storage failing stops the owner: going on under its short claim could answer twice. Only a first try hands
        // over, one that arrived within Event Grid's first 10 s: its first answer ended by 16 s and the extension
        // failed by 18 s, so Event Grid's retry (10 s on) comes before the last answer and takes the claim, released
        // here or free after its first deadline. A later delivery is a retry (or late), whose own retry is 30 s away.
        if (claimNotExtended && ringMs < EVENT_GRID_RETRY_MS) {
          telemetry.trackEvent('CallNotAnswered', { callKey, reason, statusCode, flowVersion });
          log.warn('answer not done and the claim could not be extended; handing over to Event Grid\'s redelivery', { callKey, reason });
          await store.updateClaim(callKey, { status: reason === 'throttled' ? 'answerThrottled' : 'answerTimedOut' }).catch(() => undefined);
          return 'retryLater';
        }
        // The ring has ended, or a redelivery would land after it: the caller is gone, so the failure is recorded.
        telemetry.trackEvent('CallNotAnswered', { callKey, reason: 'ringWindow', statusCode, flowVersion });
        log.error('answer not done inside the ring window', { callKey, reason, claimNotExtended });
        await store.updateClaim(callKey, { status: 'answerFailed' }).catch(() => undefined);
        return 'answerFailed';
      }
      case 'failed': {
        // Anything else a retry would meet again, and a lost response was already retried by the SDK: record and move on.
        const statusCode = String(answer.statusCode ?? 'none');
        telemetry.trackEvent('CallNotAnswered', { callKey, reason: 'answerFailed', statusCode, flowVersion });
        log.error('answer failed', { callKey, statusCode, error: answer.error });
        await store.updateClaim(callKey, { status: 'answerFailed' }).catch(() => undefined);
        return 'answerFailed';
      }
      default:
        return unreachable(answer, 'answer result');
    }
    const { callConnectionId } = answer;

    telemetry.trackEvent('CallAnswered', { callKey, callConnectionId, flowVersion }, { ringMs: Math.max(0, ringMs) });
    try {
      await versionStored;
      await store.create(answeredCallState(callConnectionId, claim, { language: this.deps.flow.defaultLanguage, flowVersion }), now.toISOString());
      await store.updateClaim(callKey, { status: 'answered', callConnectionId });
    } catch (error) {
      // The call is answered; the first callback rebuilds its state from the claim, so this is not fatal.
      log.warn('could not record the answered call; callbacks will start it from the claim', { callKey, error: describeError(error) });
    }
    return 'answered';
  }

  /**
   * Answers, with the SDK's retries (one repeatability id) and a second apart after a 429 without Retry-After (which
   * the SDK does not retry, and ACS did not act on). The first answer ends by `startBy` (the claim's first deadline);
   * retrying past a 429 or a try that timed out takes `extend` (the claim's deadline moved past `deadline`), and every
   * retry ends by `deadline`, the ring's end.
   */
  private async answerBy(
    startBy: number,
    deadline: number,
    request: Omit<Parameters<CallControl['answer']>[0], 'abortSignal'>,
    extend: () => Promise<void>,
  ): Promise<Answering> {
    const remaining = (until: number) => until - this.deps.clock.now().getTime();
    let abortSignal = AbortSignal.timeout(Math.max(0, remaining(startBy)));
    let extended = startBy >= deadline;
    for (;;) {
      const answer = await this.deps.calls.answer({ ...request, abortSignal });
      // A refusal is retried, and so is a try that timed out (a hung socket, or the claim's first deadline): this
      // owner is alive. A try that timed out may have landed; a fresh answerCall then meets ACS's refusal of a second
      // answer, and the call starts from the claim when its CallConnected comes.
      if ((answer.kind !== 'throttled' && answer.kind !== 'timedOut') || remaining(deadline) < THROTTLE_PAUSE_MS) return { answer, claimNotExtended: false };
      if (!extended) {
        // A storage error is not read as a failed answer (that would lose the caller): the owner stops with ACS's
        // answer, and its short deadline lets a redelivery take over.
        if (!(await extend().then(() => true, () => false))) return { answer, claimNotExtended: true };
        extended = true;
        abortSignal = AbortSignal.timeout(Math.max(0, remaining(deadline)));
      }
      if (answer.kind === 'timedOut') continue;
      // The pause ends early when the deadline's abort signal fires.
      await this.deps.timers.sleep(THROTTLE_PAUSE_MS, abortSignal);
      if (abortSignal.aborted) return { answer, claimNotExtended: false };
    }
  }
}
