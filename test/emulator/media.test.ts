// Recognize and play semantics, driven by the real SDK and a scripted caller.
import { DtmfTone, type CallConnection } from '@azure/communication-call-automation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

// With timeScale 0.02, 60 s of initial silence is 1.2 real seconds: long enough never to fire by accident.
const PATIENT = 60;
// ~1.8 s at timeScale 0.02: input sent right after the prompt starts lands inside it even on a loaded machine.
const LONG_PROMPT = Array.from({ length: 1500 }, () => 'please').join(' ');
const menu = { kind: 'textSource' as const, text: 'Press one for sales', voiceName: 'en-US-NancyNeural' };

function media(connection: CallConnection) {
  return connection.getCallMedia();
}

async function outcome(id: string): Promise<{ type: string; data: Record<string, unknown> }> {
  const result = await Promise.any([
    h.waitForCallback(id, 'RecognizeCompleted'),
    h.waitForCallback(id, 'RecognizeFailed'),
  ]);
  return { type: result.type, data: result.data };
}

describe('DTMF', () => {
  it('stops at maxTonesToCollect (8531) after PlayStarted and the heard prompt', async () => {
    const { connection, id, handle } = await h.connectedCall();
    await media(connection).startRecognizing(caller, {
      kind: 'callMediaRecognizeDtmfOptions',
      maxTonesToCollect: 3,
      playPrompt: menu,
      initialSilenceTimeoutInSeconds: PATIENT,
      interToneTimeoutInSeconds: PATIENT,
      operationContext: 'menu-main',
    });
    const prompt = await handle.nextPrompt();
    expect(prompt).toMatchObject({ kind: 'text', text: 'Press one for sales', voice: 'en-US-NancyNeural', language: 'en-US' });
    await handle.press('123');
    const result = await outcome(id);
    expect(result.type).toBe('RecognizeCompleted');
    expect(result.data).toMatchObject({
      operationContext: 'menu-main',
      resultInformation: { code: 200, subCode: 8531 },
      recognitionType: 'dtmf',
      dtmfResult: { tones: ['one', 'two', 'three'] },
    });
    const types = h.callbacksFor(id).map((c) => c.type);
    expect(types.indexOf('PlayStarted')).toBeLessThan(types.indexOf('RecognizeCompleted'));
  });

  it('stops at a stop tone (8514) and reports it as the last tone, as ACS does', async () => {
    const { connection, id, handle } = await h.connectedCall();
    await media(connection).startRecognizing(caller, {
      kind: 'callMediaRecognizeDtmfOptions',
      maxTonesToCollect: 10,
      stopDtmfTones: [DtmfTone.Pound],
      initialSilenceTimeoutInSeconds: PATIENT,
      interToneTimeoutInSeconds: PATIENT,
    });
    await handle.press('42#');
    expect((await outcome(id)).data).toMatchObject({ resultInformation: { subCode: 8514 }, dtmfResult: { tones: ['four', 'two', 'pound'] } });
  });

  it('reports the inter-tone timeout as RecognizeCompleted 400/8532 with the partial tones', async () => {
    const { connection, id, handle } = await h.connectedCall();
    await media(connection).startRecognizing(caller, {
      kind: 'callMediaRecognizeDtmfOptions',
      maxTonesToCollect: 4,
      initialSilenceTimeoutInSeconds: PATIENT,
      interToneTimeoutInSeconds: 1,
    });
    await handle.press('12');
    const result = await outcome(id);
    expect(result.type).toBe('RecognizeCompleted');
    expect(result.data).toMatchObject({ resultInformation: { code: 400, subCode: 8532 }, dtmfResult: { tones: ['one', 'two'] } });
  });

  it('fails with 8510 when the caller stays silent', async () => {
    const { connection, id, handle } = await h.connectedCall();
    await media(connection).startRecognizing(caller, {
      kind: 'callMediaRecognizeDtmfOptions',
      playPrompt: menu,
      initialSilenceTimeoutInSeconds: 1,
    });
    handle.silence();
    const result = await outcome(id);
    expect(result.type).toBe('RecognizeFailed');
    expect(result.data).toMatchObject({ resultInformation: { code: 400, subCode: 8510 } });
  });
});

describe('barge-in', () => {
  it('input during an interruptible prompt stops it and is recognised', async () => {
    const { connection, id, handle } = await h.connectedCall();
    await media(connection).startRecognizing(caller, {
      kind: 'callMediaRecognizeDtmfOptions',
      playPrompt: { kind: 'textSource', text: LONG_PROMPT },
      interruptPrompt: true,
      initialSilenceTimeoutInSeconds: PATIENT,
    });
    await handle.nextPrompt();
    await handle.press('7');
    expect((await outcome(id)).data).toMatchObject({ resultInformation: { subCode: 8531 }, dtmfResult: { tones: ['seven'] } });
  });

  it('input during a non-interruptible prompt is discarded', async () => {
    const { connection, id, handle } = await h.connectedCall();
    await media(connection).startRecognizing(caller, {
      kind: 'callMediaRecognizeDtmfOptions',
      playPrompt: { kind: 'textSource', text: LONG_PROMPT },
      interruptPrompt: false,
      initialSilenceTimeoutInSeconds: 1,
    });
    await handle.nextPrompt();
    await handle.press('7');
    expect(handle.timeline.some((e) => e.kind === 'inputIgnored' && /interruptPrompt is false/.test(e.summary))).toBe(true);
    const result = await outcome(id);
    expect(result.data).toMatchObject({ resultInformation: { subCode: 8510 } });
  });
});

describe('choices', () => {
  const choices = [
    { label: 'sales', phrases: ['sales', 'buy'], tone: DtmfTone.One },
    { label: 'support', phrases: ['support', 'technical support'], tone: DtmfTone.Two },
  ];
  const start = (connection: CallConnection) =>
    media(connection).startRecognizing(caller, {
      kind: 'callMediaRecognizeChoiceOptions',
      choices,
      playPrompt: menu,
      initialSilenceTimeoutInSeconds: 20,
      operationContext: 'menu-choices',
    });

  it('matches a spoken phrase case-insensitively (8545)', async () => {
    const { connection, id, handle } = await h.connectedCall();
    await start(connection);
    handle.say('  Technical Support ');
    expect((await outcome(id)).data).toMatchObject({
      resultInformation: { code: 200, subCode: 8545 },
      recognitionType: 'choices',
      choiceResult: { label: 'support', recognizedPhrase: 'technical support' },
    });
  });

  it('matches a key to the choice tone (8533) without recognizedPhrase', async () => {
    const { connection, id, handle } = await h.connectedCall();
    await start(connection);
    await handle.press('1');
    const result = await outcome(id);
    expect(result.data).toMatchObject({ resultInformation: { subCode: 8533 }, choiceResult: { label: 'sales' } });
    expect(result.data['choiceResult']).not.toHaveProperty('recognizedPhrase');
  });

  it('fails with 8547 for an unmatched phrase and 8534 for an unmatched key', async () => {
    const phrase = await h.connectedCall();
    await start(phrase.connection);
    phrase.handle.say('banana');
    expect(await outcome(phrase.id)).toMatchObject({ type: 'RecognizeFailed', data: { resultInformation: { code: 400, subCode: 8547 } } });

    const key = await h.connectedCall();
    await start(key.connection);
    await key.handle.press('9');
    expect(await outcome(key.id)).toMatchObject({ type: 'RecognizeFailed', data: { resultInformation: { code: 500, subCode: 8534 } } });
  });
});

describe('speech and speechOrDtmf', () => {
  it('recognises speech (8569) and fails on unrecognisable speech (8563)', async () => {
    const ok = await h.connectedCall();
    await media(ok.connection).startRecognizing(caller, {
      kind: 'callMediaRecognizeSpeechOptions',
      endSilenceTimeoutInSeconds: 1,
      initialSilenceTimeoutInSeconds: 20,
    });
    ok.handle.say('I would like to check my order');
    expect((await outcome(ok.id)).data).toMatchObject({
      resultInformation: { subCode: 8569 },
      recognitionType: 'speech',
      speechResult: { speech: 'I would like to check my order', confidence: 0.9 },
    });
    expect((await outcome(ok.id)).data['speechResult']).not.toHaveProperty('languageIdentified');

    const bad = await h.connectedCall();
    await media(bad.connection).startRecognizing(caller, { kind: 'callMediaRecognizeSpeechOptions', initialSilenceTimeoutInSeconds: 20 });
    bad.handle.mumble();
    expect(await outcome(bad.id)).toMatchObject({ type: 'RecognizeFailed', data: { resultInformation: { subCode: 8563 } } });
  });

  it('speechOrDtmf acts on the first input type', async () => {
    const keys = await h.connectedCall();
    await media(keys.connection).startRecognizing(caller, {
      kind: 'callMediaRecognizeSpeechOrDtmfOptions',
      maxTonesToCollect: 4,
      stopDtmfTones: [DtmfTone.Pound],
      initialSilenceTimeoutInSeconds: 20,
      interToneTimeoutInSeconds: PATIENT,
    });
    await keys.handle.press('5');
    keys.handle.say('ignored once keys started');
    await keys.handle.press('#');
    expect((await outcome(keys.id)).data).toMatchObject({ recognitionType: 'dtmf', dtmfResult: { tones: ['five', 'pound'] } });

    const words = await h.connectedCall();
    await media(words.connection).startRecognizing(caller, {
      kind: 'callMediaRecognizeSpeechOrDtmfOptions',
      initialSilenceTimeoutInSeconds: 20,
    });
    words.handle.say('agent please');
    expect((await outcome(words.id)).data).toMatchObject({ recognitionType: 'speech', speechResult: { speech: 'agent please' } });
  });
});

describe('language identification and sentiment (2026-03-12 and 2025-08-15-preview)', () => {
  const body = {
    recognizeInputType: 'speech',
    recognizeOptions: {
      targetParticipant: { rawId: '4:+14255550123', phoneNumber: { value: '+14255550123' } },
      initialSilenceTimeoutInSeconds: 20,
      speechLanguages: ['en-US', 'es-ES'],
      enableSentimentAnalysis: true,
    },
    operationContext: 'open-question',
  };

  it.each(['2026-03-12', '2025-08-15-preview'])('results carry languageIdentified and sentiment when requested on %s', async (apiVersion) => {
    const call = await h.connectedCall();
    const accepted = await h.rawRequest('POST', `/calling/callConnections/${call.id}:recognize`, body, apiVersion);
    expect(accepted.status).toBe(202);
    call.handle.say('Quiero hablar con un agente', { language: 'es-ES', sentiment: 'negative' });
    expect((await outcome(call.id)).data).toMatchObject({
      version: apiVersion,
      speechResult: { speech: 'Quiero hablar con un agente', languageIdentified: 'es-ES', sentimentAnalysisResult: { sentiment: 'negative' } },
    });
  });

  it('results carry neither when the request did not ask', async () => {
    const call = await h.connectedCall();
    const { speechLanguages: _languages, enableSentimentAnalysis: _sentiment, ...plainOptions } = body.recognizeOptions;
    expect((await h.rawRequest('POST', `/calling/callConnections/${call.id}:recognize`, { ...body, recognizeOptions: plainOptions })).status).toBe(202);
    call.handle.say('hello');
    const plain = (await outcome(call.id)).data['speechResult'];
    expect(plain).toMatchObject({ speech: 'hello' });
    expect(plain).not.toHaveProperty('languageIdentified');
    expect(plain).not.toHaveProperty('sentimentAnalysisResult');
  });

  it('defaults languageIdentified to the first listed language and sentiment to neutral', async () => {
    const call = await h.connectedCall();
    const choices = { ...body, recognizeInputType: 'choices', recognizeOptions: { ...body.recognizeOptions, choices: [{ label: 'support', phrases: ['soporte'] }] } };
    await h.rawRequest('POST', `/calling/callConnections/${call.id}:recognize`, choices);
    call.handle.say('soporte');
    expect((await outcome(call.id)).data).toMatchObject({
      choiceResult: { label: 'support', languageIdentified: 'en-US', sentimentAnalysisResult: { sentiment: 'neutral' } },
    });
  });
});

describe('play and cancel', () => {
  it('plays every source (PlayStarted, PlayCompleted) and the caller hears each', async () => {
    const { connection, id, handle } = await h.connectedCall();
    await media(connection).playToAll(
      [
        { kind: 'textSource', text: 'Welcome', sourceLocale: 'en-GB' },
        { kind: 'ssmlSource', ssmlText: '<speak xml:lang="fr-FR"><voice name="fr-FR-DeniseNeural">Bonjour</voice></speak>' },
        { kind: 'fileSource', url: 'https://example.test/hold.wav' },
      ],
      { operationContext: 'greeting' },
    );
    await h.waitForCallback(id, 'PlayCompleted');
    expect(h.callbacksFor(id).map((c) => c.type)).toEqual(['CallConnected', 'ParticipantsUpdated', 'PlayStarted', 'PlayCompleted']);
    expect(handle.prompts.map((p) => [p.kind, p.text, p.language])).toEqual([
      ['text', 'Welcome', 'en-GB'],
      ['ssml', 'Bonjour', 'fr-FR'],
      ['file', 'https://example.test/hold.wav', undefined],
    ]);
  });

  it('an invalid file fails the play (8535) and a recognize prompt (8511)', async () => {
    const { connection, id } = await h.connectedCall();
    await media(connection).playToAll([{ kind: 'fileSource', url: 'https://example.test/invalid.wav' }]);
    const failed = await h.waitForCallback(id, 'PlayFailed');
    expect(failed.data).toMatchObject({ resultInformation: { code: 400, subCode: 8535 }, failedPlaySourceIndex: 0 });

    await media(connection).startRecognizing(caller, {
      kind: 'callMediaRecognizeDtmfOptions',
      playPrompts: [menu, { kind: 'fileSource', url: 'https://example.test/invalid-prompt.wav' }],
    });
    expect(await outcome(id)).toMatchObject({
      type: 'RecognizeFailed',
      data: { resultInformation: { code: 500, subCode: 8511 }, failedPlaySourceIndex: 1 },
    });
  });

  it('cancelAllMediaOperations cancels the running and the queued operation (8508)', async () => {
    const { connection, id } = await h.connectedCall();
    await media(connection).playToAll([{ kind: 'textSource', text: LONG_PROMPT }], { operationContext: 'long-play' });
    await media(connection).startRecognizing(caller, { kind: 'callMediaRecognizeDtmfOptions', operationContext: 'queued' });
    await media(connection).cancelAllOperations();
    const play = await h.waitForCallback(id, 'PlayCanceled');
    const recognize = await h.waitForCallback(id, 'RecognizeCanceled');
    expect(play.data).toMatchObject({ operationContext: 'long-play', resultInformation: { code: 400, subCode: 8508 } });
    expect(recognize.data).toMatchObject({ operationContext: 'queued', resultInformation: { code: 400, subCode: 8508 } });
  });

  it('interruptCallMediaOperation cancels the running play', async () => {
    const { connection, id, handle } = await h.connectedCall();
    await media(connection).playToAll([{ kind: 'textSource', text: LONG_PROMPT }]);
    await media(connection).startRecognizing(caller, {
      kind: 'callMediaRecognizeDtmfOptions',
      interruptCallMediaOperation: true,
      initialSilenceTimeoutInSeconds: PATIENT,
    });
    await h.waitForCallback(id, 'PlayCanceled');
    await handle.press('3');
    expect((await outcome(id)).data).toMatchObject({ dtmfResult: { tones: ['three'] } });
  });
});
