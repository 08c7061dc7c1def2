// `npm run flow -- diff`: what a change to the flow does, before it is deployed.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../src/flow/flow-schema';
import { loadFlow } from '../../src/app/flow-file';
import { diffFlows, formatDiff } from '../../tools/flow/flow-diff';
import { defaultFlow } from '../support/calls';

const fixture = (name: string) => loadFlow(path.resolve(__dirname, `../fixtures/flows/${name}`));

describe('diffFlows', () => {
  it('lists menus added, removed and changed, the route that leads elsewhere, prompts, and the positions lost', () => {
    const diff = diffFlows(fixture('deploy-v1.json'), fixture('deploy-v2.json'));
    expect(diff).toMatchObject({
      menusAdded: ['accounts'],
      menusRemoved: ['billing'],
      menusChanged: { main: ['prompt', 'routes'] },
      routesChanged: ['main {"tones":"1"}: menu billing → menu accounts'],
      promptsChanged: ['menus.main.prompt', 'messages.accountsDone added', 'messages.billingDone removed'],
      lostPositions: ['menu billing: calls waiting in it', 'message billingDone: calls hearing it, and where it leads'],
    });
    expect(diff.oldVersion).not.toBe(diff.newVersion);
  });

  it('sees a route added and removed, a changed message, goodbye and schedule, and a reorder', () => {
    const main = defaultFlow.menus['main'];
    if (!main) throw new Error('the default flow has a main menu');
    const [hours, account, support, operator] = main.routes;
    if (!hours || !account || !support || !operator) throw new Error('the default main menu has four routes');
    const office = defaultFlow.schedules['office'];
    if (!office) throw new Error('the default flow has an office schedule');
    const changed: Flow = {
      ...defaultFlow,
      goodbye: { kind: 'text', text: 'Bye now.' },
      messages: { ...defaultFlow.messages, transferring: { kind: 'text', text: 'One moment.' } },
      schedules: { office: { ...office, closed: [...office.closed, '2026-12-31'] } },
      menus: { ...defaultFlow.menus, main: { ...main, routes: [account, hours, support, { when: { kind: 'any', any: true }, then: { kind: 'goodbye', goodbye: true } }] } },
    };
    const diff = diffFlows(defaultFlow, changed);
    expect(diff.routesChanged).toEqual([
      expect.stringMatching(/^main \{"choice":"operator"\}: removed \(was if office is open: say transferring, then transfer to the operator; else say closedNow, then menu main\)$/) as string,
      'main {"any":true}: added (goodbye)',
    ]);
    expect(diff.promptsChanged).toEqual(['goodbye', 'messages.transferring']);
    expect(diff.schedulesChanged).toEqual(['schedules.office']);
    expect(diff.lostPositions).toEqual([]);
    const reordered = diffFlows(defaultFlow, { ...defaultFlow, menus: { ...defaultFlow.menus, main: { ...main, routes: [account, hours, support, operator] } } });
    expect(reordered.routesChanged).toEqual(['main: routes reordered (the first match wins)']);
  });

  it('says so when nothing changed', () => {
    expect(formatDiff(diffFlows(defaultFlow, defaultFlow))).toMatch(/no changes: the same version$/);
  });
});
