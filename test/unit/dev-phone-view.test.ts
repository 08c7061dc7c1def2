// The dev phone's reading of a flow (nodes, merged routes) and of a call's timeline (rows, position), without a browser.
import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../../tools/acs-emulator/index.js';
import { CallView } from '../../tools/dev-phone/call-view';
import { diagramSvg } from '../../tools/dev-phone/diagram';
import { flowGraph } from '../../tools/dev-phone/flow-graph';
import { loadFlow } from '../../src/app/flow-file';

const graph = flowGraph(loadFlow());

let elapsedMs = 0;
const entry = (kind: TimelineEntry['kind'], details: Record<string, unknown> = {}, summary: string = kind): TimelineEntry => ({
  at: new Date(0).toISOString(),
  elapsedMs: (elapsedMs += 10),
  kind,
  summary,
  details,
});
const heard = (operationContext: string, text = 'a prompt') =>
  entry('promptHeard', { kind: 'text', text, language: 'en-US', voice: 'en-US-NancyNeural', operationContext });
const callback = (type: string, operationContext: string, code = 200, subCode = 0) =>
  entry('callback', { type, status: 200, duplicate: false, operationContext, resultInformation: { code, subCode, message: '' } });

describe('the flow graph', () => {
  it('has the start, every menu, the operator and goodbye, and merges routes that lead to the same place', () => {
    expect(graph.nodes.map((node) => node.id)).toEqual([
      'start',
      'menu:main',
      'menu:account',
      'menu:confirmAccount',
      'menu:support',
      'menu:appointmentReminder',
      'transfer',
      'goodbye',
    ]);
    expect(graph.edges.find((edge) => edge.from === 'menu:confirmAccount' && edge.to === 'goodbye')).toEqual({
      from: 'menu:confirmAccount',
      to: 'goodbye',
      conditions: ['press 1', 'say “yes”', 'say “sí”'],
      says: ['accountConfirmed'],
      kind: 'route',
    });
    expect(graph.edges.find((edge) => edge.from === 'menu:main' && edge.to === 'menu:main')?.conditions).toEqual(['hours / 1']);
    expect(graph.fallback).toBe('Any menu without its own fallback, after 3 tries: say transferring, then the operator.');
    expect(graph.languages).toEqual(['en-US', 'es-ES']);
  });

  it('maps each recognize operationContext prefix back to its menu', () => {
    expect(Object.fromEntries(graph.menuByContext)).toEqual({
      'main-menu': 'main',
      account: 'account',
      confirmAccount: 'confirmAccount',
      support: 'support',
      AppointmentReminderMenu: 'appointmentReminder',
    });
  });

  it('draws one SVG node per graph node, each findable by data-node', () => {
    const svg = diagramSvg(graph);
    for (const node of graph.nodes) expect(svg).toContain(`data-node="${node.id}"`);
    expect(svg).toContain('data-from="menu:main" data-to="menu:main"');
    expect(svg).not.toMatch(/NaN|undefined/);
  });
});

describe('a call read from its timeline', () => {
  it('follows the caller from menu to menu and ends on goodbye when the hotline hangs up', () => {
    const view = new CallView(graph);
    expect(view.update(entry('dialed')).position).toEqual({ node: undefined, label: 'ringing', ended: false });
    expect(view.update(entry('answered')).position.node).toBe('start');
    expect(view.update(heard('main-menu:1:1')).position).toEqual({ node: 'menu:main', label: 'in menu main, attempt 1', ended: false });
    expect(view.update(heard('account:1:2')).position.node).toBe('menu:account');
    // The callback for the main menu's recognize is recorded after the account prompt began: it must not move the caller back.
    expect(view.update(callback('RecognizeCompleted', 'main-menu:1:1', 200, 8533)).position.node).toBe('menu:account');
    expect(view.update(heard('account:2:3')).position.label).toBe('in menu account, attempt 2');
    expect(view.update(heard('play:4', 'Goodbye')).position).toEqual({
      node: 'menu:account',
      label: 'playing a message after menu account',
      ended: false,
    });
    expect(view.update(entry('ended', { kind: 'hungUpByApp' })).position).toEqual({ node: 'goodbye', label: 'ended: the hotline hung up', ended: true });
  });

  it('moves to the operator on a transfer and stays where the caller was when the caller hangs up', () => {
    const transferred = new CallView(graph);
    transferred.update(heard('support:1:1'));
    expect(transferred.update(entry('transfer', { target: '+18005550199', operationContext: 'transfer:3' })).position.node).toBe('transfer');
    expect(transferred.update(entry('ended', { kind: 'transferred' })).position).toMatchObject({ node: 'transfer', ended: true });

    const abandoned = new CallView(graph);
    abandoned.update(heard('confirmAccount:1:3'));
    expect(abandoned.update(entry('ended', { kind: 'callerHungUp' })).position).toEqual({
      node: 'menu:confirmAccount',
      label: 'ended: the caller hung up in menu confirmAccount',
      ended: true,
    });
  });

  it('says each entry plainly, with result codes, HTTP statuses and operationContexts', () => {
    const view = new CallView(graph);
    const rows = [
      entry('input', { kind: 'tone', tone: 'pound' }),
      entry('input', { kind: 'speech', text: 'sí', language: 'es-ES', sentiment: 'positive' }),
      callback('RecognizeFailed', 'account:1:2', 400, 8510),
      entry('request', { method: 'POST', path: '/calling/callConnections/abc:recognize', status: 400, errorCode: '8523' }),
      entry('request', { method: 'DELETE', path: '/calling/callConnections/abc', status: 204 }),
      entry('inputIgnored', {}, 'pressed 1: the prompt is playing and interruptPrompt is false'),
      heard('main-menu:1:1', 'Welcome'),
    ].map((item) => view.update(item).row);
    expect(rows.map(({ tone, actor, text, result, operationContext }) => [tone, actor, text, result, operationContext])).toEqual([
      ['input', 'caller', 'presses #', undefined, undefined],
      ['input', 'caller', 'says “sí” (es-ES, positive)', undefined, undefined],
      ['failure', 'ACS → app', 'RecognizeFailed', '400/8510', 'account:1:2'],
      ['failure', 'app → ACS', 'recognize', '400 8523', undefined],
      ['action', 'app → ACS', 'hang up', '204', undefined],
      ['ignored', 'ACS', 'ignores: pressed 1: the prompt is playing and interruptPrompt is false', undefined, undefined],
      ['prompt', 'hears', '“Welcome” (en-US, en-US-NancyNeural)', undefined, 'main-menu:1:1'],
    ]);
    expect(rows.map((row) => row.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});
