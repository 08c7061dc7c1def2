// A deploy of a changed flow in the middle of 20 live calls (a menu removed, another changed): every call finishes on
// the version it started on, new calls take the new one, and a call whose version is gone ends politely.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CallStore } from '../../src/adapters/tables/call-store';
import { flowVersion } from '../../src/flow/flow-version';
import { loadFlow } from '../../src/app/flow-file';
import type { CallHandle } from '../../tools/acs-emulator/index.js';
import { startFunctionsHost, type FunctionsHost } from '../../tools/local/functions-host';
import { HOTLINE_NUMBER, startLocalStack, type LocalStack } from '../../tools/local/local-stack';
import { TableClient } from '@azure/data-tables';
import { waitFor, type TrackedEvent } from '../support/stack';

const V1 = path.resolve(__dirname, '../fixtures/flows/deploy-v1.json');
const V2 = path.resolve(__dirname, '../fixtures/flows/deploy-v2.json');
const v1 = flowVersion(loadFlow(V1));
const v2 = flowVersion(loadFlow(V2));
const LIVE_CALLS = 20;

const telemetry: TrackedEvent[] = [];
const sink = { trackEvent: (name: string, properties: Readonly<Record<string, string>>, measurements?: Readonly<Record<string, number>>) => void telemetry.push({ name, properties, measurements }) };
let stack: LocalStack;
let deployed: FunctionsHost | undefined;
let store: CallStore;

beforeAll(async () => {
  stack = await startLocalStack({
    tablesConnectionString: inject('tablesConnectionString'),
    timeScale: 0.1,
    settings: { HOTLINE_FLOW_FILE: V1 },
    telemetry: sink,
    // A callback that meets the host mid-restart is delivered again, as ACS retries.
    emulator: { callbackRetryDelaysMs: [200, 500, 1_000, 2_000] },
  });
  const table = TableClient.fromConnectionString(inject('tablesConnectionString'), stack.settings['CALL_STATE_TABLE_NAME'] ?? '', { allowInsecureConnection: true });
  store = new CallStore(table);
});
afterAll(async () => {
  await deployed?.close();
  await stack?.stop();
});

/** The deploy: the old host stops, a new one with the changed flow starts cold on the same address and table. */
async function deploy(flowFile: string): Promise<FunctionsHost> {
  await stack.host.close();
  const port = Number(new URL(stack.host.url).port);
  return startFunctionsHost({ port, env: { ...stack.settings, HOTLINE_FLOW_FILE: flowFile }, telemetry: sink });
}

const dial = () => stack.emulator.caller.dial({ from: '+14255550123', to: HOTLINE_NUMBER });
const stateOf = async (call: CallHandle) => (await store.load(call.callConnectionId ?? ''))?.state;
const waitingIn = async (call: CallHandle, menuId: string) =>
  waitFor(async () => {
    const phase = (await stateOf(call))?.phase;
    return phase?.name === 'awaitingInput' && phase.menuId === menuId;
  }, `the call to wait in ${menuId}`);

describe('a deploy in the middle of live calls', () => {
  it('leaves every live call finishing on its own version, and new calls on the new one', async () => {
    expect(v1).not.toBe(v2);
    const calls = await Promise.all(Array.from({ length: LIVE_CALLS }, () => dial()));
    for (const call of calls) expect((await call.nextPrompt()).text).toBe('Version one. Press 1 for billing.');
    // Half go on to billing, the menu the new version removes; half stay in main, which it changes.
    const inBilling = calls.slice(0, LIVE_CALLS / 2);
    const inMain = calls.slice(LIVE_CALLS / 2);
    for (const call of inBilling) await call.press('1');
    for (const call of inBilling) expect((await call.nextPrompt()).text).toBe('Billing of version one. Press any key.');
    for (const call of inBilling) await waitingIn(call, 'billing');
    for (const call of inMain) await waitingIn(call, 'main');
    for (const call of calls) expect((await stateOf(call))?.flowVersion).toBe(v1);

    deployed = await deploy(V2);

    const fresh = await dial();
    expect((await fresh.nextPrompt()).text).toBe('Version two. Press 1 for accounts.');
    for (const call of inMain) await call.press('1');
    for (const call of inMain) expect((await call.nextPrompt()).text).toBe('Billing of version one. Press any key.');
    for (const call of calls) await call.press('5');
    for (const call of calls) {
      expect((await call.nextPrompt()).text).toBe('Billing done in version one.');
      expect((await call.nextPrompt()).text).toBe('Goodbye.');
      expect(await call.waitForEnd()).toMatchObject({ kind: 'hungUpByApp' });
    }
    await fresh.press('1');
    expect((await fresh.nextPrompt()).text).toBe('Accounts of version two. Press any key.');
    await fresh.press('5');
    expect((await fresh.nextPrompt()).text).toBe('Accounts done in version two.');
    await fresh.waitForEnd();

    await waitFor(() => telemetry.filter((event) => event.name === 'CallEnded').length === LIVE_CALLS + 1, 'every call to end');
    const ended = telemetry.filter((event) => event.name === 'CallEnded');
    const endedOn = (version: string) => ended.filter((event) => event.properties['flowVersion'] === version && event.properties['outcome'] === 'completed').length;
    expect([endedOn(v1), endedOn(v2)]).toEqual([LIVE_CALLS, 1]);
    expect(telemetry.filter((event) => event.name === 'FlowVersionMissing')).toEqual([]);
    expect(await stateOf(fresh)).toMatchObject({ flowVersion: v2, phase: { name: 'ended', outcome: 'completed' } });
  });

  it('ends a call whose version cannot be found with the apology and goodbye, and a FlowVersionMissing event', async () => {
    const call = await dial();
    expect((await call.nextPrompt()).text).toMatch(/^Version (one|two)\./);
    const callConnectionId = call.callConnectionId ?? '';
    await waitFor(async () => (await stateOf(call))?.phase.name === 'awaitingInput', 'the call to wait for input');
    // As if the call's version row were wiped while it ran.
    const stored = await store.load(callConnectionId);
    if (!stored) throw new Error('no state');
    expect(await store.commit(stored, { ...stored.state, flowVersion: 'deadbeefdeadbeef' }, 'test-wipe', new Date().toISOString())).toBe('committed');
    await call.press('1');
    expect((await call.nextPrompt()).text).toBe('Sorry, something went wrong.');
    expect((await call.nextPrompt()).text).toBe('Goodbye.');
    expect(await call.waitForEnd()).toMatchObject({ kind: 'hungUpByApp' });
    await waitFor(() => telemetry.some((event) => event.name === 'FlowVersionMissing' && event.properties['callConnectionId'] === callConnectionId), 'FlowVersionMissing');
    expect(telemetry.find((event) => event.name === 'FlowVersionMissing' && event.properties['callConnectionId'] === callConnectionId)?.properties).toMatchObject({
      missingVersion: 'deadbeefdeadbeef',
    });
    await waitFor(async () => (await stateOf(call))?.phase.name === 'ended', 'the call to end');
    expect((await stateOf(call))?.phase).toEqual({ name: 'ended', outcome: 'failed' });
  });
});
