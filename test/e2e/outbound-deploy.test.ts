// A deploy while an outbound call rings: the callee hears the flow the call was placed on, not the one deployed while
// the phone rang, because the call's row and its request name the version from the placement on.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CallStore } from '../../src/adapters/tables/call-store';
import { FlowVersionStore } from '../../src/adapters/tables/flow-versions';
import { OutboundStore } from '../../src/adapters/tables/outbound-store';
import defaultFlow from '../../src/flow/default-flow.json';
import { flowVersion } from '../../src/flow/flow-version';
import { loadFlow } from '../../src/app/flow-file';
import { startFunctionsHost, type FunctionsHost } from '../../tools/local/functions-host';
import { startLocalStack, type LocalStack } from '../../tools/local/local-stack';
import { OFFICE_HOURS_AT } from '../support/stack';

/** The default flow with the reminder's greeting marked with its version. */
function reminderFlow(mark: string): string {
  const flow = structuredClone<typeof defaultFlow>(defaultFlow);
  flow.menus.appointmentReminder.prompt.text['en-US'] = `${mark} reminder for {{time}}. Say Confirm or Cancel.`;
  const file = path.join(tmpdir(), `outbound-deploy-${mark}-${process.pid}-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(flow));
  return file;
}

const V1 = reminderFlow('First');
const V2 = reminderFlow('Second');
const v1 = flowVersion(loadFlow(V1));
const v2 = flowVersion(loadFlow(V2));

let stack: LocalStack;
let deployed: FunctionsHost | undefined;
let table: TableClient;
const callee = (n: number) => `+1206555${1000 + n}`;

beforeAll(async () => {
  stack = await startLocalStack({
    tablesConnectionString: inject('tablesConnectionString'),
    queuesConnectionString: inject('queuesConnectionString'),
    queueRetryDelaySeconds: 0,
    timeScale: 0.05,
    settings: { HOTLINE_FLOW_FILE: V1, OUTBOUND_CALLS_PER_SECOND: '10' },
    // A callback that meets the host mid-restart is delivered again, as ACS retries.
    emulator: { callsAt: OFFICE_HOURS_AT, callbackRetryDelaysMs: [200, 500, 1_000, 2_000] },
  });
  table = TableClient.fromConnectionString(inject('tablesConnectionString'), stack.settings['CALL_STATE_TABLE_NAME'] ?? '', { allowInsecureConnection: true });
});
afterAll(async () => {
  await deployed?.close();
  await stack?.stop();
});

/** The deploy: the old host stops, a new one with the changed flow starts cold on the same address and table. */
async function deploy(flowFile: string): Promise<void> {
  const running = deployed ?? stack.host;
  const port = Number(new URL(running.url).port);
  await running.close();
  deployed = await startFunctionsHost({ port, env: { ...stack.settings, HOTLINE_FLOW_FILE: flowFile }, queueRetryDelaySeconds: 0, telemetry: { trackEvent: () => undefined } });
}

async function remind(url: string, to: string): Promise<string> {
  const response = await fetch(`${url}/api/outbound-calls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ to, campaign: 'appointmentReminder', variables: { time: '2 PM' } }),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

describe('a deploy while an outbound call rings', () => {
  it('the callee hears the version the call was placed on; a request after the deploy runs on the new one', async () => {
    expect(v1).not.toBe(v2);
    const url = stack.host.url;
    const requestId = await remind(url, callee(1));
    const ringing = await stack.emulator.caller.nextRinging({ to: callee(1), timeoutMs: 15_000 });
    const request = await new OutboundStore(table).load(requestId);
    expect(request?.request).toMatchObject({ status: expect.stringMatching(/^(placing|calling)$/) as string, flowVersion: v1 });
    // Stored before the call's row names it, so an instance that never ran it can load it.
    expect(await new FlowVersionStore(table).load(v1)).toBeDefined();

    await deploy(V2);

    ringing.answer();
    expect((await ringing.nextPrompt()).text).toBe('First reminder for 2 PM. Say Confirm or Cancel.');
    expect((await new CallStore(table).load(ringing.callConnectionId ?? ''))?.state.flowVersion).toBe(v1);
    ringing.say('Confirm');
    expect((await ringing.nextPrompt()).text).toBe('Thank you. Your appointment at 2 PM is confirmed. We look forward to seeing you.');
    await ringing.waitForEnd();

    await remind(url, callee(2));
    const after = await stack.emulator.caller.nextRinging({ to: callee(2), timeoutMs: 15_000 });
    after.answer();
    expect((await after.nextPrompt()).text).toBe('Second reminder for 2 PM. Say Confirm or Cancel.');
    expect((await new CallStore(table).load(after.callConnectionId ?? ''))?.state.flowVersion).toBe(v2);
    after.hangUp();
  });

  it('a call whose row was never written starts from its request on the version it was placed on', async () => {
    await deploy(V1);
    const url = deployed?.url ?? '';
    await remind(url, callee(3));
    const ringing = await stack.emulator.caller.nextRinging({ to: callee(3), timeoutMs: 15_000 });
    const callConnectionId = ringing.callConnectionId ?? '';
    await deploy(V2);
    // As if the placement had died between createCall and the call's row: the first callback builds it from the request.
    await table.deleteEntity(callConnectionId, 'state');

    ringing.answer();
    expect((await ringing.nextPrompt()).text).toBe('First reminder for 2 PM. Say Confirm or Cancel.');
    expect((await new CallStore(table).load(callConnectionId))?.state.flowVersion).toBe(v1);
    ringing.hangUp();
  });
});
