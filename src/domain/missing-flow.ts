// Owns what a call does when the flow it started on is not at hand: go on where that is safe, else end it politely.
// Pure, like decide: the shell says which flow it could find; this says what happens next.
import type { Flow, Step } from '../flow/flow-schema';
import type { CallEvent } from './call-event';
import type { CallPhase, CallState } from './call-state';
import { apologizeAndEnd, decide, type Decision } from './decide';

/**
 * A call whose version is gone. Phases that need no menu (a transfer, a goodbye already playing, a hang-up) go on with
 * the current flow, whose apology and goodbye are as good as any; a call that would need its own menus hears the
 * apology and goodbye and is hung up, never a failing callback. Either way the call moves to the current version.
 */
export function decideWithoutOwnFlow(current: Flow, currentVersion: string, state: CallState, event: CallEvent): Decision {
  const moved: CallState = { ...state, flowVersion: currentVersion };
  if (state.phase.name === 'ended' || event.type === 'callDisconnected' || !needsOwnMenus(state.phase)) return decide(current, moved, event);
  const ended = apologizeAndEnd(current, { ...moved, eventAt: event.at });
  return {
    kind: 'transition',
    ...ended,
    milestones: [{ name: 'FlowVersionMissing', missingVersion: state.flowVersion ?? 'none' }, ...ended.milestones],
  };
}

/** Whether the flow has every menu and message the call's position names: what a row from before versions can use. */
export function positionExists(flow: Flow, phase: CallPhase): boolean {
  switch (phase.name) {
    case 'awaitingInput':
      return flow.menus[phase.menuId] !== undefined;
    case 'playing':
      return phase.then === 'hangUp' || stepExists(flow, phase.then);
    case 'connecting':
    case 'transferring':
    case 'transferred':
    case 'hangingUp':
    case 'ended':
      return true;
  }
}

/** A call still connecting has heard nothing yet, so it can as well start on the current flow. */
function needsOwnMenus(phase: CallPhase): boolean {
  switch (phase.name) {
    case 'awaitingInput':
      return true;
    case 'playing':
      return phase.then !== 'hangUp';
    case 'connecting':
    case 'transferring':
    case 'transferred':
    case 'hangingUp':
    case 'ended':
      return false;
  }
}

function stepExists(flow: Flow, step: Step): boolean {
  switch (step.kind) {
    case 'menu':
      return flow.menus[step.menu] !== undefined;
    case 'say':
      return (typeof step.say !== 'string' || flow.messages[step.say] !== undefined) && stepExists(flow, step.next);
    case 'schedule':
      return flow.schedules[step.schedule] !== undefined && stepExists(flow, step.open) && stepExists(flow, step.closed);
    case 'transfer':
    case 'goodbye':
      return true;
    default:
      throw new Error(`Unknown step ${JSON.stringify(step satisfies never)}`);
  }
}
