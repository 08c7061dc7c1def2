// Outbound calls: createCall as the SDK sends it, and the callee who answers, declines, is busy or never answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLBACK_PATH, HOTLINE, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ ringWindowMs: 300 });
});
afterAll(async () => {
  await h.close();
});

let next = 0;
const callee = () => `+1425555${String(1000 + next++)}`;

async function place(to: string, operationContext = 'outbound:req-1:1') {
  // The SDK takes the caller id on the invite, not on the options.
  const invite = { targetParticipant: { phoneNumber: to }, sourceCallIdNumber: { phoneNumber: HOTLINE } };
  const result = await h.client.createCall(invite, `${h.receiverUrl}${CALLBACK_PATH}`, {
    callIntelligenceOptions: { cognitiveServicesEndpoint: 'https://hotline-ai.cognitiveservices.azure.com/' },
    operationContext,
  });
  return result.callConnectionProperties.callConnectionId ?? '';
}

describe('createCall', () => {
  it('answers 201 with the call connecting; a callee who answers brings CallConnected with the operationContext', async () => {
    const to = callee();
    const ringing = h.emulator.caller.nextRinging({ to });
    const id = await place(to);
    const handle = await ringing;
    expect(handle).toMatchObject({ direction: 'outbound', from: HOTLINE, to, state: 'ringing', callConnectionId: id });
    const request = h.emulator.requests.find((r) => r.path === '/calling/callConnections' && r.method === 'POST' && r.callConnectionId === id);
    expect(request).toMatchObject({ status: 201, apiVersion: '2026-03-12' });
    expect(request?.body).toMatchObject({
      targets: [{ kind: 'phoneNumber', phoneNumber: { value: to } }],
      sourceCallerIdNumber: { value: HOTLINE },
      callbackUri: `${h.receiverUrl}${CALLBACK_PATH}`,
      operationContext: 'outbound:req-1:1',
      callIntelligenceOptions: { cognitiveServicesEndpoint: 'https://hotline-ai.cognitiveservices.azure.com/' },
    });
    handle.answer();
    const connected = await h.waitForCallback(id, 'CallConnected');
    expect(connected).toMatchObject({ jwtValid: true, data: { operationContext: 'outbound:req-1:1', resultInformation: { code: 200, subCode: 0 } } });
    const media = h.client.getCallConnection(id).getCallMedia();
    await media.playToAll([{ kind: 'textSource', text: 'Hello there', voiceName: 'en-US-ElizabethNeural' }], { operationContext: 'hello' });
    expect((await handle.nextPrompt()).text).toBe('Hello there');
    handle.hangUp();
    expect((await h.waitForCallback(id, 'CallDisconnected')).data.resultInformation).toMatchObject({ code: 200, subCode: 540000 });
  });

  it.each([
    ['busy', { kind: 'busy' } as const, 486, 560486, 'busy'],
    ['declined', { kind: 'decline' } as const, 603, 560603, 'declined'],
    ['never answered', { kind: 'noAnswer' } as const, 408, 560408, 'noAnswer'],
  ])('a callee who is %s ends it with CreateCallFailed', async (_, behaviour, code, subCode, reason) => {
    const to = callee();
    h.emulator.caller.calleeBehaves(to, behaviour);
    const id = await place(to, 'outbound:req-2:1');
    const failed = await h.waitForCallback(id, 'CreateCallFailed');
    expect(failed.data).toMatchObject({ callConnectionId: id, operationContext: 'outbound:req-2:1', resultInformation: { code, subCode } });
    const handle = h.emulator.caller.calls.find((c) => c.callConnectionId === id);
    expect(handle?.ended).toMatchObject({ kind: 'notConnected', reason });
    expect(h.callbacksFor(id).map((c) => c.type)).toEqual(['CreateCallFailed']);
  });

  it('a callee who rings until the window closes is a no answer too, and the app may hang up a ringing call', async () => {
    const to = callee();
    const id = await place(to);
    expect((await h.waitForCallback(id, 'CreateCallFailed')).data.resultInformation).toMatchObject({ code: 408 });
    const other = callee();
    const ringing = h.emulator.caller.nextRinging({ to: other });
    const second = await place(other);
    await ringing;
    await h.client.getCallConnection(second).hangUp(true);
    expect((await h.waitForCallback(second, 'CallDisconnected')).data.resultInformation).toMatchObject({ code: 200, subCode: 7000 });
  });

  it('refuses a body the spec refuses: no targets, an unknown field, a phone target without a caller id', async () => {
    const callbackUri = `${h.receiverUrl}${CALLBACK_PATH}`;
    const target = { kind: 'phoneNumber', phoneNumber: { value: callee() } };
    const refused = await Promise.all([
      h.rawRequest('POST', '/calling/callConnections', { targets: [], callbackUri, sourceCallerIdNumber: { value: HOTLINE } }),
      h.rawRequest('POST', '/calling/callConnections', { targets: [target], callbackUri, sourceCallerIdNumber: { value: HOTLINE }, ringTimeoutSeconds: 30 }),
      h.rawRequest('POST', '/calling/callConnections', { targets: [target], callbackUri }),
    ]);
    expect(refused.map((r) => r.status)).toEqual([400, 400, 400]);
    expect(refused.map((r) => (r.json as { error: { code: string } }).error.code)).toEqual(['8523', '8523', '8523']);
  });
});

describe('createCall with CallDisconnected for refusals', () => {
  let other: Harness;
  beforeAll(async () => {
    other = await startHarness({ outboundFailureEvent: 'CallDisconnected' });
  });
  afterAll(async () => {
    await other.close();
  });

  it('reports a declined call as a CallDisconnected with the same code', async () => {
    const to = callee();
    other.emulator.caller.calleeBehaves(to, { kind: 'decline' });
    const invite = { targetParticipant: { phoneNumber: to }, sourceCallIdNumber: { phoneNumber: HOTLINE } };
    const result = await other.client.createCall(invite, `${other.receiverUrl}${CALLBACK_PATH}`);
    const id = result.callConnectionProperties.callConnectionId ?? '';
    expect((await other.waitForCallback(id, 'CallDisconnected')).data.resultInformation).toMatchObject({ code: 603, subCode: 560603 });
  });
});
