// The emulator's REST surface driven by the real SDK: auth, validation, answer, call lifetime, Event Grid, faults.
import { CallAutomationClient, DtmfTone, parseCallAutomationEvent } from '@azure/communication-call-automation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLBACK_PATH, CALLER, HOTLINE, caller, restError, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});


describe('authentication', () => {
  it('rejects a request signed with the wrong key with 401', async () => {
    const { id } = await h.connectedCall();
    const wrongKey = Buffer.alloc(32, 7).toString('base64');
    const intruder = new CallAutomationClient(`endpoint=${h.emulator.url}/;accesskey=${wrongKey}`, {
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 0 },
    });
    const error = await restError(intruder.getCallConnection(id).getCallConnectionProperties());
    expect(error.statusCode).toBe(401);
    expect(error.code).toBe('7509');
    expect(h.emulator.requests.at(-1)?.status).toBe(401);
  });

  it('rejects a body that does not match x-ms-content-sha256', async () => {
    const { id } = await h.connectedCall();
    const url = new URL(`${h.emulator.url}/calling/callConnections/${id}:play?api-version=2026-03-12`);
    const { signRequest } = await import('../../tools/acs-emulator/index.js');
    const headers = signRequest('POST', url, '{"playSources":[]}', h.emulator.accessKey);
    const response = await fetch(url, { method: 'POST', headers, body: '{"playSources":[{"kind":"text"}]}' });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/x-ms-content-sha256/);
  });

  it('serves the OpenID configuration and a JWKS that verifies every callback', async () => {
    const { id } = await h.connectedCall();
    const config = (await (await fetch(h.emulator.openIdConfigurationUrl)).json()) as Record<string, unknown>;
    expect(config['issuer']).toBe(h.emulator.issuer);
    expect(config['jwks_uri']).toBe(`${h.emulator.url}/calling/keys`);
    expect(h.callbacksFor(id).every((c) => c.jwtValid)).toBe(true);
  });
});

describe('answer', () => {
  it('answers an incoming call delivered through Event Grid and sends CallConnected', async () => {
    const handle = await h.emulator.caller.dial({ from: CALLER, to: HOTLINE, callerDisplayName: 'Ada' });
    const post = h.eventGridPosts.find((p) => (p.body[0]?.['data'] as { serverCallId?: string }).serverCallId === handle.serverCallId);
    expect(post?.headers['aeg-event-type']).toBe('Notification');
    expect(post?.headers['aeg-delivery-count']).toBe('0');
    const event = post?.body[0] ?? {};
    expect(event['eventType']).toBe('Microsoft.Communication.IncomingCall');
    expect(event['subject']).toBe(`/caller/4:${CALLER}/recipient/4:${HOTLINE}`);
    const data = event['data'] as Record<string, unknown>;
    expect(data['from']).toEqual({ kind: 'phoneNumber', rawId: `4:${CALLER}`, phoneNumber: { value: CALLER } });
    expect(data['incomingCallContext']).toBe(handle.incomingCallContext);

    const answered = await h.client.answerCall(String(data['incomingCallContext']), `${h.receiverUrl}${CALLBACK_PATH}`, {
      operationContext: 'answer-ctx',
    });
    const props = answered.callConnectionProperties;
    expect(props.callConnectionState).toBe('connecting');
    expect(props.correlationId).toBe(data['correlationId']);
    const id = props.callConnectionId ?? '';
    const connected = await h.waitForCallback(id, 'CallConnected');
    expect(connected.url).toBe(CALLBACK_PATH);
    expect(connected.jwtValid).toBe(true);
    expect(connected.event).toMatchObject({
      source: `calling/callConnections/${id}`,
      subject: `calling/callConnections/${id}`,
      specversion: '1.0',
      datacontenttype: 'application/json',
    });
    expect(String(connected.event['time'])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$/);
    expect(connected.data).toMatchObject({
      callConnectionId: id,
      serverCallId: handle.serverCallId,
      correlationId: handle.correlationId,
      operationContext: 'answer-ctx',
      resultInformation: { code: 200, subCode: 0 },
      version: '2026-03-12',
      publicEventType: 'Microsoft.Communication.CallConnected',
    });
    expect(parseCallAutomationEvent(JSON.stringify([connected.event])).kind).toBe('CallConnected');
    const state = await answered.callConnection.getCallConnectionProperties();
    expect(state.callConnectionState).toBe('connected');
  });

  it('refuses to answer the same call twice (a redelivered IncomingCall)', async () => {
    const handle = await h.emulator.caller.dial({ from: CALLER, to: HOTLINE, duplicateDelivery: 1 });
    const posts = h.eventGridPosts.filter(
      (p) => (p.body[0]?.['data'] as { serverCallId?: string }).serverCallId === handle.serverCallId,
    );
    expect(posts.map((p) => p.headers['aeg-delivery-count'])).toEqual(['0', '1']);
    expect(posts[0]?.body[0]?.['id']).toBe(posts[1]?.body[0]?.['id']);

    await h.client.answerCall(handle.incomingCallContext, `${h.receiverUrl}${CALLBACK_PATH}`);
    const error = await restError(h.client.answerCall(handle.incomingCallContext, `${h.receiverUrl}${CALLBACK_PATH}`));
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('8585');
    expect(await h.emulator.caller.redeliverIncomingCall(handle.callId)).toBe(200);
  });

  it('a call not answered within the ring window is missed, and answering it fails with 404/8587', async () => {
    const handle = await h.emulator.caller.dial({ from: CALLER, to: HOTLINE, ringWindowMs: 50 });
    const end = await handle.waitForEnd({ timeoutMs: 5000 });
    expect(end.kind).toBe('missed');
    const error = await restError(h.client.answerCall(handle.incomingCallContext, `${h.receiverUrl}${CALLBACK_PATH}`));
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('8587');
  });

  it('rejects an unknown incomingCallContext with 400/8523', async () => {
    const error = await restError(h.client.answerCall('not-a-context', `${h.receiverUrl}${CALLBACK_PATH}`));
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('8523');
  });

  it('runs the Event Grid subscription validation handshake', async () => {
    const result = await h.emulator.caller.validateSubscription();
    expect(result.ok).toBe(true);
    expect(h.eventGridPosts.at(-1)?.headers['aeg-event-type']).toBe('SubscriptionValidation');
  });
});

describe('validation', () => {
  it('answers 400/8523 naming the field for an out-of-range SDK request', async () => {
    const { connection } = await h.connectedCall();
    const error = await restError(
      connection.getCallMedia().startRecognizing(caller, {
        kind: 'callMediaRecognizeDtmfOptions',
        initialSilenceTimeoutInSeconds: 301,
      }),
    );
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('8523');
    expect(error.message).toMatch(/recognizeOptions\.initialSilenceTimeoutInSeconds/);

    const interTone = await restError(
      connection.getCallMedia().startRecognizing(caller, {
        kind: 'callMediaRecognizeDtmfOptions',
        interToneTimeoutInSeconds: 61,
        stopDtmfTones: [DtmfTone.Pound],
      }),
    );
    expect(interTone.message).toMatch(/interToneTimeoutInSeconds/);
  });

  it('names nested fields of raw bodies: choices, playSources, recognizeInputType, targetParticipant', async () => {
    const { id } = await h.connectedCall();
    const path = `/calling/callConnections/${id}:recognize`;
    const target = { rawId: `4:${CALLER}`, phoneNumber: { value: CALLER } };
    const cases: Array<[unknown, RegExp]> = [
      [{ recognizeInputType: 'choices', recognizeOptions: { targetParticipant: target, choices: [{ phrases: ['x'] }] } }, /recognizeOptions\.choices\[0\]\.label/],
      [{ recognizeInputType: 'choices', recognizeOptions: { targetParticipant: target } }, /recognizeOptions\.choices/],
      [{ recognizeInputType: 'voice', recognizeOptions: { targetParticipant: target } }, /recognizeInputType/],
      [{ recognizeInputType: 'dtmf', recognizeOptions: {} }, /recognizeOptions\.targetParticipant/],
      [{ recognizeInputType: 'dtmf', recognizeOptions: { targetParticipant: target, initialSilenceTimeoutInSeconds: 301 } }, /initialSilenceTimeoutInSeconds/],
      [{ recognizeInputType: 'dtmf', recognizeOptions: { targetParticipant: target, dtmfOptions: { stopTones: ['hash'] } } }, /stopTones\[0\]/],
    ];
    for (const [body, field] of cases) {
      const response = await h.rawRequest('POST', path, body);
      expect(response.status).toBe(400);
      expect((response.json as { error: { code: string; message: string } }).error).toMatchObject({ code: '8523', message: expect.stringMatching(field) as unknown });
    }
    const play = await h.rawRequest('POST', `/calling/callConnections/${id}:play`, { playTo: [] });
    expect(play.status).toBe(400);
    expect(JSON.stringify(play.json)).toMatch(/playSources/);
  });
});

describe('call lifetime', () => {
  it('terminate sends CallDisconnected 200/7000, then the call is 404/8522', async () => {
    const { connection, id, handle } = await h.connectedCall();
    await connection.hangUp(true);
    const disconnected = await h.waitForCallback(id, 'CallDisconnected');
    expect(disconnected.data.resultInformation).toMatchObject({ code: 200, subCode: 7000 });
    expect((await handle.waitForEnd()).kind).toBe('hungUpByApp');
    const error = await restError(connection.getCallConnectionProperties());
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('8522');
    const terminate = h.emulator.requests.find((r) => r.callConnectionId === id && r.path.endsWith(':terminate'));
    expect(terminate?.status).toBe(204);
    expect(terminate?.headers['repeatability-request-id']).toBeDefined();
  });

  it('DELETE (hangUp for me) also ends the call', async () => {
    const { connection, id } = await h.connectedCall();
    await connection.hangUp(false);
    await h.waitForCallback(id, 'CallDisconnected');
    const error = await restError(connection.getCallMedia().cancelAllOperations());
    expect(error.code).toBe('8522');
  });

  it('treats a repeated Repeatability-Request-ID as the same request', async () => {
    const { id } = await h.connectedCall();
    const url = new URL(`${h.emulator.url}/calling/callConnections/${id}:terminate?api-version=2026-03-12`);
    const { signRequest } = await import('../../tools/acs-emulator/index.js');
    const send = () =>
      fetch(url, {
        method: 'POST',
        headers: {
          ...signRequest('POST', url, '', h.emulator.accessKey),
          'repeatability-request-id': '0b6f3f5e-1d2c-4b3a-9f8e-7d6c5b4a3f2e',
          'repeatability-first-sent': new Date().toUTCString(),
        },
      });
    const first = await send();
    const second = await send();
    expect([first.status, second.status]).toEqual([204, 204]);
    expect(second.headers.get('repeatability-result')).toBe('accepted');
    expect(h.emulator.requests.filter((r) => r.callConnectionId === id && r.replayed)).toHaveLength(1);
    await h.waitForCallback(id, 'CallDisconnected');
    expect(h.callbacksFor(id).filter((c) => c.type === 'CallDisconnected')).toHaveLength(1);
  });
});

describe('fault injection', () => {
  it('returns the injected status and code for the next matching requests only', async () => {
    const { connection } = await h.connectedCall();
    h.emulator.faults.inject({ method: 'POST', path: /:play$/, status: 503, times: 1, retryAfterSeconds: 1 });
    const error = await restError(connection.getCallMedia().playToAll([{ kind: 'textSource', text: 'hello' }]));
    expect(error.statusCode).toBe(503);
    await connection.getCallMedia().playToAll([{ kind: 'textSource', text: 'hello' }]);

    h.emulator.faults.inject({ path: '^/calling/callConnections/[^/]+$', status: 404, code: '8522', message: 'Call not found.' });
    const notFound = await restError(connection.getCallConnectionProperties());
    expect([notFound.statusCode, notFound.code]).toEqual([404, '8522']);
    expect(h.emulator.requests.at(-1)?.faultInjected).toBe(true);
    expect(h.emulator.faults.pending).toHaveLength(0);
  });
});
