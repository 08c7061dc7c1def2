// Storage failing under a callback: 503s the SDK absorbs, 503s it cannot, a hung operation,
// a write that landed behind a lost response, and the watchdog rescuing a call whose action never left.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOTLINE_NUMBER } from '../../tools/local/local-stack';
import { cloudEvent, startTestStack, waitingContext, type TestStack } from '../support/stack';

let s: TestStack;
beforeAll(async () => {
  // Without the cache every callback reads its row, so faults on that read are met; the cached path under storage
  // faults is the soak's (two hosts, 10 % of storage tries failing).
  s = await startTestStack({ timeScale: 5, overrides: { callStateCache: false } });
});
afterAll(async () => s?.stop());

/** A call waiting at the main menu, and the caller's "account" answer to it (which starts the account menu). */
async function callAtMainMenu(stack: TestStack = s) {
  const { callConnectionId, correlationId } = await stack.dial();
  const before = await stack.stateOf(callConnectionId);
  const answer = cloudEvent('RecognizeCompleted', {
    callConnectionId,
    correlationId,
    operationContext: waitingContext(before),
    recognitionType: 'choices',
    choiceResult: { label: 'account', recognizedPhrase: 'account' },
    resultInformation: { code: 200, subCode: 8545 },
  });
  const recognizes = () => stack.acsRequests(callConnectionId).filter((r) => r.path.endsWith(':recognize')).length;
  return { callConnectionId, before: before!, answer, recognizesBefore: recognizes(), recognizes };
}

describe('storage 503s within the SDK’s retries (R-11)', () => {
  it.each([
    ['once on the state read', 'read', 1],
    ['twice on the state read', 'read', 2],
    ['once on the commit', 'transaction', 1],
    ['twice on the commit', 'transaction', 2],
  ] as const)('%s: transparent, 200, one transition, one ACS action', async (_, operation, times) => {
    const call = await callAtMainMenu();
    s.storageFaults.inject({ fault: 'unavailable', operations: [operation], times });
    const reply = await s.postCallbacks([call.answer]);
    expect(reply).toMatchObject({ status: 200, body: { outcomes: ['applied'] } });
    expect((await s.stateOf(call.callConnectionId))?.phase).toMatchObject({ name: 'awaitingInput', menuId: 'account' });
    expect(call.recognizes() - call.recognizesBefore).toBe(1);
  });
});

describe('storage 503s beyond the SDK’s retries (R-12)', () => {
  it('answer 503 with nothing written and nothing sent to ACS; the redelivery then applies exactly once', async () => {
    const call = await callAtMainMenu();
    s.storageFaults.inject({ fault: 'unavailable', operations: ['transaction'], times: 3 });
    const failed = await s.postCallbacks([call.answer]);
    expect(failed).toMatchObject({ status: 503, body: { cause: 'storageUnavailable' } });
    expect(await s.stateOf(call.callConnectionId)).toEqual(call.before);
    expect(call.recognizes()).toBe(call.recognizesBefore);

    const redelivered = await s.postCallbacks([call.answer]);
    expect(redelivered).toMatchObject({ status: 200, body: { outcomes: ['applied'] } });
    expect(call.recognizes() - call.recognizesBefore).toBe(1);
    expect(s.telemetry.filter((e) => e.name === 'CallbackFailed').at(-1)).toMatchObject({ properties: { cause: 'storageUnavailable', status: '503' } });
  });
});

describe('a hung storage operation (R-13)', () => {
  it.each(['read', 'transaction'] as const)('on the %s: its 2 s timeout fires and the callback answers 503, with nothing changed', async (operation) => {
    const call = await callAtMainMenu();
    s.storageFaults.inject({ fault: 'hang', operations: [operation] });
    const reply = await s.postCallbacks([call.answer]);
    expect(reply).toMatchObject({ status: 503, body: { cause: 'storageTimeout' } });
    expect(await s.stateOf(call.callConnectionId)).toEqual(call.before);
    expect(call.recognizes()).toBe(call.recognizesBefore);
    expect(await s.postCallbacks([call.answer])).toMatchObject({ status: 200, body: { outcomes: ['applied'] } });
    expect(call.recognizes() - call.recognizesBefore).toBe(1);
  });
});

describe('a commit that landed while the client saw a 503 (R-14)', () => {
  it('is recognised as ours on the SDK’s retry (412/409): 200, and the ACS action happens once, not 0 or 2 times', async () => {
    const call = await callAtMainMenu();
    s.storageFaults.inject({ fault: 'lostResponse', operations: ['transaction'] });
    const reply = await s.postCallbacks([call.answer]);
    expect(reply).toMatchObject({ status: 200, body: { outcomes: ['applied'] } });
    expect(s.storageFaults.count('lostResponse')).toBeGreaterThan(0);
    expect(call.recognizes() - call.recognizesBefore).toBe(1);
    // A later redelivery of the same event changes nothing.
    expect((await s.postCallbacks([call.answer])).body?.outcomes).toEqual(['ignored']);
    expect(call.recognizes() - call.recognizesBefore).toBe(1);
  });

  // Issue 13's burst soak: such a commit answered 503, its redelivery found the event applied and ignored it, and the
  // caller heard nothing until the watchdog (45 s; 90 s for a transfer, which it then ends with an apology).
  it.each([
    ['every SDK retry then gets a 503', [{ fault: 'unavailable', operations: ['transaction'], times: 2 }]],
    ['the SDK retry then hangs', [{ fault: 'hang', operations: ['transaction'] }]],
    // The first read is the callback's own of the state row (this stack keeps no copies).
    ['the marker read that would tell then hangs', [{ fault: 'hang', operations: ['read'], skip: 1 }]],
  ] as const)('is recognised as ours by its marker when %s: 200 and the ACS action at once, not after the watchdog', async (_, after) => {
    const call = await callAtMainMenu();
    s.storageFaults.inject({ fault: 'lostResponse', operations: ['transaction'] });
    for (const rule of after) s.storageFaults.inject(rule);
    expect(await s.postCallbacks([call.answer])).toMatchObject({ status: 200, body: { outcomes: ['applied'] } });
    expect((await s.stateOf(call.callConnectionId))?.phase).toMatchObject({ name: 'awaitingInput', menuId: 'account', attempt: 1 });
    expect(call.recognizes() - call.recognizesBefore).toBe(1);
    expect((await s.postCallbacks([call.answer])).body?.outcomes).toEqual(['ignored']);
    expect(call.recognizes() - call.recognizesBefore).toBe(1);
  });
});

describe('the watchdog (R-24)', () => {
  it('re-prompts a call whose commit landed but whose action never left (storage failed after the write), within a minute', async () => {
    const stack = await startTestStack({ timeScale: 5 });
    try {
      const call = await callAtMainMenu(stack);
      // The commit lands, then storage stays down through the SDK's retries and through both reads of the event's
      // marker (three tries each) that would have told the commit was ours: the callback fails after saving.
      stack.storageFaults.inject({ fault: 'lostResponse', operations: ['transaction'] });
      stack.storageFaults.inject({ fault: 'unavailable', operations: ['transaction'], times: 2 });
      stack.storageFaults.inject({ fault: 'unavailable', operations: ['read'], times: 6 });
      expect((await stack.postCallbacks([call.answer])).status).toBe(503);
      expect((await stack.stateOf(call.callConnectionId))?.phase).toMatchObject({ name: 'awaitingInput', menuId: 'account', attempt: 1 });
      // The redelivery finds the event already applied, so it cannot start the prompt either.
      expect((await stack.postCallbacks([call.answer])).body?.outcomes).toEqual(['ignored']);
      expect(call.recognizes()).toBe(call.recognizesBefore);

      stack.advanceClock(44_000);
      await stack.host.runTimer('watchdog');
      expect(call.recognizes()).toBe(call.recognizesBefore);
      stack.advanceClock(2_000); // 46 s: past the default flow's 45 s; the next 15 s sweep would be at 59 s at most
      await stack.host.runTimer('watchdog');
      expect((await stack.stateOf(call.callConnectionId))?.phase).toMatchObject({ name: 'awaitingInput', menuId: 'account', attempt: 2 });
      expect(call.recognizes() - call.recognizesBefore).toBe(1);
      const stuck = stack.telemetry.filter((e) => e.name === 'CallStuck' && e.properties['callConnectionId'] === call.callConnectionId);
      expect(stuck).toHaveLength(1);
      expect(stuck[0]?.measurements?.['waitingMs']).toBeGreaterThanOrEqual(45_000);
      // A second sweep right after finds the call waiting afresh, not stalled.
      await stack.host.runTimer('watchdog');
      expect(call.recognizes() - call.recognizesBefore).toBe(1);
    } finally {
      await stack.stop();
    }
  });
});

describe('a missing call-state table (issue 13, item 7)', () => {
  it('is an outage: callbacks 503 tableMissing (never 200 orphan), IncomingCall 500 for a redelivery, an error log and StorageOutage', async () => {
    const stack = await startTestStack({ timeScale: 5 });
    try {
      const { callConnectionId, answer } = await callAtMainMenu(stack);
      // As after Azurite restarted empty, or a storage account restored without the table.
      await stack.table.deleteTable();
      const reply = await stack.postCallbacks([answer]);
      expect(reply).toMatchObject({ status: 503, body: { cause: 'tableMissing' } });
      expect(stack.acsRequests(callConnectionId).filter((r) => r.path.endsWith(':recognize'))).toHaveLength(1);
      const handle = await stack.emulator.caller.dial({ from: '+14255550177', to: HOTLINE_NUMBER, deliver: false });
      expect(await stack.emulator.caller.redeliverIncomingCall(handle.callId)).toBe(500);
      expect(stack.telemetry.filter((e) => e.name === 'StorageOutage').map((e) => e.properties)).toEqual([
        { cause: 'tableMissing', trigger: 'callbacks' },
        { cause: 'tableMissing', trigger: 'incomingCall' },
      ]);
      expect(stack.logs.filter((entry) => entry.level === 'error' && entry.message.includes('tableMissing')).length).toBeGreaterThanOrEqual(2);
    } finally {
      await stack.stop();
    }
  });
});
