// The callback parser field by field, with events built for one case each: what it reads, what it drops, what it refuses.
import { describe, expect, it } from 'vitest';
import { parseCallbackBody } from '../../src/adapters/acs/callback-events';

const at = '2026-11-22T10:00:05.000Z';
const cloudEvent = (type: string, data: Record<string, unknown> = {}) => ({
  id: 'evt-1',
  type: `Microsoft.Communication.${type}`,
  data: { callConnectionId: 'call-1', operationContext: 'main:1:1', ...data },
});
const eventOf = (type: string, data: Record<string, unknown> = {}) => {
  const parsed = parseCallbackBody([cloudEvent(type, data)], at);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.events[0]?.event;
};
const ok = (code: number, subCode: number) => ({ resultInformation: { code, subCode } });

describe('given one callback event, when it is parsed', () => {
  it.each([
    ['CallConnected', {}, { type: 'callConnected', at }],
    ['CallDisconnected', ok(200, 540000), { type: 'callDisconnected', at, code: 200, subCode: 540000 }],
    ['CallDisconnected without resultInformation', {}, { type: 'callDisconnected', at, code: 0, subCode: 0 }],
    ['RecognizeCanceled', ok(400, 8508), { type: 'recognizeCanceled', at, operationContext: 'main:1:1', subCode: 8508 }],
    ['RecognizeFailed with an unlisted code', ok(500, 9999), { type: 'recognizeFailed', at, operationContext: 'main:1:1', subCode: 9999, reason: 'other' }],
    ['RecognizeFailed 8534', ok(500, 8534), { type: 'recognizeFailed', at, operationContext: 'main:1:1', subCode: 8534, reason: 'wrongKey' }],
    ['RecognizeFailed 8547', ok(400, 8547), { type: 'recognizeFailed', at, operationContext: 'main:1:1', subCode: 8547, reason: 'noMatch' }],
    ['RecognizeFailed 8570', ok(408, 8570), { type: 'recognizeFailed', at, operationContext: 'main:1:1', subCode: 8570, reason: 'speechNotRecognized' }],
    ['RecognizeCompleted with no result in it', ok(200, 8531), { type: 'recognizeFailed', at, operationContext: 'main:1:1', subCode: 8531, reason: 'other' }],
  ] as const)('then %s maps onto the event the core knows', (name, data, expected) => {
    expect(eventOf(name.split(' ')[0] ?? '', data)).toEqual(expected);
  });

  it('then a spoken choice keeps its phrase and confidence, and a pressed one has neither', () => {
    expect(eventOf('RecognizeCompleted', { choiceResult: { label: 'sales', recognizedPhrase: 'sales please', confidence: 0.7 } })).toMatchObject({
      input: { kind: 'choice', label: 'sales', phrase: 'sales please', confidence: 0.7 },
    });
    const pressed = eventOf('RecognizeCompleted', { choiceResult: { label: 'sales', recognizedPhrase: null, confidence: null } });
    expect(pressed).toMatchObject({ input: { kind: 'choice', label: 'sales' } });
    expect(pressed?.type === 'recognizeCompleted' && pressed.input).toEqual({ kind: 'choice', label: 'sales' });
  });

  it('then speech keeps its confidence when ACS gives one, and has none otherwise', () => {
    expect(eventOf('RecognizeCompleted', { speechResult: { speech: 'hello', confidence: 0.4 } })).toMatchObject({ input: { kind: 'speech', text: 'hello', confidence: 0.4 } });
    const bare = eventOf('RecognizeCompleted', { speechResult: { speech: 'hello' } });
    expect(bare?.type === 'recognizeCompleted' && bare.input).toEqual({ kind: 'speech', text: 'hello' });
  });

  it('then DTMF tones become keys, and a result that is not a tone list is refused', () => {
    expect(eventOf('RecognizeCompleted', { dtmfResult: { tones: ['one', 'pound'] } })).toMatchObject({ input: { kind: 'dtmf', tones: '1#' } });
    expect(eventOf('RecognizeCompleted', ok(200, 8531))).toMatchObject({ type: 'recognizeFailed', reason: 'other' });
    expect(() => eventOf('RecognizeCompleted', { dtmfResult: { tones: 'one' } })).toThrow('dtmfResult.tones');
  });

  it.each([
    ['a language tag', { languageIdentified: 'es-ES' }, 'es-ES', undefined],
    ['a language tag with a stray prefix', { languageIdentified: 'xx es-ES' }, undefined, undefined],
    ['a language tag with a stray suffix', { languageIdentified: 'es-ES!' }, undefined, undefined],
    ['a language tag with several subtags', { languageIdentified: 'zh-Hant-TW' }, 'zh-Hant-TW', undefined],
    ['a sentiment in capitals', { sentimentAnalysisResult: { sentiment: 'Negative' } }, undefined, 'negative'],
    ['a sentiment that is not a string', { sentimentAnalysisResult: { sentiment: 3 } }, undefined, undefined],
    ['a sentiment result that is not an object', { sentimentAnalysisResult: 'negative' }, undefined, undefined],
    ['a sentiment result without a sentiment', { sentimentAnalysisResult: {} }, undefined, undefined],
  ])('then a speech result with %s gives language %s and sentiment %s', (_, extra, language, sentiment) => {
    expect(eventOf('RecognizeCompleted', { speechResult: { speech: 'hola', ...extra } })).toMatchObject({ language, sentiment });
  });

  it('then the preview fields of a choice result are read too', () => {
    expect(eventOf('RecognizeCompleted', { choiceResult: { label: 'sales', languageIdentified: 'es-ES', sentimentAnalysisResult: { sentiment: 'positive' } } })).toMatchObject({
      language: 'es-ES',
      sentiment: 'positive',
    });
  });

  it.each(['PlayCanceled', 'ParticipantsUpdated', 'AnswerFailed'])('then %s is known and needs nothing done', (type) => {
    const parsed = parseCallbackBody([cloudEvent(type)], at);
    expect(parsed.ok && parsed.events[0]).toMatchObject({ known: true, event: undefined, type });
  });

  it('then a resultInformation without codes reads as code 0', () => {
    expect(eventOf('PlayFailed', { resultInformation: {} })).toEqual({ type: 'playFailed', at, operationContext: 'main:1:1', subCode: 0 });
  });
});

describe('given a body that is wrong, when it is parsed', () => {
  it('then 101 events are refused, naming the limit', () => {
    const parsed = parseCallbackBody(Array.from({ length: 101 }, () => cloudEvent('CallConnected')), at);
    expect(parsed).toEqual({ ok: false, error: 'body: must hold at most 100 events' });
  });

  it('then a resultInformation code that is not a number is refused, naming the field', () => {
    const parsed = parseCallbackBody([cloudEvent('PlayCompleted', { resultInformation: { code: '200' } })], at);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toMatch(/^events\[0\]\.data\.resultInformation\.code: /);
  });
});
