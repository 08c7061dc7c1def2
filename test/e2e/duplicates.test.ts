// At-least-once, unordered, concurrent deliveries: IncomingCall twice, each callback 13 times,
// 20 different events at once, events out of order, events for unknown calls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallPhase } from '../../src/domain/call-state';
import { cloudEvent, startTestStack, waitingContext, type TestStack } from '../support/stack';

let s: TestStack;
beforeAll(async () => {
  // Slow emulated time: the caller's own timeouts stay far away while crafted events are posted.
  s = await startTestStack({ timeScale: 5 });
});
afterAll(async () => s?.stop());

const answersFor = (incomingCallContext: string) =>
  s.emulator.requests.filter((r) => r.path.endsWith(':answer') && (r.body as { incomingCallContext?: string }).incomingCallContext === incomingCallContext);
const actionPaths = (callConnectionId: string, from: number) => s.acsRequests(callConnectionId).slice(from).map((r) => r.path.replace(/^.*:/, ':').replace(/^\/.*/, 'DELETE'));
const outcomesOf = (replies: ReadonlyArray<{ body: { outcomes?: string[] } | undefined }>) => replies.flatMap((reply) => reply.body?.outcomes ?? []);

describe('a duplicated IncomingCall (R-01)', () => {
  it('delivered twice at once is answered once; both deliveries are acknowledged', async () => {
    const handle = await s.emulator.caller.dial({ from: '+14255550123', to: '+18005550100', deliver: false });
    const statuses = await Promise.all([s.emulator.caller.redeliverIncomingCall(handle.callId), s.emulator.caller.redeliverIncomingCall(handle.callId)]);
    expect(statuses).toEqual([202, 202]);
    expect(answersFor(handle.incomingCallContext)).toHaveLength(1);
    await handle.nextPrompt();
    expect((await s.rows()).filter(([pk, rk]) => rk === 'state' && pk === handle.callConnectionId)).toHaveLength(1);
  });

  it('delivered again 10 s later is not answered again', async () => {
    const { handle } = await s.dial();
    s.advanceClock(10_000);
    expect(await s.emulator.caller.redeliverIncomingCall(handle.callId)).toBe(202);
    expect(answersFor(handle.incomingCallContext)).toHaveLength(1);
  });

  it('whose first delivery died after claiming (a 500 from the host) is answered once by Event Grid’s retry', async () => {
    const handle = await s.emulator.caller.dial({ from: '+14255550123', to: '+18005550100', deliver: false });
    // The claim lands but the client never hears so, and storage stays down for the SDK's retries.
    s.storageFaults.inject({ fault: 'lostResponse', operations: ['insert'] });
    s.storageFaults.inject({ fault: 'unavailable', operations: ['insert'], times: 2 });
    expect(await s.emulator.caller.redeliverIncomingCall(handle.callId)).toBe(500);
    expect(answersFor(handle.incomingCallContext)).toHaveLength(0);
    s.advanceClock(11_000); // Event Grid's first retry comes 10 s later
    expect(await s.emulator.caller.redeliverIncomingCall(handle.callId)).toBe(202);
    expect(answersFor(handle.incomingCallContext)).toHaveLength(1);
    await handle.nextPrompt();
    expect(s.telemetry.filter((e) => e.name === 'IncomingCallFailed' && e.properties['callKey'] === handle.correlationId)).toMatchObject([
      { properties: { cause: 'storageUnavailable' } },
    ]);
  });
});

const awaiting = (operationContext: string): CallPhase => ({ name: 'awaitingInput', menuId: 'main', attempt: 1, inputType: 'choices', operationContext });
const playing = (operationContext: string): CallPhase => ({ name: 'playing', operationContext, then: { kind: 'menu', menu: 'main' }, onFailure: 'apologize', outcome: 'completed' });
const transferring = (operationContext: string): CallPhase => ({ name: 'transferring', operationContext, menuId: 'main' });

interface DuplicateCase {
  readonly type: string;
  readonly phase: (operationContext: string) => CallPhase;
  readonly data: Record<string, unknown>;
  readonly then: string;
  readonly actions: readonly string[];
}

const CASES: readonly DuplicateCase[] = [
  { type: 'CallConnected', phase: () => ({ name: 'connecting' }), data: { resultInformation: { code: 200, subCode: 0 } }, then: 'awaitingInput', actions: [':recognize'] },
  {
    type: 'RecognizeCompleted',
    phase: awaiting,
    data: { recognitionType: 'choices', choiceResult: { label: 'account', recognizedPhrase: 'account', confidence: 0.9 }, resultInformation: { code: 200, subCode: 8545 } },
    then: 'awaitingInput',
    actions: [':recognize'],
  },
  { type: 'RecognizeFailed', phase: awaiting, data: { resultInformation: { code: 400, subCode: 8510 } }, then: 'awaitingInput', actions: [':recognize'] },
  { type: 'RecognizeCanceled', phase: awaiting, data: { resultInformation: { code: 400, subCode: 8508 } }, then: 'awaitingInput', actions: [':recognize'] },
  { type: 'PlayCompleted', phase: playing, data: { resultInformation: { code: 200, subCode: 0 } }, then: 'awaitingInput', actions: [':recognize'] },
  { type: 'PlayFailed', phase: playing, data: { resultInformation: { code: 400, subCode: 8535 } }, then: 'playing', actions: [':play'] },
  { type: 'CallTransferAccepted', phase: transferring, data: { resultInformation: { code: 200, subCode: 7015 } }, then: 'transferred', actions: [] },
  { type: 'CallTransferFailed', phase: transferring, data: { resultInformation: { code: 400, subCode: 8539 } }, then: 'playing', actions: [':play'] },
  { type: 'CallDisconnected', phase: () => awaiting('main-menu:1:60'), data: { resultInformation: { code: 200, subCode: 540000 } }, then: 'ended', actions: [] },
];

describe('a callback delivered 10 times at once, then 3 more times (R-06)', () => {
  it.each(CASES)('$type: one transition, one marker, its ACS actions once, every delivery 200', async ({ type, phase, data, then, actions }) => {
    const { callConnectionId, correlationId } = await s.dial();
    const operationContext = `crafted:${type}`;
    const before = await s.setPhase(callConnectionId, phase(operationContext));
    const requestsBefore = s.acsRequests(callConnectionId).length;
    const event = cloudEvent(type, { callConnectionId, correlationId, operationContext, ...data });

    const concurrent = await Promise.all(Array.from({ length: 10 }, () => s.postCallbacks([event])));
    const sequential = [];
    for (let i = 0; i < 3; i++) sequential.push(await s.postCallbacks([event]));

    expect([...concurrent, ...sequential].map((reply) => reply.status)).toEqual(Array(13).fill(200));
    const outcomes = outcomesOf([...concurrent, ...sequential]);
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
    expect(outcomes.every((o) => ['applied', 'duplicate', 'ignored'].includes(o))).toBe(true);
    const after = await s.stateOf(callConnectionId);
    expect(after?.phase.name).toBe(then);
    expect((await s.rows()).filter(([pk, rk]) => pk === callConnectionId && rk === `evt|${String(event['id'])}`)).toHaveLength(1);
    expect(actionPaths(callConnectionId, requestsBefore)).toEqual(actions);
    // The one request went out for the state that was saved: it carries the context the call now waits for.
    const sentContexts = s.acsRequests(callConnectionId).slice(requestsBefore).map((r) => (r.body as { operationContext?: string }).operationContext);
    expect(sentContexts).toEqual(actions.map(() => waitingContext(after)));
    // Each action that expects a result bumps the sequence once: applied once, not once per delivery.
    expect(after?.sequence).toBe(before.sequence + actions.length);
  });
});

describe('20 different events for one call at once (R-07, R-15)', () => {
  it('apply exactly one winner among competing results; the rest are stale, informational or ignored; no 5xx', async () => {
    const { callConnectionId, correlationId } = await s.dial();
    const before = await s.stateOf(callConnectionId);
    const current = waitingContext(before) ?? '';
    const requestsBefore = s.acsRequests(callConnectionId).length;
    const base = { callConnectionId, correlationId };
    const events = [
      ...['account', 'support', 'hours', 'operator', 'account'].map((label) =>
        cloudEvent('RecognizeCompleted', { ...base, operationContext: current, recognitionType: 'choices', choiceResult: { label }, resultInformation: { code: 200, subCode: 8545 } }),
      ),
      ...Array.from({ length: 5 }, (_, i) => cloudEvent('RecognizeFailed', { ...base, operationContext: `main-menu:1:${-i}`, resultInformation: { code: 400, subCode: 8510 } })),
      ...Array.from({ length: 5 }, (_, i) => cloudEvent('ParticipantsUpdated', { ...base, sequenceNumber: i + 2, participants: [] })),
      ...Array.from({ length: 5 }, () => cloudEvent('PlayStarted', { ...base, operationContext: current, resultInformation: { code: 200, subCode: 0 } })),
    ];
    const replies = await Promise.all(events.map((event) => s.postCallbacks([event])));
    expect(replies.map((reply) => reply.status)).toEqual(Array(20).fill(200));
    const outcomes = outcomesOf(replies);
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'notActionable')).toHaveLength(10);
    expect(outcomes.filter((o) => o === 'ignored')).toHaveLength(9);
    const after = await s.stateOf(callConnectionId);
    expect(after?.sequence).toBe((before?.sequence ?? 0) + 1);
    expect(s.acsRequests(callConnectionId).slice(requestsBefore).filter((r) => r.path.endsWith(':recognize') || r.path.endsWith(':play'))).toHaveLength(1);
  });

  it('apply both of two different events that race (a result and a hang-up), in some order', async () => {
    const { callConnectionId, correlationId } = await s.dial();
    const current = waitingContext(await s.stateOf(callConnectionId));
    const replies = await Promise.all([
      s.postCallbacks([cloudEvent('RecognizeCompleted', { callConnectionId, correlationId, operationContext: current, choiceResult: { label: 'hours' }, resultInformation: { code: 200, subCode: 8545 } })]),
      s.postCallbacks([cloudEvent('CallDisconnected', { callConnectionId, correlationId, resultInformation: { code: 200, subCode: 540000 } })]),
    ]);
    expect(replies.map((reply) => reply.status)).toEqual([200, 200]);
    expect(replies[1]?.body?.outcomes).toEqual(['applied']);
    expect(['applied', 'ignored']).toContain(replies[0]?.body?.outcomes?.[0]);
    expect((await s.stateOf(callConnectionId))?.phase.name).toBe('ended');
  });
});

describe('events out of order (R-08)', () => {
  it('leave an ended call ended and ignore results for a prompt that is no longer current', async () => {
    const { callConnectionId, correlationId } = await s.dial();
    const current = waitingContext(await s.stateOf(callConnectionId));
    const requestsBefore = s.acsRequests(callConnectionId).length;
    const stale = await s.postCallbacks([cloudEvent('PlayCompleted', { callConnectionId, correlationId, operationContext: 'play:0', resultInformation: { code: 200, subCode: 0 } })]);
    expect(stale).toMatchObject({ status: 200, body: { outcomes: ['ignored'] } });
    await s.postCallbacks([cloudEvent('CallDisconnected', { callConnectionId, correlationId, resultInformation: { code: 200, subCode: 540000 } })]);
    const late = await s.postCallbacks([
      cloudEvent('RecognizeCompleted', { callConnectionId, correlationId, operationContext: current, choiceResult: { label: 'hours' }, resultInformation: { code: 200, subCode: 8545 } }),
    ]);
    expect(late).toMatchObject({ status: 200, body: { outcomes: ['ignored'] } });
    expect((await s.stateOf(callConnectionId))?.phase).toEqual({ name: 'ended', outcome: 'abandoned' });
    expect(s.acsRequests(callConnectionId).slice(requestsBefore)).toEqual([]);
  });

  it('start a call from its claim when CallConnected beats the state row (the row could not be written)', async () => {
    const stack = await startTestStack({ emulator: { callbackRetryDelaysMs: [100, 200, 400] } });
    try {
      // The claim's insert goes through; the answered call's state row cannot be written for a while.
      stack.storageFaults.inject({ fault: 'unavailable', operations: ['insert'], skip: 1, times: 3 });
      const handle = await stack.emulator.caller.dial({ from: '+14255550123', to: '+18005550100' });
      expect((await handle.nextPrompt()).text).toContain('Welcome to Contoso');
      const state = await stack.stateOf(handle.callConnectionId ?? '');
      expect(state).toMatchObject({ correlationId: handle.correlationId, phase: { name: 'awaitingInput', menuId: 'main' } });
      expect(stack.storageFaults.count('unavailable')).toBe(3);
    } finally {
      await stack.stop();
    }
  });
});

describe('events for a call this hotline does not know (R-25)', () => {
  it('are acknowledged with 200, create no row and reach no ACS endpoint', async () => {
    const rowsBefore = await s.rows();
    const requestsBefore = s.emulator.requests.length;
    const reply = await s.postCallbacks([
      cloudEvent('CallConnected', { callConnectionId: 'not-a-call-of-ours', correlationId: 'nor-this', resultInformation: { code: 200, subCode: 0 } }),
      cloudEvent('RecognizeCompleted', { callConnectionId: 'not-a-call-of-ours', correlationId: 'nor-this', operationContext: 'main-menu:1:1', choiceResult: { label: 'hours' } }),
    ]);
    expect(reply).toMatchObject({ status: 200, body: { outcomes: ['orphan', 'orphan'] } });
    expect(await s.rows()).toEqual(rowsBefore);
    expect(s.emulator.requests.length).toBe(requestsBefore);
  });
});
