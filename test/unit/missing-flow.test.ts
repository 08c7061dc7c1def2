// What a call does when the flow version it started on cannot be found: where it may go on, and where it ends politely.
import { describe, expect, it } from 'vitest';
import type { CallPhase, CallState } from '../../src/domain/call-state';
import { decideWithoutOwnFlow, positionExists } from '../../src/domain/missing-flow';
import type { Step } from '../../src/flow/flow-schema';
import { flowVersion } from '../../src/flow/flow-version';
import { connected, defaultFlow as flow, disconnected, freshCall, played, transitionOf } from '../support/calls';

const version = flowVersion(flow);
const menu = (id: string): Step => ({ kind: 'menu', menu: id });
const goodbye: Step = { kind: 'goodbye', goodbye: true };
const playing = (then: Step | 'hangUp'): CallPhase => ({ name: 'playing', operationContext: 'play:3:k0123456789abcdef', then, onFailure: 'apologize', outcome: 'completed' });
const awaiting = (menuId: string): CallPhase => ({ name: 'awaitingInput', menuId, attempt: 1, inputType: 'choices', operationContext: `${menuId}:1:2:k0123456789abcdef` });
const LOST = 'aaaaaaaaaaaaaaaa';
const at = (phase: CallPhase, flowVersionOfCall: string | undefined = LOST): CallState => ({ ...freshCall(), connectedAt: connected.at, phase, flowVersion: flowVersionOfCall });
/** A row written before calls carried their flow version. */
const unversioned = (phase: CallPhase): CallState => ({ ...at(phase), flowVersion: undefined });

describe('positionExists: whether a row from before versions can go on with this flow', () => {
  it.each<[string, CallPhase]>([
    ['connecting', { name: 'connecting' }],
    ['transferring', { name: 'transferring', operationContext: 'transfer:4', menuId: 'main' }],
    ['transferred', { name: 'transferred' }],
    ['hanging up', { name: 'hangingUp', outcome: 'completed' }],
    ['ended', { name: 'ended', outcome: 'completed' }],
    ['a goodbye playing before the hang-up', playing('hangUp')],
  ])('given a call %s, when asked, then it can: nothing of the flow is needed', (_, phase) => {
    expect(positionExists(flow, phase)).toBe(true);
  });

  it('given a call in a menu, then it can only when the flow has that menu', () => {
    expect(positionExists(flow, awaiting('main'))).toBe(true);
    expect(positionExists(flow, awaiting('billing'))).toBe(false);
  });

  it.each<[string, Step, boolean]>([
    ['a menu the flow has', menu('support'), true],
    ['a menu it lacks', menu('billing'), false],
    ['a transfer', { kind: 'transfer', transfer: 'operator' }, true],
    ['a goodbye', goodbye, true],
    ['a message it has, then a menu it has', { kind: 'say', say: 'hours', next: menu('main') }, true],
    ['a message it lacks', { kind: 'say', say: 'gone', next: menu('main') }, false],
    ['a message it has, then a menu it lacks', { kind: 'say', say: 'hours', next: menu('billing') }, false],
    ['an inline prompt, then a goodbye', { kind: 'say', say: { kind: 'text', text: 'One moment.' }, next: goodbye }, true],
    ['an inline prompt, then a menu it lacks', { kind: 'say', say: { kind: 'text', text: 'One moment.' }, next: menu('billing') }, false],
    ['a schedule it has, both ways known', { kind: 'schedule', schedule: 'office', open: menu('main'), closed: goodbye }, true],
    ['a schedule it lacks', { kind: 'schedule', schedule: 'weekend', open: menu('main'), closed: goodbye }, false],
    ['a schedule whose open way is gone', { kind: 'schedule', schedule: 'office', open: menu('billing'), closed: goodbye }, false],
    ['a schedule whose closed way is gone', { kind: 'schedule', schedule: 'office', open: goodbye, closed: menu('billing') }, false],
  ])('given a message playing before %s, then it can: %s', (_, then, expected) => {
    expect(positionExists(flow, playing(then))).toBe(expected);
  });
});

describe('decideWithoutOwnFlow', () => {
  it('given a call in a menu of a lost version, when the caller answers, then it hears the apology and goodbye', () => {
    const decision = transitionOf(decideWithoutOwnFlow(flow, version, at(awaiting('main')), played(at(awaiting('main')))));
    expect(decision.milestones[0]).toEqual({ name: 'FlowVersionMissing', missingVersion: 'aaaaaaaaaaaaaaaa' });
    expect(decision.state).toMatchObject({ flowVersion: version, phase: { name: 'playing', then: 'hangUp', outcome: 'failed' } });
  });

  it('given a message playing before a step of the lost version, when it ends, then the call ends politely too', () => {
    const state = at(playing(menu('main')));
    const decision = transitionOf(decideWithoutOwnFlow(flow, version, state, played(state)));
    expect(decision.milestones[0]).toMatchObject({ name: 'FlowVersionMissing' });
  });

  it('given a row without a version, then the milestone names none', () => {
    const decision = transitionOf(decideWithoutOwnFlow(flow, version, unversioned(awaiting('main')), played(at(awaiting('main')))));
    expect(decision.milestones[0]).toEqual({ name: 'FlowVersionMissing', missingVersion: 'none' });
  });

  it('given the goodbye already playing, when it ends, then the call is hung up as it would have been', () => {
    const state = at(playing('hangUp'));
    const decision = transitionOf(decideWithoutOwnFlow(flow, version, state, played(state)));
    expect(decision.actions).toEqual([{ type: 'hangUp' }]);
    expect(decision.milestones.some((milestone) => milestone.name === 'FlowVersionMissing')).toBe(false);
    expect(decision.state.flowVersion).toBe(version);
  });

  it('given a call in a menu, when the caller hangs up, then it ends without an apology nobody would hear', () => {
    const decision = transitionOf(decideWithoutOwnFlow(flow, version, at(awaiting('main')), disconnected()));
    expect(decision.state.phase).toMatchObject({ name: 'ended' });
    expect(decision.actions).toEqual([]);
    expect(decision.milestones.some((milestone) => milestone.name === 'FlowVersionMissing')).toBe(false);
  });

  it('given a call that has ended, when a late event comes, then the current flow decides it like any other', () => {
    const ended = at({ name: 'ended', outcome: 'completed' });
    expect(decideWithoutOwnFlow(flow, version, ended, played(ended)).kind).toBe('ignore');
  });
});
