import { describe, expect, it } from 'vitest';
import { MAX_HEARD_CHARS, parseCallbackBody } from '../../src/adapters/acs/callback-events';
import { payload } from '../support/payloads';

const receivedAt = '2026-11-22T10:00:05.000Z';
const only = (file: string) => {
  const parsed = parseCallbackBody(payload(file), receivedAt);
  if (!parsed.ok) throw new Error(parsed.error);
  expect(parsed.events).toHaveLength(1);
  return parsed.events[0]!;
};

describe('parseCallbackBody: the payload samples map onto the app\'s events', () => {
  it.each([
    ['RecognizeCompleted__dtmf__8531-max-digits.json', { type: 'recognizeCompleted', subCode: 8531, input: { kind: 'dtmf', tones: '1' } }],
    ['RecognizeCompleted__dtmf__8514-stop-tone.json', { type: 'recognizeCompleted', subCode: 8514, input: { kind: 'dtmf' } }],
    ['RecognizeCompleted__choices__8533-dtmf-option-matched.json', { type: 'recognizeCompleted', input: { kind: 'choice', label: 'sales' } }],
    ['RecognizeCompleted__choices__8545-speech-option-matched.json', { type: 'recognizeCompleted', subCode: 8545, input: { kind: 'choice' } }],
    ['RecognizeCompleted__speech__8569-speech-recognized.json', { type: 'recognizeCompleted', subCode: 8569, input: { kind: 'speech' } }],
    ['java-unit-test__RecognizeCompleted__choices.json', { type: 'recognizeCompleted', input: { kind: 'choice' } }],
    // Both dtmfResult and choiceResult: a key pressed in a choices menu, so the choice wins.
    ['java-unit-test__RecognizeCompleted__dtmf.json', { type: 'recognizeCompleted', input: { kind: 'choice', label: 'Marketing' } }],
    ['RecognizeFailed__8510-initial-silence-timeout.json', { type: 'recognizeFailed', reason: 'noInput', subCode: 8510 }],
    ['RecognizeFailed__8511-play-prompt-failed.json', { type: 'recognizeFailed', reason: 'promptFailed', subCode: 8511 }],
    ['RecognizeFailed__8532-inter-digit-timeout.json', { type: 'recognizeFailed', reason: 'incompleteDigits', subCode: 8532 }],
    ['RecognizeFailed__8534-incorrect-tone.json', { type: 'recognizeFailed', reason: 'wrongKey', subCode: 8534 }],
    ['RecognizeFailed__8547-speech-option-not-matched.json', { type: 'recognizeFailed', reason: 'noMatch', subCode: 8547 }],
    ['RecognizeFailed__8563-speech-not-recognized.json', { type: 'recognizeFailed', reason: 'speechNotRecognized', subCode: 8563 }],
    ['RecognizeCanceled__8508.json', { type: 'recognizeCanceled', subCode: 8508 }],
    ['recorded-js__callback-body__PlayCompleted.json', { type: 'playCompleted' }],
    ['recorded-js__callback-body__PlayFailed-8535.json', { type: 'playFailed', subCode: 8535 }],
    ['java-unit-test__CallTransferAccepted.json', { type: 'transferAccepted' }],
    ['CallTransferFailed__ILLUSTRATIVE-codes.json', { type: 'transferFailed' }],
  ])('%s', (file, expected) => {
    const parsed = only(file);
    expect(parsed.known).toBe(true);
    expect(parsed.event).toMatchObject(expected);
  });

  it('keeps the CloudEvent time as the event time, and the ids for dedupe and lookup', () => {
    const parsed = only('RecognizeCompleted__choices__8533-dtmf-option-matched.json');
    expect(parsed).toMatchObject({
      id: '00000000-0000-4000-8000-000000000004',
      type: 'RecognizeCompleted',
      callConnectionId: '401f3500-62bd-46a0-a4c9-66a6ea4a1c5b',
      correlationId: 'c0ffee00-1111-4222-8333-444455556666',
      event: { at: '2026-11-22T10:00:00.0000000+00:00', operationContext: 'menu-choices' },
    });
  });

  it('reads the preview language and sentiment from speech and choice results', () => {
    expect(only('RecognizeCompleted__speech__PREVIEW-2025-08-15__languageIdentified+sentiment.json').event).toMatchObject({
      language: 'es-ES',
      sentiment: 'negative',
    });
    expect(only('RecognizeCompleted__choices__PREVIEW-2025-08-15__languageIdentified+sentiment.json').event).toMatchObject({
      language: expect.any(String) as string,
      sentiment: expect.any(String) as string,
    });
  });

  it('drops malformed preview fields instead of failing the call', () => {
    const body = payload<[{ data: { speechResult: Record<string, unknown> } }]>('RecognizeCompleted__speech__8569-speech-recognized.json');
    body[0].data.speechResult['languageIdentified'] = 42;
    body[0].data.speechResult['sentimentAnalysisResult'] = { sentiment: 'furious' };
    const parsed = parseCallbackBody(body, receivedAt);
    expect(parsed.ok && parsed.events[0]?.event).toMatchObject({ type: 'recognizeCompleted', language: undefined, sentiment: undefined });
  });

  it('cuts what the caller said to MAX_HEARD_CHARS, so a monologue cannot outgrow the call’s row (R-26)', () => {
    const body = payload<[{ data: { speechResult: Record<string, unknown> } }]>('RecognizeCompleted__speech__8569-speech-recognized.json');
    body[0].data.speechResult['speech'] = 'blah '.repeat(20_000);
    const parsed = parseCallbackBody(body, receivedAt);
    const event = parsed.ok ? parsed.events[0]?.event : undefined;
    expect(event?.type === 'recognizeCompleted' && event.input.kind === 'speech' ? event.input.text.length : -1).toBe(MAX_HEARD_CHARS);
  });

  it('treats 8532 on RecognizeCompleted as incomplete digits', () => {
    const body = payload<[{ data: { resultInformation: { code: number; subCode: number } } }]>('RecognizeCompleted__dtmf__8531-max-digits.json');
    body[0].data.resultInformation = { code: 400, subCode: 8532 };
    const parsed = parseCallbackBody(body, receivedAt);
    expect(parsed.ok && parsed.events[0]?.event).toMatchObject({ type: 'recognizeFailed', reason: 'incompleteDigits' });
  });

  it('knows PlayStarted but has nothing to do for it; an unknown type is flagged', () => {
    expect(only('recorded-js__callback-body__PlayStarted.json')).toMatchObject({ known: true, event: undefined });
    const body = payload<[{ type: string }]>('recorded-js__callback-body__PlayStarted.json');
    body[0].type = 'Microsoft.Communication.FutureThing';
    const parsed = parseCallbackBody(body, receivedAt);
    expect(parsed.ok && parsed.events[0]).toMatchObject({ known: false, type: 'FutureThing', event: undefined });
  });

  it('reads every event of a batch, in order', () => {
    const batch = [
      ...payload<unknown[]>('recorded-js__callback-body__PlayStarted.json'),
      ...payload<unknown[]>('recorded-js__callback-body__PlayCompleted.json'),
    ];
    const parsed = parseCallbackBody(batch, receivedAt);
    expect(parsed.ok && parsed.events.map((e) => e.type)).toEqual(['PlayStarted', 'PlayCompleted']);
  });

  it.each([
    [{ type: 'x' }, 'body must be a JSON array of CloudEvents'],
    [[], 'body: must hold at least one event'],
    [[{ id: 'a', data: { callConnectionId: 'c' } }], 'events[0].type'],
    [[{ id: 'a', type: 'Microsoft.Communication.CallConnected', data: {} }], 'events[0].data.callConnectionId'],
    [[{ id: 'a/b', type: 'Microsoft.Communication.CallConnected', data: { callConnectionId: 'c' } }], 'events[0].id: has characters a table key cannot hold'],
  ])('rejects %j naming the problem', (body, error) => {
    const parsed = parseCallbackBody(body, receivedAt);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toContain(error);
  });
});

describe('parseCallbackBody: malformed recognition results are malformed input, not caller mistakes (issue 13, item 10)', () => {
  const completed = (data: Record<string, unknown>, extra: Record<string, unknown> = {}) => [
    {
      id: 'e1',
      type: 'Microsoft.Communication.RecognizeCompleted',
      time: '2026-11-22T10:00:00.0000000+00:00',
      data: { callConnectionId: 'c1', correlationId: 'k1', operationContext: 'main-menu:1:1:k0', resultInformation: { code: 200, subCode: 8545 }, ...data },
      ...extra,
    },
  ];

  it.each([
    ['choiceResult as a string', { choiceResult: 'operator' }, /^events\[0\]\.data\.choiceResult: /],
    ['a numeric label', { choiceResult: { label: 7 } }, /^events\[0\]\.data\.choiceResult\.label: /],
    ['a non-numeric confidence beside a valid label', { choiceResult: { label: 'operator', confidence: 'high' } }, /choiceResult\.confidence/],
    ['a confidence above 1', { speechResult: { speech: 'yes', confidence: 7 } }, /speechResult\.confidence/],
    ['tones as numbers', { dtmfResult: { tones: [1, 2] } }, /^events\[0\]\.data\.dtmfResult\.tones\.0: /],
    ['speech as an object', { speechResult: { speech: { text: 'yes' } } }, /speechResult\.speech/],
  ])('%s: an error naming the field', (_, data, error) => {
    const parsed = parseCallbackBody(completed(data), receivedAt);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.error).toMatch(error);
  });

  it('a time that is not a date is refused', () => {
    const parsed = parseCallbackBody(completed({ choiceResult: { label: 'operator' } }, { time: 'yesterday' }), receivedAt);
    expect(parsed).toEqual({ ok: false, error: 'events[0].time: must be a date and time' });
  });

  it('absent or null optional fields are ignored', () => {
    const parsed = parseCallbackBody(completed({ choiceResult: { label: 'operator', recognizedPhrase: null, confidence: null }, speechResult: null }), receivedAt);
    expect(parsed.ok && parsed.events[0]?.event).toMatchObject({ type: 'recognizeCompleted', input: { kind: 'choice', label: 'operator' } });
  });

  it('an unknown event type is cut to 100 characters for the log', () => {
    const parsed = parseCallbackBody([{ ...completed({})[0], type: `Microsoft.Communication.${'X'.repeat(60_000)}` }], receivedAt);
    expect(parsed.ok && parsed.events[0]).toMatchObject({ known: false, type: 'X'.repeat(100) });
  });
});
