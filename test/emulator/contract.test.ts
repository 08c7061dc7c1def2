// The vendored Call Automation OpenAPI judges the emulator's traffic: non-conforming requests are refused naming the field, invalid events are never sent.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackQueue, CallbackSigner, type CallbackEvent } from '../../tools/acs-emulator/callbacks.js';
import { Contract, ContractViolation, loadContract } from '../../tools/acs-emulator/contract.js';
import { HttpPoster, type PostResult } from '../../tools/acs-emulator/http-client.js';
import { signRequest, TONES } from '../../tools/acs-emulator/index.js';
import { RESULTS } from '../../tools/acs-emulator/results.js';
import { TimerSet } from '../../tools/acs-emulator/timers.js';
import { CALLBACK_PATH, CALLER, restError, startHarness, type Harness } from './harness.js';

const SPEC_DIR = new URL('../../tools/acs-emulator/spec/', import.meta.url);
const STABLE = '2026-03-12';
const PREVIEW = '2025-08-15-preview';
const target = { rawId: `4:${CALLER}`, phoneNumber: { value: CALLER } };
const FIRST_SENT = 'Tue, 01 Dec 2026 21:00:00 GMT';

interface AcsReply {
  status: number;
  error: { code: string; message: string; target?: string } | undefined;
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

/** A signed request with any headers, and any api-version (or none): what the SDK would never send. */
async function send(
  method: string,
  path: string,
  body: unknown,
  options: { apiVersion?: string | null; headers?: Record<string, string> } = {},
): Promise<AcsReply> {
  const version = options.apiVersion === undefined ? STABLE : options.apiVersion;
  const url = new URL(`${h.emulator.url}${path}${version === null ? '' : `?api-version=${version}`}`);
  const raw = body === undefined ? '' : JSON.stringify(body);
  const response = await fetch(url, {
    method,
    headers: { ...signRequest(method, url, raw, h.emulator.accessKey), 'content-type': 'application/json', ...options.headers },
    ...(raw === '' ? {} : { body: raw }),
  });
  const text = await response.text();
  const json = text === '' ? undefined : (JSON.parse(text) as { error?: AcsReply['error'] });
  return { status: response.status, error: json?.error };
}

function dtmf(options: Record<string, unknown> = {}, dtmfOptions: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    recognizeInputType: 'dtmf',
    recognizeOptions: { targetParticipant: target, initialSilenceTimeoutInSeconds: 60, dtmfOptions, ...options },
  };
}

describe('the vendored spec', () => {
  it('is byte for byte the upstream files listed in spec/README.md', () => {
    const readme = readFileSync(new URL('README.md', SPEC_DIR), 'utf8');
    const rows = [...readme.matchAll(/^\| `([^`]+)`[^|]*\| ([0-9a-f]{40}) \| (\d+) \| ([0-9a-f]{64}) \|$/gm)];
    expect(rows.map((row) => row[1])).toEqual([
      'CallAutomation/stable/2026-03-12/communicationservicescallautomation.json',
      'CallAutomation/preview/2025-08-15-preview/communicationservicescallautomation.json',
      'Common/stable/2025-06-30/common.json',
    ]);
    for (const [, file = '', , bytes, sha256] of rows) {
      const content = readFileSync(new URL(file, SPEC_DIR));
      expect({ file, bytes: content.length, sha256: createHash('sha256').update(content).digest('hex') }).toEqual({
        file,
        bytes: Number(bytes),
        sha256,
      });
    }
  });

  it('compiles whole, every operation and definition of both versions, in ajv strict mode', () => {
    const started = performance.now();
    const compiled = new Contract().compileAll();
    // A figure, not a limit: what compiling everything up front would add to each emulator start.
    console.info(`compiled ${compiled} operations and definitions in ${Math.round(performance.now() - started)} ms`);
    expect(compiled).toBeGreaterThan(300);
  });

  it('gives the api-versions the emulator accepts, and the tones it knows', () => {
    const contract = loadContract();
    expect(contract.apiVersions.sort()).toEqual([PREVIEW, STABLE]);
    expect(loadContract()).toBe(contract); // compiled once per process
    for (const version of contract.versions.values()) {
      expect((version.definitions['Tone'] as { enum: string[] }).enum).toEqual([...TONES]);
    }
  });
});

describe('requests the spec refuses get 400 naming the field, and have no effect', () => {
  const refusals: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['a wrong type', dtmf({ interruptPrompt: 'yes' }), 'recognizeOptions.interruptPrompt', /must be boolean/],
    ['an unknown field', dtmf({ speechModel: 'x' }), 'recognizeOptions.speechModel', /is not a field of api-version 2026-03-12/],
    ['an unknown nested field', dtmf({}, { stopTone: 'pound' }), 'recognizeOptions.dtmfOptions.stopTone', /is not a field/],
    ['a value above the maximum', dtmf({ initialSilenceTimeoutInSeconds: 301 }), 'recognizeOptions.initialSilenceTimeoutInSeconds', /<= 300/],
    ['a value below the minimum', dtmf({}, { interToneTimeoutInSeconds: 0 }), 'recognizeOptions.dtmfOptions.interToneTimeoutInSeconds', />= 1/],
    ['a fractional int32', dtmf({}, { interToneTimeoutInSeconds: 2.5 }), 'recognizeOptions.dtmfOptions.interToneTimeoutInSeconds', /must be integer/],
    ['a fractional int64', dtmf({ speechOptions: { endSilenceTimeoutInMs: 1234.5 } }), 'recognizeOptions.speechOptions.endSilenceTimeoutInMs', /must be integer/],
    ['an int32 out of its range', dtmf({}, { maxTonesToCollect: 2 ** 31 }), 'recognizeOptions.dtmfOptions.maxTonesToCollect', /int32/],
    ['a value outside the enum', dtmf({}, { stopTones: ['hash'] }), 'recognizeOptions.dtmfOptions.stopTones[0]', /must be one of "zero"/],
    ['a missing required field', dtmf({ targetParticipant: undefined }), 'recognizeOptions.targetParticipant', /is required/],
    ['a missing required nested field', { recognizeInputType: 'choices', recognizeOptions: { targetParticipant: target, choices: [{ label: 'x' }] } }, 'recognizeOptions.choices[0].phrases', /is required/],
  ];

  it.each(refusals)('%s', async (_what, body, field, why) => {
    const { id } = await h.connectedCall();
    const reply = await send('POST', `/calling/callConnections/${id}:recognize`, body);
    expect(reply.status).toBe(400);
    expect(reply.error).toMatchObject({ code: '8523', target: field });
    expect(reply.error?.message).toContain(field);
    expect(reply.error?.message).toMatch(why);
    const recorded = h.emulator.requests.filter((r) => r.callConnectionId === id && r.path.endsWith(':recognize'));
    expect(recorded.map((r) => [r.status, r.errorCode])).toEqual([[400, '8523']]);
    // Refused before anything happened: a conforming request on the same call runs as the first media operation.
    expect((await send('POST', `/calling/callConnections/${id}:play`, { playSources: [{ kind: 'text', text: { text: 'Hello' } }] })).status).toBe(202);
    await h.waitForCallback(id, 'PlayCompleted', 15_000); // a signal, with room for a loaded machine
    expect(h.callbacksFor(id).map((c) => c.type)).toEqual(['CallConnected', 'ParticipantsUpdated', 'PlayStarted', 'PlayCompleted']);
  });

  it('what SDK 1.6.0 alone puts on the wire for an end silence of 1.005 s (the app\'s pipeline policy rounds it)', async () => {
    const { connection } = await h.connectedCall();
    const error = await restError(
      connection.getCallMedia().startRecognizing({ phoneNumber: CALLER }, { kind: 'callMediaRecognizeSpeechOptions', endSilenceTimeoutInSeconds: 1.005 }),
    );
    // The SDK multiplies: 1.005 * 1e3 = 1004.9999999999999, which ACS's int64 refuses, and so does the emulator.
    expect(error).toMatchObject({ statusCode: 400, code: '8523' });
    expect(error.message).toMatch(/recognizeOptions\.speechOptions\.endSilenceTimeoutInMs: must be integer/);
  });

  it('an unknown field passes where the spec does not close the model (the preview leaves RecognizeOptions open)', async () => {
    const { id } = await h.connectedCall();
    expect((await send('POST', `/calling/callConnections/${id}:recognize`, dtmf({ speechModel: 'x' }), { apiVersion: PREVIEW })).status).toBe(202);
    // ...but not past the preview's own types.
    const fractional = await send('POST', `/calling/callConnections/${id}:recognize`, dtmf({}, { interToneTimeoutInSeconds: 2.5 }), { apiVersion: PREVIEW });
    expect(fractional.error).toMatchObject({ code: '8523', target: 'recognizeOptions.dtmfOptions.interToneTimeoutInSeconds' });
  });

  it('language identification and sentiment are fields of both versions', async () => {
    for (const apiVersion of [STABLE, PREVIEW]) {
      const { id } = await h.connectedCall();
      const body = { ...dtmf({ speechLanguages: ['en-US', 'fr-FR'], enableSentimentAnalysis: true }), recognizeInputType: 'speech' };
      expect((await send('POST', `/calling/callConnections/${id}:recognize`, body, { apiVersion })).status).toBe(202);
    }
  });

  it('an answer without its required callbackUri', async () => {
    const handle = await h.emulator.caller.dial({ from: CALLER, to: '+18005550100' });
    const reply = await send('POST', '/calling/callConnections:answer', { incomingCallContext: handle.incomingCallContext });
    expect(reply).toMatchObject({ status: 400, error: { code: '8523', target: 'callbackUri' } });
    expect(handle.state).toBe('ringing');
  });

  it('a Repeatability-Request-ID without the Repeatability-First-Sent the spec requires with it', async () => {
    const handle = await h.emulator.caller.dial({ from: CALLER, to: '+18005550100' });
    const body = { incomingCallContext: handle.incomingCallContext, callbackUri: `${h.receiverUrl}${CALLBACK_PATH}` };
    const requestId = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const missing = await send('POST', '/calling/callConnections:answer', body, { headers: { 'Repeatability-Request-ID': requestId } });
    expect(missing).toMatchObject({ status: 400, error: { code: '8523', target: 'Repeatability-First-Sent' } });
    expect(missing.error?.message).toMatch(/Repeatability-First-Sent/);
    const malformed = await send('POST', '/calling/callConnections:answer', body, {
      headers: { 'Repeatability-Request-ID': 'request-1', 'Repeatability-First-Sent': FIRST_SENT },
    });
    expect(malformed).toMatchObject({ status: 400, error: { code: '8523', target: 'Repeatability-Request-ID' } });
    const badDate = await send('POST', '/calling/callConnections:answer', body, {
      headers: { 'Repeatability-Request-ID': requestId, 'Repeatability-First-Sent': '2026-12-01T21:00:00Z' },
    });
    expect(badDate).toMatchObject({ status: 400, error: { code: '8523', target: 'Repeatability-First-Sent' } });
    expect(handle.state).toBe('ringing');
    const both = await send('POST', '/calling/callConnections:answer', body, {
      headers: { 'Repeatability-Request-ID': requestId, 'Repeatability-First-Sent': FIRST_SENT },
    });
    expect(both.status).toBe(200);
  });

  it('an unknown api-version, or none', async () => {
    const { id } = await h.connectedCall();
    const unknown = await send('POST', `/calling/callConnections/${id}:recognize`, dtmf(), { apiVersion: '2099-01-01' });
    expect(unknown).toMatchObject({ status: 400, error: { code: 'UnsupportedApiVersion', target: 'api-version' } });
    expect(unknown.error?.message).toMatch(/'2099-01-01'/);
    const none = await send('GET', `/calling/callConnections/${id}`, undefined, { apiVersion: null });
    expect(none).toMatchObject({ status: 400, error: { code: 'MissingApiVersionParameter', target: 'api-version' } });
    // An api-version older than the vendored ones is unknown too: the emulator speaks only what it can check.
    expect((await send('GET', `/calling/callConnections/${id}`, undefined, { apiVersion: '2025-05-15' })).status).toBe(400);
  });

  it('a path or method the spec does not have', async () => {
    const { id } = await h.connectedCall();
    expect(await send('POST', `/calling/callConnections/${id}:dance`, {})).toMatchObject({ status: 404, error: { code: 'NotFound' } });
    expect(await send('PUT', `/calling/callConnections/${id}`, {})).toMatchObject({ status: 405, error: { code: 'MethodNotAllowed' } });
    // In the spec but not emulated: checked first (a bad body is a 400), then 501.
    expect((await send('POST', `/calling/callConnections/${id}:hold`, { targetParticipant: target, extra: 1 })).status).toBe(400);
    expect((await send('POST', `/calling/callConnections/${id}:hold`, { targetParticipant: target })).status).toBe(501);
  });
});

describe('events and replies the spec refuses are never sent', () => {
  class RecordingPoster extends HttpPoster {
    readonly posted: string[] = [];
    override post(_url: string, body: string): Promise<PostResult> {
      this.posted.push(body);
      return Promise.resolve({ status: 200, body: '' });
    }
  }

  // One RSA key for all: generating one takes most of a second.
  let signer: CallbackSigner;
  beforeAll(async () => {
    signer = await CallbackSigner.create('http://emulator.test', 'audience');
  });

  function queue(): { queue: CallbackQueue; poster: RecordingPoster } {
    const poster = new RecordingPoster();
    const quirks = { duplicateNext: 0, reorderNext: 0, duplicateRate: 0, reorderRate: 0, reorderHoldMs: 1_000 };
    const callbackQueue = new CallbackQueue(poster, signer, quirks, { retryDelaysMs: [], random: Math.random }, new TimerSet(1), loadContract(), () => undefined);
    return { queue: callbackQueue, poster };
  }

  const ids = { callConnectionId: 'c1', serverCallId: 's1', correlationId: 'k1' };
  const event = (type: string, fields: Record<string, unknown>, version = STABLE): CallbackEvent => ({
    type,
    callbackUri: 'http://app.test/api/callbacks',
    operationContext: 'menu',
    resultInformation: RESULTS.stopTone,
    version,
    fields,
  });

  it.each<[string, CallbackEvent, RegExp]>([
    ['a tone outside the enum', event('RecognizeCompleted', { recognitionType: 'dtmf', dtmfResult: { tones: ['one', 'hash'] } }), /dtmfResult\.tones\[1\]/],
    ['a field the event does not have', event('RecognizeFailed', { recognitionType: 'dtmf' }), /RecognizeFailed .*recognitionType: is not a field/],
    ['a fractional int32', event('PlayFailed', { failedPlaySourceIndex: 0.5 }), /failedPlaySourceIndex: must be integer/],
    ['an event the spec does not define', event('RecognizeTimedOut', {}), /RecognizeTimedOut is not an event of api-version 2026-03-12/],
    ['an api-version that is not vendored', event('CallConnected', {}, '2099-01-01'), /api-version 2099-01-01 is not vendored/],
  ])('%s', async (_what, invalid, why) => {
    const { queue: q, poster } = queue();
    expect(() => q.enqueue(ids, invalid)).toThrow(ContractViolation);
    expect(() => q.enqueue(ids, invalid)).toThrow(why);
    q.enqueue(ids, event('RecognizeCompleted', { recognitionType: 'dtmf', dtmfResult: { tones: ['one', 'pound'] } }));
    await q.flush();
    // Only the valid event went out; version and publicEventType ride along in data, as on every real event.
    expect(poster.posted.map((body) => (JSON.parse(body) as Array<{ type: string; data: Record<string, unknown> }>)[0])).toMatchObject([
      { type: 'Microsoft.Communication.RecognizeCompleted', data: { version: STABLE, publicEventType: 'Microsoft.Communication.RecognizeCompleted' } },
    ]);
  });

  it('a reply the operation does not declare, or with a body its model refuses', () => {
    const contract = loadContract();
    expect(() => contract.assertReply(STABLE, 'CallMedia_Recognize', 200, undefined)).toThrow(/allows 202, default/);
    expect(() => contract.assertReply(STABLE, 'CallConnection_TransferToParticipant', 202, { operationContext: null })).toThrow(/operationContext: must be string/);
    expect(() => contract.assertReply(STABLE, 'CallConnection_GetCall', 404, { error: { code: 8522, message: 'Call not found.' } })).toThrow(/error\.code: must be string/);
    expect(() => contract.assertReply(STABLE, 'CallConnection_GetCall', 404, { error: { code: '8522', message: 'Call not found.' } })).not.toThrow();
  });
});
