// Test helpers for the decision core: a fresh call, events stamped with the context the call waits for.
import type { CallAction } from '../../src/domain/call-action';
import type { CallEvent, RecognizedInput, RecognizeFailureReason } from '../../src/domain/call-event';
import { newCallState, type CallState } from '../../src/domain/call-state';
import { decide, type Decision } from '../../src/domain/decide';
import type { Flow, Sentiment } from '../../src/flow/flow-schema';
import { defaultFlow as bundledFlow, parseFlow } from '../../src/flow/validate-flow';

export const defaultFlow: Flow = bundledFlow();
/** A flow built for one test, checked like a flow file; a mistake in it fails the test with every problem. */
export function flowOf(json: unknown): Flow {
  const parsed = parseFlow(json);
  if (!parsed.ok) throw new Error(`test flow is invalid: ${JSON.stringify(parsed.problems)}`);
  return parsed.flow;
}

/** A Monday, 10:00 in New York: inside the default hotline's office hours. */
export const at = '2026-11-23T15:00:00.0000000+00:00';

export const freshCall = (flow: Flow = defaultFlow): CallState =>
  newCallState({ callConnectionId: 'call-1', correlationId: 'corr-1', callerPseudonym: 'pseudo', callerSealed: 'sealed', language: flow.defaultLanguage, nonce: 'k0123456789abcdef' });

export const waitingFor = (state: CallState): string | undefined => ('operationContext' in state.phase ? state.phase.operationContext : undefined);

export const connected: CallEvent = { type: 'callConnected', at };
export const recognized = (
  state: CallState,
  input: RecognizedInput,
  extra: { language?: string; sentiment?: Sentiment; subCode?: number } = {},
): CallEvent => ({
  type: 'recognizeCompleted',
  at,
  operationContext: waitingFor(state),
  subCode: extra.subCode ?? 8531,
  input,
  language: extra.language,
  sentiment: extra.sentiment,
});
export const failed = (state: CallState, reason: RecognizeFailureReason, subCode: number): CallEvent => ({
  type: 'recognizeFailed',
  at,
  operationContext: waitingFor(state),
  subCode,
  reason,
});
export const played = (state: CallState): CallEvent => ({ type: 'playCompleted', at, operationContext: waitingFor(state) });
export const playFailed = (state: CallState): CallEvent => ({ type: 'playFailed', at, operationContext: waitingFor(state), subCode: 8535 });
export const disconnected = (at2 = '2026-11-23T15:01:30.0000000+00:00'): CallEvent => ({ type: 'callDisconnected', at: at2, subCode: 540000 });

export const keys = (tones: string): RecognizedInput => ({ kind: 'dtmf', tones });
export const choice = (label: string, phrase?: string): RecognizedInput => ({ kind: 'choice', label, ...(phrase ? { phrase } : {}), confidence: 0.9 });
export const speech = (text: string): RecognizedInput => ({ kind: 'speech', text, confidence: 0.8 });

export function transitionOf(decision: Decision): Extract<Decision, { kind: 'transition' }> {
  if (decision.kind !== 'transition') throw new Error(`expected a transition, got ignore (${decision.reason})`);
  return decision;
}

/** Applies events one after another, each built from the state the previous one left. */
export function walk(flow: Flow, steps: ReadonlyArray<(state: CallState) => CallEvent>, start: CallState = freshCall(flow)) {
  let state = start;
  const actions: CallAction[] = [];
  for (const step of steps) {
    const decision = transitionOf(decide(flow, state, step(state)));
    state = decision.state;
    actions.push(...decision.actions);
  }
  return { state, actions, last: actions.at(-1) };
}

/** What the caller hears in an action: prompt texts joined, for readable assertions. */
export function heard(action: CallAction | undefined): string {
  if (!action || (action.type !== 'recognize' && action.type !== 'play')) return '';
  return action.prompts.map((p) => (p.kind === 'text' ? p.text : p.kind === 'ssml' ? p.ssml : p.url)).join(' | ');
}
