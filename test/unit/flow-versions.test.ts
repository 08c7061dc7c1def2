// Flow versions: the hash of canonical content, and what a call does when its own version cannot be found.
import { describe, expect, it } from 'vitest';
import type { CallEvent } from '../../src/domain/call-event';
import type { CallState } from '../../src/domain/call-state';
import { decideWithoutOwnFlow, positionExists } from '../../src/domain/missing-flow';
import type { Flow } from '../../src/flow/flow-schema';
import { canonicalJson, FLOW_VERSION, flowVersion } from '../../src/flow/flow-version';
import { parseFlow } from '../../src/flow/validate-flow';
import { choice, connected, defaultFlow, disconnected, freshCall, heard, played, recognized, transitionOf, walk } from '../support/calls';

const current = defaultFlow;
const currentVersion = flowVersion(current);

describe('flowVersion', () => {
  it('is 16 hex digits, the same for the same content whatever the key order', () => {
    const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(defaultFlow).reverse()))) as Flow;
    expect(currentVersion).toMatch(FLOW_VERSION);
    expect(flowVersion(reordered)).toBe(currentVersion);
  });

  it('changes with any prompt, route or default, and not with layout', () => {
    const main = defaultFlow.menus['main'];
    if (!main) throw new Error('the default flow has a main menu');
    const renamedPrompt = { ...defaultFlow, menus: { ...defaultFlow.menus, main: { ...main, prompt: { kind: 'text' as const, text: 'Hello.' } } } };
    expect(flowVersion(renamedPrompt)).not.toBe(currentVersion);
    expect(flowVersion({ ...defaultFlow, maxAttempts: 4 })).not.toBe(currentVersion);
  });

  it('survives the store: the canonical content parses back to a flow of the same version', () => {
    const parsed = parseFlow(JSON.parse(canonicalJson(defaultFlow)));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    expect(flowVersion(parsed.flow)).toBe(currentVersion);
    expect(parsed.flow).toEqual(defaultFlow);
  });
});

describe('a call whose flow version cannot be found', () => {
  const waitingInMain = (): CallState => ({ ...walk(current, [() => connected]).state, flowVersion: 'aaaaaaaaaaaaaaaa' });

  it('ends politely: the apology, then goodbye, a FlowVersionMissing milestone, and the call moves to the current version', () => {
    const state = waitingInMain();
    const decision = transitionOf(decideWithoutOwnFlow(current, currentVersion, state, recognized(state, choice('account'))));
    expect(decision.actions).toHaveLength(1);
    expect(heard(decision.actions[0])).toBe("We're sorry, something went wrong on our side. | Thank you for calling Contoso. Goodbye.");
    expect(decision.milestones).toEqual([{ name: 'FlowVersionMissing', missingVersion: 'aaaaaaaaaaaaaaaa' }]);
    expect(decision.state).toMatchObject({ flowVersion: currentVersion, phase: { name: 'playing', then: 'hangUp', outcome: 'failed' } });
    const after = transitionOf(decideWithoutOwnFlow(current, currentVersion, decision.state, played(decision.state)));
    expect(after.actions).toEqual([{ type: 'hangUp' }]);
  });

  it('answers even a stale event with the polite end, never a failing callback', () => {
    const state = waitingInMain();
    const stale: CallEvent = { type: 'recognizeCompleted', at: connected.at, operationContext: 'old:1:1', subCode: 8545, input: choice('account'), language: undefined, sentiment: undefined };
    const decision = transitionOf(decideWithoutOwnFlow(current, currentVersion, state, stale));
    expect(decision.milestones[0]).toMatchObject({ name: 'FlowVersionMissing' });
  });

  it('goes on where no menu is needed: a transfer in progress, a hang-up', () => {
    const transferring: CallState = { ...freshCall(), flowVersion: 'bbbbbbbbbbbbbbbb', phase: { name: 'transferring', operationContext: 'transfer:4', menuId: 'main' } };
    const accepted = transitionOf(decideWithoutOwnFlow(current, currentVersion, transferring, { type: 'transferAccepted', at: connected.at, operationContext: 'transfer:4' }));
    expect(accepted.state.phase).toEqual({ name: 'transferred' });
    expect(accepted.milestones).toEqual([]);
    const hangUp = transitionOf(decideWithoutOwnFlow(current, currentVersion, transferring, disconnected()));
    expect(hangUp.state.phase).toEqual({ name: 'ended', outcome: 'transferred' });
  });

  it('starts a call still connecting on the current flow: the caller has heard nothing yet', () => {
    const decision = transitionOf(decideWithoutOwnFlow(current, currentVersion, { ...freshCall(), flowVersion: 'cccccccccccccccc' }, connected));
    expect(decision.state).toMatchObject({ flowVersion: currentVersion, phase: { name: 'awaitingInput', menuId: 'main' } });
  });
});

describe('positionExists (rows from before versions)', () => {
  it('knows a menu the flow has and one it does not', () => {
    const state = walk(current, [() => connected]).state;
    expect(positionExists(current, state.phase)).toBe(true);
    expect(positionExists(current, { name: 'awaitingInput', menuId: 'billing', attempt: 1, inputType: 'dtmf', operationContext: 'billing:1:2' })).toBe(false);
    expect(positionExists(current, { name: 'playing', operationContext: 'play:3', then: { kind: 'say', say: 'gone', next: { kind: 'menu', menu: 'main' } }, onFailure: 'apologize', outcome: 'completed' })).toBe(false);
    expect(positionExists(current, { name: 'playing', operationContext: 'play:3', then: 'hangUp', onFailure: 'hangUp', outcome: 'completed' })).toBe(true);
  });
});
