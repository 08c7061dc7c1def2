// The hotline end to end when calls and deliveries misbehave: hang-ups mid-prompt, failed transfers, redelivered events.
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CallHandle } from '../../tools/acs-emulator/index.js';
import { DEFAULT_CALLER, runCallScript, type RunOptions } from '../../tools/local/call-runner';
import { parseScript } from '../../tools/local/call-script';
import { HOTLINE_NUMBER, startLocalStack, type LocalStack } from '../../tools/local/local-stack';
import { OFFICE_HOURS_AT } from '../support/stack';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ tablesConnectionString: inject('tablesConnectionString'), timeScale: 0.05, emulator: { callsAt: OFFICE_HOURS_AT } });
});
afterAll(async () => stack?.stop());

async function run(steps: readonly string[], options: RunOptions = {}): Promise<CallHandle> {
  const result = await runCallScript(stack, parseScript(['dial', ...steps].join('\n'), 'test.call'), options);
  expect(result.ok ? 'passed' : `line ${result.line}: ${result.message}`).toBe('passed');
  if (!result.call) throw new Error('no call');
  return result.call;
}

const callbacks = (call: CallHandle) => call.timeline.filter((entry) => entry.kind === 'callback');

/** The ACS actions the app took for a call, in order (`POST :recognize`, `POST :play`, ...). */
const actionsOf = (call: CallHandle) =>
  stack.emulator.requests
    .filter((request) => request.callConnectionId === call.callConnectionId)
    .map((request) => `${request.method} ${request.path.slice(request.path.lastIndexOf(':'))}`);

const ACCOUNT_CONFIRMED = [
  'expect "Welcome to Contoso"',
  'press 2',
  'expect "Please enter your account number"',
  'press 1234#',
  'expect "You entered 1 2 3 4."',
  'say yes',
  'expect "Your account is verified"',
  'expect "Goodbye"',
  'expect-end hungUpByApp',
  'expect-outcome completed',
];

describe('a caller hanging up during a prompt', () => {
  it('is told to the app as CallDisconnected and the call state ends abandoned', async () => {
    const call = await run(['expect "Welcome to Contoso"', 'hangup', 'expect-end callerHungUp', 'expect-outcome abandoned']);
    const disconnected = callbacks(call).find((entry) => entry.details['type'] === 'CallDisconnected');
    expect(disconnected?.details).toMatchObject({ status: 200, resultInformation: { subCode: 540000 } });
    expect(callbacks(call).filter((entry) => String(entry.details['type']).startsWith('Recognize'))).toEqual([]);

    const table = TableClient.fromConnectionString(stack.settings['TABLES_CONNECTION_STRING'] ?? '', stack.settings['CALL_STATE_TABLE_NAME'] ?? '', {
      allowInsecureConnection: true,
    });
    const row = await table.getEntity<{ state: string }>(call.callConnectionId ?? '', 'state');
    expect(JSON.parse(row.state)).toMatchObject({ phase: { name: 'ended', outcome: 'abandoned' }, path: ['main'] });
  });
});

describe('a transfer to the operator that fails', () => {
  it('apologises, says goodbye and hangs up', async () => {
    const call = await run(
      [
        'expect "Welcome to Contoso"',
        'say operator',
        'expect "Please hold while I connect you to an operator"',
        `expect "We're sorry, something went wrong on our side."`,
        'expect "Thank you for calling Contoso. Goodbye."',
        'expect-end hungUpByApp',
        'expect-outcome failed',
      ],
      { dial: { failTransfers: true } },
    );
    expect(callbacks(call).map((entry) => entry.details['type'])).toContain('CallTransferFailed');
  });
});

describe('a redelivered IncomingCall', () => {
  it('is answered exactly once, however often Event Grid delivers it', async () => {
    const call = await stack.emulator.caller.dial({ from: DEFAULT_CALLER, to: HOTLINE_NUMBER, duplicateDelivery: 2 });
    expect((await call.nextPrompt()).text).toContain('Welcome to Contoso');
    expect(await stack.emulator.caller.redeliverIncomingCall(call.callId)).toBeLessThan(300);
    await call.press('0');
    expect(await call.waitForEnd()).toMatchObject({ kind: 'transferred' });

    const deliveries = call.timeline.filter((entry) => entry.kind === 'incomingCallDelivered');
    expect(deliveries.map((entry) => entry.details['deliveryCount'])).toEqual([0, 1, 2, 3]);
    const answers = stack.emulator.requests.filter(
      (request) => request.path.endsWith(':answer') && (request.body as { incomingCallContext?: string }).incomingCallContext === call.incomingCallContext,
    );
    expect(answers).toHaveLength(1);
  });
});

describe('duplicated and reordered callbacks', () => {
  it('still complete the call, and no ACS action is taken twice', async () => {
    const clean = await run(ACCOUNT_CONFIRMED);

    stack.emulator.callbackQuirks.duplicateNext = 1_000;
    stack.emulator.callbackQuirks.reorderNext = 3;
    let quirky: CallHandle;
    try {
      quirky = await run(ACCOUNT_CONFIRMED);
    } finally {
      stack.emulator.callbackQuirks.duplicateNext = 0;
      stack.emulator.callbackQuirks.reorderNext = 0;
    }

    const delivered = callbacks(quirky).map((entry) => `${String(entry.details['type'])}${entry.details['duplicate'] === true ? ' again' : ''}`);
    // The quirks did happen: CallConnected was held behind ParticipantsUpdated, and events came twice.
    expect(delivered.indexOf('ParticipantsUpdated')).toBeLessThan(delivered.indexOf('CallConnected'));
    expect(delivered).toContain('RecognizeCompleted again');
    expect(actionsOf(quirky)).toEqual(actionsOf(clean));
    expect(actionsOf(clean).filter((action) => action.endsWith(':recognize'))).toHaveLength(3);
  });
});
