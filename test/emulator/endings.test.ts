// How calls end: transfer accepted/failed, the caller hanging up mid-prompt, and the caller API over HTTP (with SSE).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLER, HOTLINE, caller, restError, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const AGENT = '+18005550199';
const BROKEN_AGENT = '+18005550666';

describe('transfer', () => {
  it('is accepted (7015), then the app leg is disconnected', async () => {
    const { connection, id, handle } = await h.connectedCall();
    const result = await connection.transferCallToParticipant({ phoneNumber: AGENT }, { operationContext: 'xfer' });
    expect(result.operationContext).toBe('xfer');
    const accepted = await h.waitForCallback(id, 'CallTransferAccepted');
    expect(accepted.data).toMatchObject({
      operationContext: 'xfer',
      resultInformation: { code: 200, subCode: 7015 },
      transferTarget: { rawId: `4:${AGENT}`, phoneNumber: { value: AGENT } },
      transferee: { rawId: `4:${CALLER}` },
    });
    await h.waitForCallback(id, 'CallDisconnected');
    expect(await handle.waitForEnd()).toMatchObject({ kind: 'transferred', target: AGENT });
  });

  it('fails with CallTransferFailed for a configured failing target, and the call goes on', async () => {
    h.emulator.caller.transferFailsFor([BROKEN_AGENT]);
    const { connection, id, handle } = await h.connectedCall();
    await connection.transferCallToParticipant({ phoneNumber: BROKEN_AGENT }, { operationContext: 'xfer-broken' });
    const failed = await h.waitForCallback(id, 'CallTransferFailed');
    expect(failed.data).toMatchObject({ operationContext: 'xfer-broken', resultInformation: { code: 400 } });
    expect((await connection.getCallConnectionProperties()).callConnectionState).toBe('connected');
    expect(handle.ended).toBeUndefined();

    const perCall = await h.connectedCall({ failTransfers: true });
    await perCall.connection.transferCallToParticipant({ phoneNumber: AGENT });
    await h.waitForCallback(perCall.id, 'CallTransferFailed');
  });
});

describe('caller hang-up', () => {
  it('mid-prompt: CallDisconnected 200/540000, no recognize result, then 404', async () => {
    const { connection, id, handle } = await h.connectedCall();
    const longRecognize = {
      kind: 'callMediaRecognizeDtmfOptions',
      playPrompt: { kind: 'textSource', text: Array.from({ length: 1500 }, () => 'wait').join(' ') },
      initialSilenceTimeoutInSeconds: 1,
    } as const;
    await connection.getCallMedia().startRecognizing(caller, longRecognize);
    await handle.nextPrompt();
    handle.hangUp();
    const disconnected = await h.waitForCallback(id, 'CallDisconnected');
    expect(disconnected.data.resultInformation).toEqual({
      code: 200,
      subCode: 540000,
      message: 'Call ended successfully by local PSTN caller.',
    });
    expect((await handle.waitForEnd()).kind).toBe('callerHungUp');
    const error = await restError(connection.getCallMedia().cancelAllOperations());
    expect([error.statusCode, error.code]).toEqual([404, '8522']);
    // Nothing follows CallDisconnected: the timers of the recognize died with the call. A twin call that starts the
    // same Recognize after the hang-up gets its 8510; this call's, had it outlived the call, was due before that.
    const twin = await h.connectedCall();
    await twin.connection.getCallMedia().startRecognizing(caller, longRecognize);
    expect((await h.waitForCallback(twin.id, 'RecognizeFailed', 15_000)).data.resultInformation).toMatchObject({ subCode: 8510 });
    expect(h.callbacksFor(id).filter((c) => c.type.startsWith('Recognize'))).toHaveLength(0);
  });

  it('records a timeline of the whole call', async () => {
    const { connection, handle } = await h.connectedCall();
    await connection.getCallMedia().playToAll([{ kind: 'textSource', text: 'Goodbye' }]);
    await handle.nextPrompt();
    await connection.hangUp(true);
    await handle.waitForEnd();
    const kinds = new Set(handle.timeline.map((e) => e.kind));
    for (const kind of ['dialed', 'incomingCallDelivered', 'answered', 'request', 'promptHeard', 'ended'] as const) {
      expect(kinds.has(kind)).toBe(true);
    }
  });

  it('hands each new timeline entry to subscribers until they unsubscribe', async () => {
    const { connection, handle } = await h.connectedCall();
    const seen: string[] = [];
    const unsubscribe = handle.subscribe((entry) => seen.push(entry.summary));
    const before = handle.timeline.length;
    await connection.getCallMedia().playToAll([{ kind: 'textSource', text: 'Hello there' }]);
    await handle.nextPrompt();
    expect(seen).toEqual(handle.timeline.slice(before).map((entry) => entry.summary));
    expect(seen).toContain('heard text: Hello there');

    unsubscribe();
    const count = seen.length;
    await connection.hangUp(true);
    await handle.waitForEnd();
    expect(seen).toHaveLength(count);
  });
});

describe('caller API over HTTP', () => {
  it('dials, presses, streams events and hangs up', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${h.emulator.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const dialed = (await (await post('/emulator/calls', { from: CALLER, to: HOTLINE })).json()) as { callId: string; incomingCallContext: string };
    const answered = await h.client.answerCall(dialed.incomingCallContext, `${h.receiverUrl}/api/callbacks`);
    const id = answered.callConnectionProperties.callConnectionId ?? '';
    await answered.callConnection.getCallMedia().startRecognizing(caller, {
      kind: 'callMediaRecognizeDtmfOptions',
      maxTonesToCollect: 2,
      initialSilenceTimeoutInSeconds: 60,
      interToneTimeoutInSeconds: 60,
      playPrompt: { kind: 'textSource', text: 'Enter two digits' },
    });

    const stream = await fetch(`${h.emulator.url}/emulator/calls/${dialed.callId}/events`);
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    expect((await post(`/emulator/calls/${dialed.callId}/dtmf`, { tones: '42' })).status).toBe(202);
    const completed = await h.waitForCallback(id, 'RecognizeCompleted');
    expect(completed.data).toMatchObject({ dtmfResult: { tones: ['four', 'two'] } });
    expect((await post(`/emulator/calls/${dialed.callId}/hangup`, {})).status).toBe(202);

    const text = await stream.text(); // the stream ends with the call
    expect(text).toMatch(/event: promptHeard\ndata: .*Enter two digits/);
    expect(text).toMatch(/event: ended/);

    const state = (await (await fetch(`${h.emulator.url}/emulator/calls/${dialed.callId}`)).json()) as {
      state: string;
      ended: { kind: string };
      prompts: unknown[];
    };
    expect(state).toMatchObject({ state: 'disconnected', ended: { kind: 'callerHungUp' } });
    expect(state.prompts).toHaveLength(1);
  });
});

describe('caller API event stream', () => {
  it('ends with the call when the app hangs up, though the hang-up request is recorded after the end', async () => {
    const { connection, handle } = await h.connectedCall();
    const stream = await fetch(`${h.emulator.url}/emulator/calls/${handle.callId}/events`);
    await connection.hangUp(true);
    expect(handle.timeline.slice(-2).map((entry) => entry.kind)).toEqual(['ended', 'request']);
    expect((await stream.text()).trimEnd()).toMatch(/event: ended\ndata: [^\n]*$/);
  });
});

describe('delivery quirks', () => {
  it('can duplicate a callback (same CloudEvent id) and reorder two callbacks of a call', async () => {
    const { connection, id } = await h.connectedCall();
    h.emulator.callbackQuirks.duplicateNext = 1;
    await connection.getCallMedia().playToAll([{ kind: 'textSource', text: 'one' }], { operationContext: 'dup' });
    await h.waitForCallback(id, 'PlayCompleted');
    const started = h.callbacksFor(id).filter((c) => c.type === 'PlayStarted');
    expect(started).toHaveLength(2);
    expect(started[0]?.event['id']).toBe(started[1]?.event['id']);

    const second = await h.connectedCall();
    h.emulator.callbackQuirks.reorderNext = 1;
    await second.connection.getCallMedia().playToAll([{ kind: 'textSource', text: 'two' }]);
    await h.waitForCallback(second.id, 'PlayStarted');
    const types = h.callbacksFor(second.id).map((c) => c.type);
    expect(types.indexOf('PlayCompleted')).toBeLessThan(types.indexOf('PlayStarted'));
  });
});
