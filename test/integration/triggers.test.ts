import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIncomingCall } from '../../src/adapters/acs/incoming-call';
import { flowVersion } from '../../src/flow/flow-version';
import { loadFlow } from '../../src/app/flow-file';
import { payload } from '../support/payloads';
import { HOTLINE_NUMBER, OPERATOR_NUMBER, STABLE_API_VERSION } from '../../tools/local/constants';
import { OFFICE_HOURS_AT } from '../support/stack';
import { callbackFrom, startTriggerHarness, waitingContext, type TriggerHarness } from '../support/trigger-harness';

let h: TriggerHarness;
beforeAll(async () => {
  h = await startTriggerHarness();
});
afterAll(async () => h?.close());

/** Every request goes out on the stable api-version, language identification and sentiment included. */

/** Answers a call and connects it: the main menu's Recognize is on the wire. */
async function connectedCall() {
  const { call, callConnectionId } = await h.answeredCall();
  const connected = await h.postCallbacks([callbackFrom('recorded-js__callback-body__PlayCompleted.json', callConnectionId, { type: 'CallConnected' })]);
  expect(connected).toEqual({ status: 200, body: { outcomes: ['applied'] } });
  return { call, callConnectionId };
}

/** Posts a sample to the prompt the call is waiting for; returns the ACS requests it caused. */
async function answerPrompt(callConnectionId: string, file: string, data: Record<string, unknown> = {}, time?: string) {
  const before = h.acsRequests(callConnectionId).length;
  const operationContext = waitingContext(await h.state(callConnectionId));
  const response = await h.postCallbacks([callbackFrom(file, callConnectionId, { operationContext, data, ...(time === undefined ? {} : { time }) })]);
  return { response, sent: h.acsRequests(callConnectionId).slice(before) };
}

describe('Event Grid trigger: IncomingCall', () => {
  it('answers with the callback URL and the Cognitive Services endpoint', async () => {
    const { call, callConnectionId } = await h.answeredCall();
    const answer = h.emulator.requests.find((r) => r.path.endsWith(':answer') && r.rawBody.includes(call.incomingCallContext));
    expect(answer?.apiVersion).toBe(STABLE_API_VERSION);
    expect(answer?.body).toMatchObject({
      // Bound to the call: its correlation id and an HMAC of it under CALLBACK_SIGNING_KEY.
      callbackUri: expect.stringMatching(new RegExp(`^http://127\\.0\\.0\\.1:9/api/callbacks\\?call=${call.correlationId}&sig=[\\w-]{43}$`)) as string,
      callIntelligenceOptions: { cognitiveServicesEndpoint: 'https://hotline-ai.cognitiveservices.azure.com/' },
    });
    expect(await h.state(callConnectionId)).toMatchObject({ phase: { name: 'connecting' } });
  });

  it('never answers a redelivered IncomingCall twice, concurrently or later', async () => {
    const call = await h.emulator.caller.dial({ from: '+14255550124', to: HOTLINE_NUMBER });
    const answers = () => h.emulator.requests.filter((r) => r.path.endsWith(':answer') && (r.body as { incomingCallContext?: string }).incomingCallContext === call.incomingCallContext);
    await Promise.all([h.deliverIncomingCall(call.incomingCallEvent), h.deliverIncomingCall(call.incomingCallEvent)]);
    await h.deliverIncomingCall(call.incomingCallEvent);
    expect(answers()).toHaveLength(1);
    expect(h.events.filter((e) => e.name === 'CallNotAnswered' && e.properties['callKey'] === call.correlationId).map((e) => e.properties['reason'])).toEqual(['duplicate', 'duplicate']);
  });

  it('does not answer a call that has rung longer than 30 s', async () => {
    const call = await h.emulator.caller.dial({ from: '+14255550125', to: HOTLINE_NUMBER });
    await h.deliverIncomingCall({ ...call.incomingCallEvent, eventTime: new Date(Date.now() - 31_000).toISOString() });
    expect(h.emulator.requests.filter((r) => r.path.endsWith(':answer') && r.rawBody.includes(call.incomingCallContext))).toEqual([]);
    expect(h.events).toContainEqual({ name: 'CallNotAnswered', properties: { callKey: call.correlationId, reason: 'expired', flowVersion: flowVersion(loadFlow()) } });
  });

  it('acknowledges other event types and malformed IncomingCalls without answering', async () => {
    const answersBefore = h.emulator.requests.filter((r) => r.path.endsWith(':answer')).length;
    await h.deliverIncomingCall({ id: 'x', eventType: 'Microsoft.Communication.CallStarted', eventTime: new Date().toISOString(), data: {} });
    await h.deliverIncomingCall({ id: 'y', eventType: 'Microsoft.Communication.IncomingCall', eventTime: new Date().toISOString(), data: { correlationId: 'c' } });
    expect(h.emulator.requests.filter((r) => r.path.endsWith(':answer'))).toHaveLength(answersBefore);
  });

  it('reads the Event Grid and CloudEvents schema samples', () => {
    for (const file of ['eventgrid__event-grid-schema__incoming_call.json', 'eventgrid__cloud-events-schema__incoming_call.json']) {
      const sample = payload<Record<string, unknown>>(file);
      expect(parseIncomingCall(sample, '2026-01-01T00:00:00Z')).toMatchObject({ kind: 'incomingCall', call: { correlationId: 'correlationId', callerRawId: '{caller-id}' } });
    }
  });
});

describe('HTTP trigger: every callback type moves the call, checked on the wire', () => {
  it('CallConnected starts the main menu: a choices Recognize on the stable api-version with identification languages', async () => {
    const { callConnectionId } = await connectedCall();
    const [recognize] = h.acsRequests(callConnectionId).filter((r) => r.path.endsWith(':recognize'));
    expect(recognize?.status).toBe(202); // the emulator verified the HMAC signature over the rewritten body and URL
    expect(recognize?.apiVersion).toBe(STABLE_API_VERSION);
    expect(recognize?.body).toMatchObject({
      recognizeInputType: 'choices',
      interruptCallMediaOperation: true,
      operationContext: expect.stringMatching(/^main-menu:1:1:k[0-9a-f]{16}$/) as string,
      playPrompts: [{ kind: 'text', text: { voiceName: 'en-US-NancyNeural', sourceLocale: 'en-US' } }],
      recognizeOptions: {
        interruptPrompt: true,
        initialSilenceTimeoutInSeconds: 10,
        speechLanguage: 'en-US',
        speechLanguages: ['en-US', 'es-ES'],
        targetParticipant: { rawId: '4:+14255550123' },
        choices: expect.arrayContaining([{ label: 'account', phrases: ['account', 'my account', 'cuenta', 'mi cuenta'], tone: 'two' }]) as unknown[],
      },
    });
    expect(recognize?.body).not.toHaveProperty('recognizeOptions.enableSentimentAnalysis');
  });

  it('RecognizeCompleted (choice by key, 8533) opens the account menu: a DTMF Recognize with no language or sentiment fields', async () => {
    const { callConnectionId } = await connectedCall();
    const { response, sent } = await answerPrompt(callConnectionId, 'RecognizeCompleted__choices__8533-dtmf-option-matched.json', { choiceResult: { label: 'account' } });
    expect(response.status).toBe(200);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.apiVersion).toBe(STABLE_API_VERSION);
    expect(sent[0]?.body).toMatchObject({
      recognizeInputType: 'dtmf',
      recognizeOptions: { initialSilenceTimeoutInSeconds: 15, dtmfOptions: { interToneTimeoutInSeconds: 5, maxTonesToCollect: 10, stopTones: ['pound'] } },
    });
    expect(JSON.stringify(sent[0]?.body)).not.toMatch(/speechLanguages|enableSentimentAnalysis/);
  });

  it('RecognizeCompleted (dtmf, 8514) keeps the digits and asks for confirmation by speech or key', async () => {
    const { callConnectionId } = await connectedCall();
    await answerPrompt(callConnectionId, 'RecognizeCompleted__choices__8533-dtmf-option-matched.json', { choiceResult: { label: 'account' } });
    const { sent } = await answerPrompt(callConnectionId, 'RecognizeCompleted__dtmf__8514-stop-tone.json', { dtmfResult: { tones: ['four', 'two'] } });
    expect(sent[0]?.body).toMatchObject({
      recognizeInputType: 'speechOrDtmf',
      playPrompts: [{ text: { text: expect.stringContaining('You entered 4 2.') as string } }],
      recognizeOptions: { dtmfOptions: { maxTonesToCollect: 1 }, speechOptions: { endSilenceTimeoutInMs: 1000 } },
    });
    expect((await h.state(callConnectionId))?.collected['account']).toEqual({ kind: 'dtmf', tones: '42' });
  });

  it.each([
    ['RecognizeFailed__8510-initial-silence-timeout.json', "Sorry, I didn't hear anything."],
    ['RecognizeFailed__8532-inter-digit-timeout.json', 'That number looks incomplete.'],
    ['RecognizeFailed__8534-incorrect-tone.json', 'Sorry, that key is not an option.'],
    ['RecognizeFailed__8547-speech-option-not-matched.json', 'Sorry, that is not one of the options.'],
    ['RecognizeFailed__8563-speech-not-recognized.json', "Sorry, I couldn't understand that."],
    ['RecognizeCanceled__8508.json', "Let's try that again."],
  ])('%s reprompts with its own words', async (file, words) => {
    const { callConnectionId } = await connectedCall();
    const { response, sent } = await answerPrompt(callConnectionId, file);
    expect(response.status).toBe(200);
    expect(sent.map((r) => r.path.split(':').at(-1))).toEqual(['recognize']);
    expect((sent[0]?.body as { playPrompts: Array<{ text: { text: string } }> }).playPrompts[0]?.text.text).toContain(words);
    expect(sent[0]?.body).toMatchObject({ operationContext: expect.stringMatching(/^main-menu:2:2:k[0-9a-f]{16}$/) as string });
  });

  it('RecognizeFailed 8511 apologises, says goodbye, and PlayCompleted then hangs up', async () => {
    const { callConnectionId } = await connectedCall();
    const apology = await answerPrompt(callConnectionId, 'RecognizeFailed__8511-play-prompt-failed.json');
    expect(apology.sent[0]?.path).toMatch(/:play$/);
    expect(apology.sent[0]?.body).toMatchObject({ playSources: [{ text: { text: expect.stringContaining("We're sorry") as string } }, { text: { text: expect.stringContaining('Goodbye') as string } }] });
    const end = await answerPrompt(callConnectionId, 'recorded-js__callback-body__PlayCompleted.json');
    expect(end.sent.map((r) => `${r.method} ${r.path.split(':').at(-1) ?? ''}`)).toEqual(['POST terminate']);
  });

  it('PlayFailed during a message apologises instead of going silent', async () => {
    const { callConnectionId } = await connectedCall();
    await answerPrompt(callConnectionId, 'RecognizeCompleted__choices__8545-speech-option-matched.json', { choiceResult: { label: 'hours', recognizedPhrase: 'opening hours' } });
    const { sent } = await answerPrompt(callConnectionId, 'recorded-js__callback-body__PlayFailed-8535.json');
    expect(sent[0]?.body).toMatchObject({ playSources: [{ text: { text: expect.stringContaining("We're sorry") as string } }, {}] });
  });

  it('transfers to the operator; CallTransferAccepted then CallDisconnected ends the call as transferred', async () => {
    const { callConnectionId } = await connectedCall();
    await answerPrompt(callConnectionId, 'RecognizeCompleted__choices__8545-speech-option-matched.json', { choiceResult: { label: 'operator', recognizedPhrase: 'agent' } }, OFFICE_HOURS_AT);
    const transfer = await answerPrompt(callConnectionId, 'recorded-js__callback-body__PlayCompleted.json');
    expect(transfer.sent[0]?.body).toMatchObject({ targetParticipant: { rawId: `4:${OPERATOR_NUMBER}` }, operationContext: expect.stringMatching(/^transfer:3:k[0-9a-f]{16}$/) as string });
    await answerPrompt(callConnectionId, 'java-unit-test__CallTransferAccepted.json');
    expect((await h.state(callConnectionId))?.phase).toEqual({ name: 'transferred' });
    const disconnected = callbackFrom('recorded-js__callback-body__PlayCompleted.json', callConnectionId, { type: 'CallDisconnected' });
    expect((await h.postCallbacks([disconnected])).status).toBe(200);
    expect((await h.state(callConnectionId))?.phase).toEqual({ name: 'ended', outcome: 'transferred' });
  });

  it('CallTransferFailed apologises and ends the call', async () => {
    const { callConnectionId } = await connectedCall();
    await answerPrompt(callConnectionId, 'RecognizeCompleted__choices__8545-speech-option-matched.json', { choiceResult: { label: 'operator' } }, OFFICE_HOURS_AT);
    await answerPrompt(callConnectionId, 'recorded-js__callback-body__PlayCompleted.json');
    const { sent } = await answerPrompt(callConnectionId, 'CallTransferFailed__ILLUSTRATIVE-codes.json');
    expect(sent[0]?.body).toMatchObject({ playSources: [{ text: { text: expect.stringContaining("We're sorry") as string } }, {}] });
    expect((await h.state(callConnectionId))?.lastFailure).toBe('transferFailed');
  });

  it('a callback that beats the answer\'s response starts the call from the incoming-call claim', async () => {
    const { call, callConnectionId } = await h.answeredCall();
    // As if CallConnected arrived before the trigger had written the call's state row.
    await h.app.table.deleteEntity(callConnectionId, 'state');
    const connected = callbackFrom('recorded-js__callback-body__PlayCompleted.json', callConnectionId, { type: 'CallConnected', data: { correlationId: call.correlationId } });
    expect(await h.postCallbacks([connected])).toEqual({ status: 200, body: { outcomes: ['applied'] } });
    expect((await h.state(callConnectionId))?.phase).toMatchObject({ name: 'awaitingInput', menuId: 'main' });
    expect(h.acsRequests(callConnectionId).find((r) => r.path.endsWith(':recognize'))).toMatchObject({ status: 202, body: { recognizeOptions: { targetParticipant: { rawId: '4:+14255550123' } } } });
  });

  it('CallDisconnected mid-menu ends the call as abandoned and sends nothing', async () => {
    const { callConnectionId } = await connectedCall();
    const before = h.acsRequests(callConnectionId).length;
    expect((await h.postCallbacks([callbackFrom('recorded-js__callback-body__PlayCompleted.json', callConnectionId, { type: 'CallDisconnected' })])).status).toBe(200);
    expect((await h.state(callConnectionId))?.phase).toEqual({ name: 'ended', outcome: 'abandoned' });
    expect(h.acsRequests(callConnectionId)).toHaveLength(before);
  });
});

describe('HTTP trigger: replays, batches, unknown and malformed input', () => {
  it('a replayed callback changes nothing and sends no second request', async () => {
    const { callConnectionId } = await connectedCall();
    const operationContext = waitingContext(await h.state(callConnectionId));
    const event = callbackFrom('RecognizeFailed__8510-initial-silence-timeout.json', callConnectionId, { operationContext });
    const results = await Promise.all([h.postCallbacks([event]), h.postCallbacks([event])]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    await h.postCallbacks([event]);
    expect(h.acsRequests(callConnectionId).filter((r) => r.path.endsWith(':recognize'))).toHaveLength(2);
    expect((await h.state(callConnectionId))?.phase).toMatchObject({ attempt: 2 });
  });

  it('processes every event of a batch, in order', async () => {
    const { callConnectionId } = await connectedCall();
    const operationContext = waitingContext(await h.state(callConnectionId));
    const started = callbackFrom('recorded-js__callback-body__PlayStarted.json', callConnectionId, { operationContext });
    const failed = callbackFrom('RecognizeFailed__8510-initial-silence-timeout.json', callConnectionId, { operationContext });
    const response = await h.postCallbacks([started, failed]);
    expect(response).toEqual({ status: 200, body: { outcomes: ['notActionable', 'applied'] } });
  });

  it('acknowledges an unknown event type and an event for an unknown call without acting', async () => {
    const requestsBefore = h.emulator.requests.length;
    const unknown = callbackFrom('recorded-js__callback-body__PlayStarted.json', 'no-such-call', { type: 'FutureThing' });
    const orphan = callbackFrom('RecognizeFailed__8510-initial-silence-timeout.json', 'no-such-call', { data: { correlationId: 'nobody' } });
    expect(await h.postCallbacks([{ ...unknown, data: { ...(unknown['data'] as object), correlationId: 'nobody' } }, orphan])).toEqual({ status: 200, body: { outcomes: ['unknownType', 'orphan'] } });
    expect(await h.state('no-such-call')).toBeUndefined();
    expect(h.emulator.requests).toHaveLength(requestsBefore);
  });

  it.each([
    ['not JSON', '{"oops', 'body is not valid JSON'],
    ['an object', { type: 'Microsoft.Communication.CallConnected' }, 'body must be a JSON array of CloudEvents'],
    ['an empty array', [], 'must hold at least one event'],
    ['an event without data', [{ id: '1', type: 'Microsoft.Communication.CallConnected' }], 'events[0].data'],
  ])('rejects %s with 400 naming the problem, writing and sending nothing', async (_, body, error) => {
    const requestsBefore = h.emulator.requests.length;
    const response = await h.postCallbacks(body);
    expect(response.status).toBe(400);
    expect((response.body as { error: string }).error).toContain(error);
    expect(h.emulator.requests).toHaveLength(requestsBefore);
  });

  it('refuses a body over 64 KiB with 413 before parsing', async () => {
    const response = await h.postCallbacks('x'.repeat(64 * 1024 + 1));
    expect(response).toEqual({ status: 413, body: { error: 'body is larger than 65536 bytes' } });
  });
});

describe('privacy at rest', () => {
  it('no table row holds a caller\'s phone number, in keys or values', async () => {
    // A call of its own, through the menus that store what the caller gave: claim, state, markers, collected digits.
    const { call, callConnectionId } = await connectedCall();
    await answerPrompt(callConnectionId, 'RecognizeCompleted__choices__8533-dtmf-option-matched.json', { choiceResult: { label: 'account' } });
    await answerPrompt(callConnectionId, 'RecognizeCompleted__dtmf__8514-stop-tone.json', { dtmfResult: { tones: ['four', 'two'] } });
    const rows: string[] = [];
    for await (const entity of h.app.table.listEntities()) rows.push(JSON.stringify(entity));
    const ofThisCall = rows.filter((row) => row.includes(callConnectionId) || row.includes(call.correlationId));
    expect(ofThisCall.length).toBeGreaterThanOrEqual(5); // the claim, the state row and one marker per callback
    expect(ofThisCall.some((row) => row.includes('callerSealed'))).toBe(true);
    // Every caller in these tests dials from +1425555xxxx; GUIDs and times hold long digit runs, so match the number itself.
    expect(rows.filter((row) => /\+\d{7,15}|1425555\d{4}/.test(row))).toEqual([]);
  });
});
