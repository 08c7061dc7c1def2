import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HOTLINE_NUMBER, startLocalStack, type LocalStack } from '../../tools/local/local-stack';

const TEN_LANGUAGES = ['en-US', 'es-ES', 'fr-FR', 'de-DE', 'it-IT', 'pt-BR', 'ja-JP', 'zh-CN', 'hi-IN', 'nl-NL'];

/**
 * Every input type of the seeds and every Recognize parameter the flow offers, each at an edge of its range: the
 * emulator judges each request by the official spec, so a value the wire cannot carry fails here.
 */
const everyOption = {
  voices: { 'en-US': 'en-US-NancyNeural', 'es-ES': 'es-ES-ElviraNeural' },
  start: 'keys',
  goodbye: { text: 'Goodbye.' },
  apology: { text: 'Sorry.' },
  menus: {
    keys: {
      prompt: { text: 'Enter two digits and press pound.' },
      input: {
        type: 'dtmf',
        maxTonesToCollect: 3,
        interToneTimeoutSeconds: 60,
        initialSilenceTimeoutSeconds: 300,
        stopTones: ['#', '*'],
        interruptCallMediaOperation: false,
        operationContext: 'Keys.Menu_1-a',
      },
      routes: [{ when: { tones: '12' }, then: { menu: 'pick' } }],
    },
    pick: {
      prompt: { text: 'Say billing or press 1.' },
      input: {
        type: 'choices',
        initialSilenceTimeoutSeconds: 20,
        speechLanguage: 'en-US',
        speechLanguages: ['en-US', 'es-ES', 'fr-FR', 'de-DE'],
        speechModelEndpointId: '00000000-1111-2222-3333-444444444444',
        enableSentimentAnalysis: true,
        choices: [{ label: 'billing', phrases: ['billing', 'invoice'], tone: '1' }],
      },
      routes: [{ when: { choice: 'billing' }, then: { menu: 'talk' } }],
    },
    talk: {
      prompt: { text: 'Tell me more.' },
      input: { type: 'speech', initialSilenceTimeoutSeconds: 1, endSilenceTimeoutSeconds: 1.1, speechLanguages: TEN_LANGUAGES },
      routes: [{ when: { any: true }, then: { menu: 'either' } }],
    },
    either: {
      prompt: { text: 'Say yes or press 1.' },
      input: {
        type: 'speechOrDtmf',
        maxTonesToCollect: 1,
        interToneTimeoutSeconds: 1,
        initialSilenceTimeoutSeconds: 0,
        endSilenceTimeoutSeconds: 0.001,
        stopTones: ['#'],
        // Keys during the prompt would be discarded; the caller stays silent here anyway.
        interruptPrompt: false,
      },
      maxAttempts: 1,
      onMaxAttempts: { say: { text: 'No answer, then.' }, next: { goodbye: true } },
      routes: [{ when: { any: true }, then: { goodbye: true } }],
    },
  },
};

let stack: LocalStack;
beforeAll(async () => {
  const flowFile = path.join(mkdtempSync(path.join(tmpdir(), 'hotline-flow-')), 'every-option.json');
  writeFileSync(flowFile, JSON.stringify(everyOption));
  stack = await startLocalStack({ tablesConnectionString: inject('tablesConnectionString'), timeScale: 0.02, settings: { HOTLINE_FLOW_FILE: flowFile } });
});
afterAll(async () => stack?.stop());

describe('every Recognize option of the seeds, at the edges of its range, on the wire', () => {
  it('walks DTMF, choices, speech and speech-or-DTMF, and ACS accepts every request exactly as the flow says', async () => {
    const call = await stack.emulator.caller.dial({ from: '+14255550177', to: HOTLINE_NUMBER });
    expect((await call.nextPrompt()).text).toBe('Enter two digits and press pound.');
    await call.press('12#');
    expect((await call.nextPrompt()).text).toBe('Say billing or press 1.');
    call.say('billing', { sentiment: 'neutral' });
    expect((await call.nextPrompt()).text).toBe('Tell me more.');
    call.say('my invoice is wrong');
    expect((await call.nextPrompt()).text).toBe('Say yes or press 1.');
    // An initial silence of 0 s times out at once: the menu's one attempt falls back.
    call.silence();
    expect((await call.nextPrompt()).text).toBe('No answer, then.');
    expect((await call.nextPrompt()).text).toBe('Goodbye.');
    expect(await call.waitForEnd()).toMatchObject({ kind: 'hungUpByApp' });

    const sent = stack.emulator.requests.filter((r) => r.callConnectionId === call.callConnectionId && r.path.endsWith(':recognize'));
    expect(sent.map((r) => [r.status, r.apiVersion])).toEqual(Array(4).fill([202, '2026-03-12']));
    const [keys, pick, talk, either] = sent.map((r) => r.body);
    expect(keys).toMatchObject({
      recognizeInputType: 'dtmf',
      interruptCallMediaOperation: false,
      operationContext: expect.stringMatching(/^Keys\.Menu_1-a:1:/) as string,
      recognizeOptions: {
        interruptPrompt: true,
        initialSilenceTimeoutInSeconds: 300,
        dtmfOptions: { maxTonesToCollect: 3, interToneTimeoutInSeconds: 60, stopTones: ['pound', 'asterisk'] },
      },
    });
    expect(pick).toMatchObject({
      recognizeInputType: 'choices',
      recognizeOptions: {
        initialSilenceTimeoutInSeconds: 20,
        speechLanguage: 'en-US',
        speechLanguages: ['en-US', 'es-ES', 'fr-FR', 'de-DE'],
        speechRecognitionModelEndpointId: '00000000-1111-2222-3333-444444444444',
        enableSentimentAnalysis: true,
        choices: [{ label: 'billing', phrases: ['billing', 'invoice'], tone: 'one' }],
      },
    });
    // SDK 1.6.0 alone would send 1100.0000000000002 ms here, and 5 s below instead of 0.
    expect(talk).toMatchObject({
      recognizeInputType: 'speech',
      recognizeOptions: { initialSilenceTimeoutInSeconds: 1, speechLanguages: TEN_LANGUAGES, speechOptions: { endSilenceTimeoutInMs: 1100 } },
    });
    expect(either).toMatchObject({
      recognizeInputType: 'speechOrDtmf',
      recognizeOptions: {
        interruptPrompt: false,
        initialSilenceTimeoutInSeconds: 0,
        speechOptions: { endSilenceTimeoutInMs: 1 },
        dtmfOptions: { maxTonesToCollect: 1, interToneTimeoutInSeconds: 1, stopTones: ['pound'] },
      },
    });
  });
});
