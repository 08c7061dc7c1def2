// Owns the hotline's behaviour: given the flow, a call's state and one event, the next state and actions.
// Pure: no I/O, no clock (times come from the events), no SDK types.
import type { Flow, Menu, PromptRef, RepromptReason, RouteCondition, Step } from '../flow/flow-schema';
import type { CallAction, CallMilestone, RecognizeSpec, SpokenPrompt } from './call-action';
import type { CallEvent, RecognizeFailureReason, RecognizedInput } from './call-event';
import { isWaitingFor, MAX_PATH_LENGTH, type CallOutcome, type CallPhase, type CallState } from './call-state';
import { attemptOutcome, unansweredOutcome } from './outbound';
import { isOpenAt } from './opening-hours';
import { resolvePrompt } from './prompts';

export type Decision =
  | { readonly kind: 'ignore'; readonly reason: string }
  | {
      readonly kind: 'transition';
      readonly state: CallState;
      readonly actions: readonly CallAction[];
      readonly milestones: readonly CallMilestone[];
    };

export interface Transition {
  readonly state: CallState;
  readonly actions: readonly CallAction[];
  readonly milestones: readonly CallMilestone[];
}

const ignore = (reason: string): Decision => ({ kind: 'ignore', reason });
const transition = (t: Transition): Decision => ({ kind: 'transition', ...t });
const withMilestones = (t: Transition, ...milestones: CallMilestone[]): Transition => ({
  ...t,
  milestones: [...milestones, ...t.milestones],
});

export function decide(flow: Flow, given: CallState, event: CallEvent): Decision {
  // Everything below reads the clock from the state, so a schedule is read at this event's own time.
  const state: CallState = { ...given, eventAt: event.at };
  const phase = state.phase;
  if (phase.name === 'ended') return ignore('call already ended');

  switch (event.type) {
    case 'callPlaced': {
      if (phase.name !== 'connecting' || state.outbound) return ignore('already placed');
      const { requestId, campaign, attempt, variables, language } = event;
      const outbound = { requestId, campaign, attempt, placedAt: event.at };
      return transition({ state: { ...state, outbound, variables, language: language ?? state.language }, actions: [], milestones: [] });
    }

    case 'callDisconnected': {
      // Hung up before anyone answered: an outbound call's ACS code says why (busy, declined, nobody there).
      const unanswered = state.outbound && state.connectedAt === undefined && !state.outbound.unanswered;
      const ending = unanswered ? notAnswered(state, event.code ?? 0) : state;
      return transition(endCall(ending, event.at, outcomeOnDisconnect(phase)));
    }

    case 'createCallFailed':
      if (phase.name !== 'connecting') return ignore('create call failure after the call connected');
      return transition(endCall(notAnswered(state, event.code), event.at, 'failed'));

    case 'callConnected': {
      if (phase.name !== 'connecting') return ignore('already connected');
      const connected = { ...state, connectedAt: event.at };
      if (!state.outbound) return transition(runStep(flow, connected, { kind: 'menu', menu: flow.start }));
      const campaign = flow.campaigns[state.outbound.campaign];
      // Only a state row from an older flow can name a campaign the flow no longer has.
      if (!campaign) return transition(hangUp(connected, 'failed'));
      return transition(runStep(flow, connected, { kind: 'menu', menu: campaign.start }));
    }

    case 'recognizeCompleted': {
      if (phase.name !== 'awaitingInput' || !isWaitingFor(phase, event.operationContext)) return ignore('stale recognize result');
      return transition(onRecognized(flow, state, phase, event));
    }

    case 'recognizeFailed': {
      if (phase.name !== 'awaitingInput' || !isWaitingFor(phase, event.operationContext)) return ignore('stale recognize result');
      const failed: CallMilestone = {
        name: 'RecognizeFailed',
        menuId: phase.menuId,
        reason: event.reason,
        subCode: event.subCode,
        attempt: phase.attempt,
      };
      if (event.reason === 'promptFailed') {
        return transition(withMilestones(apologizeAndEnd(flow, { ...state, lastFailure: 'promptFailed' }), failed));
      }
      return transition(withMilestones(retryOrFallBack(flow, state, phase, event.reason), failed));
    }

    case 'recognizeCanceled': {
      if (phase.name !== 'awaitingInput' || !isWaitingFor(phase, event.operationContext)) return ignore('stale recognize cancel');
      const canceled: CallMilestone = { name: 'RecognizeFailed', menuId: phase.menuId, reason: 'canceled', subCode: event.subCode, attempt: phase.attempt };
      return transition(withMilestones(retryOrFallBack(flow, state, phase, 'canceled'), canceled));
    }

    case 'playCompleted':
      if (phase.name !== 'playing' || !isWaitingFor(phase, event.operationContext)) return ignore('stale play result');
      return transition(phase.then === 'hangUp' ? hangUp(state, phase.outcome) : runStep(flow, state, phase.then));

    case 'playFailed':
      if (phase.name !== 'playing' || !isWaitingFor(phase, event.operationContext)) return ignore('stale play result');
      return transition(
        phase.onFailure === 'apologize'
          ? apologizeAndEnd(flow, { ...state, lastFailure: 'playFailed' })
          : hangUp({ ...state, lastFailure: 'playFailed' }, phase.outcome),
      );

    case 'transferAccepted':
      if (phase.name !== 'transferring' || !isWaitingFor(phase, event.operationContext)) return ignore('stale transfer result');
      // ACS hands the caller to the operator and drops our leg; CallDisconnected follows.
      return transition({ state: { ...state, phase: { name: 'transferred' } }, actions: [], milestones: [] });

    case 'transferFailed':
      if (phase.name !== 'transferring' || !isWaitingFor(phase, event.operationContext)) return ignore('stale transfer result');
      return transition(
        withMilestones(apologizeAndEnd(flow, { ...state, lastFailure: 'transferFailed' }), { name: 'TransferFailed', subCode: event.subCode }),
      );

    case 'stalled':
      return onStalled(flow, state, phase, event.operationContext, event.at);
  }
}

/** The watchdog's answer to a call whose awaited result never came (a crash after saving, a lost callback). */
function onStalled(flow: Flow, state: CallState, phase: Exclude<CallPhase, { name: 'ended' }>, operationContext: string | undefined, at: string): Decision {
  if ('operationContext' in phase && !isWaitingFor(phase, operationContext)) return ignore('call moved on since the watchdog looked');
  switch (phase.name) {
    case 'connecting': {
      if (!state.outbound) return transition(hangUp(state, 'failed'));
      // An outbound call rings for its campaign's ring time; past it nobody is going to answer.
      const ringSeconds = flow.campaigns[state.outbound.campaign]?.ringSeconds ?? 0;
      if (Date.parse(at) < Date.parse(state.outbound.placedAt) + ringSeconds * 1_000) return ignore('still ringing');
      return transition(hangUp({ ...state, outbound: { ...state.outbound, unanswered: { outcome: 'noAnswer', code: 'ringTimeout' } } }, 'abandoned'));
    }
    case 'awaitingInput':
      // Counted as an attempt, so a call that keeps stalling still reaches its fallback.
      return transition(retryOrFallBack(flow, state, phase, 'noInput'));
    case 'playing':
      return transition(phase.then === 'hangUp' ? hangUp(state, phase.outcome) : runStep(flow, state, phase.then));
    case 'transferring':
      return transition(apologizeAndEnd(flow, { ...state, lastFailure: 'transferFailed' }));
    case 'transferred':
    case 'hangingUp':
      return transition(hangUp(state, phase.name === 'transferred' ? 'transferred' : phase.outcome));
  }
}

function onRecognized(
  flow: Flow,
  state: CallState,
  phase: Extract<CallPhase, { name: 'awaitingInput' }>,
  event: Extract<CallEvent, { type: 'recognizeCompleted' }>,
): Transition {
  const menu = requireMenu(flow, phase.menuId);
  const input = withoutStopTones(event.input, menu);
  // Only a language the menu offered ACS becomes the call's: anything else would be sent back as speechLanguage.
  const candidates = menu.input.type === 'dtmf' ? undefined : menu.input.speechLanguages;
  const language = event.language !== undefined && candidates?.includes(event.language) === true ? event.language : undefined;
  const completed: CallMilestone = {
    name: 'RecognizeCompleted',
    menuId: phase.menuId,
    inputType: event.input.kind === 'choice' ? 'choices' : event.input.kind,
    subCode: event.subCode,
    attempt: phase.attempt,
    language,
    sentiment: event.sentiment,
    confidence: event.input.kind === 'dtmf' ? undefined : event.input.confidence,
  };
  if (completed.confidence !== undefined && completed.confidence < (menu.minConfidence ?? 0)) {
    // Too unsure to act on: reprompted like speech that matched no option, and counted as an attempt.
    const unsure: CallMilestone = { name: 'RecognizeFailed', menuId: phase.menuId, reason: 'lowConfidence', subCode: event.subCode, attempt: phase.attempt };
    return withMilestones(retryOrFallBack(flow, state, phase, 'noMatch'), unsure);
  }
  if (input.kind === 'dtmf' && input.tones === '') {
    // Only the stop tone was pressed: nothing to route on or read back, so ask for the digits again.
    return withMilestones(retryOrFallBack(flow, state, phase, 'incompleteDigits'), completed);
  }
  const heard: CallState = {
    ...state,
    language: language ?? state.language,
    sentiment: event.sentiment ?? state.sentiment,
    collected: { ...state.collected, [phase.menuId]: input },
    lastFailure: undefined,
  };
  const route = menu.routes.find((candidate) => matches(flow, candidate.when, input, event.sentiment, event.at));
  if (route?.result !== undefined) return withMilestones(runStep(flow, { ...heard, result: route.result }, route.then), completed);
  if (!route) {
    // Heard clearly but not an option here: a wrong key or an unknown phrase, reprompted like one.
    const reason: RepromptReason = input.kind === 'dtmf' ? 'wrongKey' : 'noMatch';
    return withMilestones(retryOrFallBack(flow, heard, phase, reason), completed);
  }
  return withMilestones(runStep(flow, heard, route.then), completed);
}

/**
 * ACS reports the stop tone that ended collection ("12345#"); some deliveries leave it out. Routes and read-back work on
 * the digits alone either way, so trailing stop tones are dropped.
 */
function withoutStopTones(input: RecognizedInput, menu: Menu): RecognizedInput {
  if (input.kind !== 'dtmf' || menu.input.type === 'choices' || menu.input.type === 'speech') return input;
  const stopTones = menu.input.stopTones;
  let end = input.tones.length;
  while (end > 0 && stopTones.some((tone) => tone === input.tones[end - 1])) end -= 1;
  return end === input.tones.length ? input : { kind: 'dtmf', tones: input.tones.slice(0, end) };
}

function matches(flow: Flow, when: RouteCondition, input: RecognizedInput, sentiment: string | undefined, at: string): boolean {
  switch (when.kind) {
    case 'any':
      return true;
    case 'open':
      return isOpenAt(flow.schedules[when.open], at);
    case 'closed':
      return !isOpenAt(flow.schedules[when.closed], at);
    case 'sentiment':
      return sentiment === when.sentiment;
    case 'tones':
      return input.kind === 'dtmf' && input.tones === when.tones;
    case 'choice':
      return input.kind === 'choice' && input.label === when.choice;
    case 'phrase':
      return input.kind === 'speech' && containsPhrase(input.text, when.phrase);
    default:
      return unknownKind(when, 'route condition');
  }
}

/** Case, accents and punctuation aside: a caller's "si" or "Sí!" is the flow's "sí". */
const words = (text: string) => ` ${text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim()} `;
const containsPhrase = (text: string, phrase: string) => words(text).includes(words(phrase));

function retryOrFallBack(
  flow: Flow,
  state: CallState,
  phase: Extract<CallPhase, { name: 'awaitingInput' }>,
  reason: Exclude<RecognizeFailureReason, 'promptFailed'> | RepromptReason,
): Transition {
  const menu = requireMenu(flow, phase.menuId);
  const failed: CallState = { ...state, lastFailure: reason === 'other' ? state.lastFailure : reason };
  if (phase.attempt < (menu.maxAttempts ?? flow.maxAttempts)) {
    return enterMenu(flow, failed, phase.menuId, phase.attempt + 1, reason === 'other' ? undefined : reason);
  }
  return runStep(flow, failed, menu.onMaxAttempts ?? flow.onMaxAttempts);
}

function runStep(flow: Flow, state: CallState, step: Step): Transition {
  switch (step.kind) {
    case 'menu':
      return enterMenu(flow, state, step.menu, 1, undefined);
    case 'say':
      return play(flow, state, [step.say], { then: step.next, onFailure: 'apologize', outcome: 'completed' });
    case 'schedule':
      return runStep(flow, state, isOpenAt(flow.schedules[step.schedule], state.eventAt) ? step.open : step.closed);
    case 'transfer': {
      const sequence = state.sequence + 1;
      const operationContext = `transfer:${sequence}:${state.nonce}`;
      const menuId = state.path.at(-1);
      return {
        state: { ...state, sequence, phase: { name: 'transferring', operationContext, menuId } },
        actions: [{ type: 'transferToOperator', operationContext }],
        milestones: [{ name: 'TransferStarted', menuId, target: step.transfer }],
      };
    }
    case 'goodbye':
      return play(flow, state, [goodbyeOf(flow, state)], { then: 'hangUp', onFailure: 'hangUp', outcome: 'completed' });
    default:
      return unknownKind(step, 'step');
  }
}

/** Outbound calls say their campaign's goodbye: the flow's thanks the caller for calling. */
function goodbyeOf(flow: Flow, state: CallState): PromptRef {
  return (state.outbound && flow.campaigns[state.outbound.campaign]?.goodbye) ?? flow.goodbye;
}

function notAnswered(state: CallState, code: number): CallState {
  if (!state.outbound) return state;
  return { ...state, outbound: { ...state.outbound, unanswered: { outcome: unansweredOutcome(code), code: String(code) } } };
}

function enterMenu(flow: Flow, state: CallState, menuId: string, attempt: number, reprompt: RepromptReason | undefined): Transition {
  const menu = requireMenu(flow, menuId);
  const sequence = state.sequence + 1;
  const operationContext = `${menu.input.operationContext ?? menuId}:${attempt}:${sequence}:${state.nonce}`;
  const repromptRef = reprompt === undefined ? undefined : (menu.reprompts?.[reprompt] ?? flow.reprompts[reprompt]);
  const prompts: SpokenPrompt[] = [...(repromptRef ? [repromptRef] : []), menu.prompt].map((ref) => speak(flow, state, ref));
  const path = attempt === 1 ? [...state.path, menuId].slice(-MAX_PATH_LENGTH) : state.path;
  return {
    state: {
      ...state,
      sequence,
      path,
      phase: { name: 'awaitingInput', menuId, attempt, inputType: menu.input.type, operationContext },
    },
    actions: [{ type: 'recognize', operationContext, prompts, input: recognizeSpec(menu, state.language) }],
    milestones: [{ name: 'MenuEntered', menuId, attempt }],
  };
}

/** Speech is recognised in the caller's language unless the menu pins one. */
function recognizeSpec(menu: Menu, callLanguage: string): RecognizeSpec {
  const input = menu.input;
  if (input.type === 'dtmf') return input;
  return { ...input, speechLanguage: input.speechLanguage ?? callLanguage };
}

function play(
  flow: Flow,
  state: CallState,
  refs: readonly PromptRef[],
  next: { then: Step | 'hangUp'; onFailure: 'apologize' | 'hangUp'; outcome: CallOutcome },
): Transition {
  const sequence = state.sequence + 1;
  const operationContext = `play:${sequence}:${state.nonce}`;
  return {
    state: { ...state, sequence, phase: { name: 'playing', operationContext, ...next } },
    actions: [{ type: 'play', operationContext, prompts: refs.map((ref) => speak(flow, state, ref)) }],
    milestones: [],
  };
}

/** Something failed that the caller cannot fix: say so and say goodbye, never leave them in silence. */
export function apologizeAndEnd(flow: Flow, state: CallState): Transition {
  return play(flow, state, [flow.apology, goodbyeOf(flow, state)], { then: 'hangUp', onFailure: 'hangUp', outcome: 'failed' });
}

function hangUp(state: CallState, outcome: CallOutcome): Transition {
  return { state: { ...state, phase: { name: 'hangingUp', outcome } }, actions: [{ type: 'hangUp' }], milestones: [] };
}

function endCall(state: CallState, at: string, outcome: CallOutcome): Transition {
  const durationMs = state.connectedAt === undefined ? undefined : msBetween(state.connectedAt, at);
  const ended: CallState = { ...state, phase: { name: 'ended', outcome } };
  if (!state.outbound) {
    return { state: ended, actions: [], milestones: [{ name: 'CallEnded', outcome, lastMenuId: state.path.at(-1), durationMs }] };
  }
  const { requestId, campaign, attempt, placedAt, unanswered } = state.outbound;
  const milestone: CallMilestone = {
    name: 'OutboundCallEnded',
    requestId,
    campaign,
    outcome: attemptOutcome(state, outcome),
    attempt,
    code: unanswered?.code ?? 'none',
    ringMs: msBetween(placedAt, state.connectedAt ?? at),
    durationMs,
  };
  return { state: ended, actions: [], milestones: [milestone] };
}

function msBetween(from: string, to: string): number | undefined {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isNaN(ms) ? undefined : Math.max(0, ms);
}

function outcomeOnDisconnect(phase: Exclude<CallPhase, { name: 'ended' }>): CallOutcome {
  switch (phase.name) {
    case 'transferring':
    case 'transferred':
      return 'transferred';
    case 'hangingUp':
      return phase.outcome;
    case 'playing':
      // Hanging up during the goodbye is a finished call, not an abandoned one.
      return phase.then === 'hangUp' ? phase.outcome : 'abandoned';
    case 'connecting':
    case 'awaitingInput':
      return 'abandoned';
  }
}

const speak = (flow: Flow, state: CallState, ref: PromptRef) => resolvePrompt(flow, ref, state);

/**
 * The `never` check of a switch over a flow union. Only a state row saved by an older version (a step without its
 * kind) can get here; it fails loudly, naming what it found, rather than quietly saying goodbye.
 */
function unknownKind(value: never, what: string): never {
  throw new Error(`Unknown ${what} ${JSON.stringify(value)}`);
}

function requireMenu(flow: Flow, menuId: string): Menu {
  const menu = flow.menus[menuId];
  // Only reachable with a flow that skipped validation or a state row from an older flow.
  if (!menu) throw new Error(`Flow has no menu "${menuId}"`);
  return menu;
}
