// Owns reading ACS callback bodies: the CloudEvent array checked, each event mapped to the app's own terms.
// The SDK's parseCallAutomationEvent reads only element [0] and throws on unknown types, so it is not used.
import type { CallbackEvent } from '../../app/ports';
import * as z from '../../zod-mini';
import type { CallEvent, RecognizeFailureReason, RecognizedInput } from '../../domain/call-event';
import { LANGUAGE_TAG, SENTIMENTS, type Sentiment } from '../../flow/flow-schema';
import { isSafeKey } from '../wire-id';
import { toneKeys } from './call-automation';

const PREFIX = 'Microsoft.Communication.';

const tableKey = z.string().check(z.minLength(1), z.refine(isSafeKey, 'has characters a table key cannot hold'));
const cloudEvent = z.object({
  id: tableKey,
  type: z.string().check(z.minLength(1)),
  time: z.optional(z.string().check(z.refine((value) => !Number.isNaN(Date.parse(value)), 'must be a date and time'))),
  data: z.looseObject({
    callConnectionId: tableKey,
    correlationId: z.optional(tableKey),
    operationContext: z.nullish(z.string()),
    resultInformation: z.nullish(z.looseObject({ code: z.optional(z.number()), subCode: z.optional(z.number()) })),
  }),
});
const callbackBody = z.array(cloudEvent).check(z.minLength(1, 'must hold at least one event'), z.maxLength(100, 'must hold at most 100 events'));

export type ParsedCallbacks = { readonly ok: true; readonly events: readonly CallbackEvent[] } | { readonly ok: false; readonly error: string };

export function parseCallbackBody(json: unknown, receivedAt: string): ParsedCallbacks {
  if (!Array.isArray(json)) return { ok: false, error: 'body must be a JSON array of CloudEvents' };
  const parsed = callbackBody.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const [index, ...field] = issue?.path ?? [];
    const where = index === undefined ? 'body' : [`events[${String(index)}]`, ...field.map(String)].join('.');
    return { ok: false, error: `${where}: ${issue?.message ?? 'invalid'}` };
  }
  const events: CallbackEvent[] = [];
  for (const [index, raw] of parsed.data.entries()) {
    const type = raw.type.startsWith(PREFIX) ? raw.type.slice(PREFIX.length) : raw.type;
    let event: ReturnType<typeof toCallEvent>;
    try {
      event = toCallEvent(type, raw.data, raw.time ?? receivedAt);
    } catch (error) {
      // A result that is there but not what ACS sends is malformed input, never a caller's mistake: nothing is applied.
      if (error instanceof MalformedResult) return { ok: false, error: `events[${index}].data.${error.message}` };
      throw error;
    }
    events.push({
      id: raw.id,
      type: type.slice(0, MAX_TYPE_CHARS),
      callConnectionId: raw.data.callConnectionId,
      correlationId: raw.data.correlationId,
      operationContext: raw.data.operationContext ?? undefined,
      event: event === 'informational' || event === 'unknown' ? undefined : event,
      known: event !== 'unknown',
    });
  }
  return { ok: true, events };
}

/** Event types are short words; an unknown one is logged and counted, so it is cut to a size a log line can hold. */
const MAX_TYPE_CHARS = 100;

class MalformedResult extends Error {
  constructor(field: string, issue: string | undefined) {
    super(`${field}: ${issue ?? 'invalid'}`);
    this.name = 'MalformedResult';
  }
}

type EventData = z.output<typeof cloudEvent>['data'];

/** Events ACS sends that the hotline receives but does not need to act on. */
const INFORMATIONAL = new Set(['PlayStarted', 'PlayCanceled', 'ParticipantsUpdated', 'AnswerFailed']);

function toCallEvent(type: string, data: EventData, at: string): CallEvent | 'informational' | 'unknown' {
  const operationContext = data.operationContext ?? undefined;
  const subCode = data.resultInformation?.subCode ?? 0;
  switch (type) {
    case 'CallConnected':
      return { type: 'callConnected', at };
    case 'CallDisconnected':
      return { type: 'callDisconnected', at, subCode, code: data.resultInformation?.code ?? 0 };
    case 'CreateCallFailed':
      return { type: 'createCallFailed', at, code: data.resultInformation?.code ?? 0, subCode };
    case 'RecognizeCompleted': {
      // 8532 (inter-digit timeout) is documented both as Completed and as Failed; either way the number is incomplete.
      if (subCode === 8532) return { type: 'recognizeFailed', at, operationContext, subCode, reason: 'incompleteDigits' };
      const input = recognizedInput(data);
      if (!input) return { type: 'recognizeFailed', at, operationContext, subCode, reason: 'other' };
      return { type: 'recognizeCompleted', at, operationContext, subCode, input, ...identificationResults(data) };
    }
    case 'RecognizeFailed':
      return { type: 'recognizeFailed', at, operationContext, subCode, reason: failureReason(subCode) };
    case 'RecognizeCanceled':
      return { type: 'recognizeCanceled', at, operationContext, subCode };
    case 'PlayCompleted':
      return { type: 'playCompleted', at, operationContext };
    case 'PlayFailed':
      return { type: 'playFailed', at, operationContext, subCode };
    case 'CallTransferAccepted':
      return { type: 'transferAccepted', at, operationContext };
    case 'CallTransferFailed':
      return { type: 'transferFailed', at, operationContext, subCode };
    default:
      return INFORMATIONAL.has(type) ? 'informational' : 'unknown';
  }
}

function failureReason(subCode: number): RecognizeFailureReason {
  switch (subCode) {
    case 8510:
      return 'noInput';
    case 8532:
      return 'incompleteDigits';
    case 8534:
      return 'wrongKey';
    case 8547:
      return 'noMatch';
    case 8563:
    case 8570:
      return 'speechNotRecognized';
    case 8511:
      return 'promptFailed';
    default:
      return 'other';
  }
}

/** What a caller said is kept in the call's row (a 32K-character property): a long monologue is cut, not fatal. */
export const MAX_HEARD_CHARS = 1_000;
const heard = z.pipe(z.string(), z.transform((text: string) => text.slice(0, MAX_HEARD_CHARS)));
const confidence = z.nullish(z.number().check(z.minimum(0), z.maximum(1)));
const choiceResult = z.object({ label: z.pipe(heard, z.string().check(z.minLength(1))), recognizedPhrase: z.nullish(heard), confidence });
const speechResult = z.object({ speech: heard, confidence });
const dtmfResult = z.object({ tones: z.array(z.string()) });

/** Reads one result field: absent (or null) is `undefined`; present but not of ACS's shape throws MalformedResult. */
function present<T extends z.ZodMiniType>(data: EventData, field: string, schema: T): z.output<T> | undefined {
  const value = data[field];
  if (value === undefined || value === null) return undefined;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MalformedResult([field, ...(issue?.path ?? []).map(String)].join('.'), issue?.message);
  }
  return parsed.data;
}

/**
 * A DTMF press in a choices menu arrives with `choiceResult` (and, in the Java fixture, recognitionType "dtmf"),
 * so choiceResult wins whenever it is present.
 */
function recognizedInput(data: EventData): RecognizedInput | undefined {
  const choice = present(data, 'choiceResult', choiceResult);
  if (choice) {
    return {
      kind: 'choice',
      label: choice.label,
      ...(choice.recognizedPhrase ? { phrase: choice.recognizedPhrase } : {}),
      ...(typeof choice.confidence === 'number' ? { confidence: choice.confidence } : {}),
    };
  }
  const speech = present(data, 'speechResult', speechResult);
  if (speech) return { kind: 'speech', text: speech.speech, ...(typeof speech.confidence === 'number' ? { confidence: speech.confidence } : {}) };
  const dtmf = present(data, 'dtmfResult', dtmfResult);
  if (dtmf) return { kind: 'dtmf', tones: toneKeys(dtmf.tones) };
  return undefined;
}

/** Language identification and sentiment, read leniently: a missing or malformed one is dropped, never fatal. */
function identificationResults(data: EventData): { language: string | undefined; sentiment: Sentiment | undefined } {
  const result = (data['choiceResult'] ?? data['speechResult']) as Record<string, unknown> | null | undefined;
  if (typeof result !== 'object' || result === null) return { language: undefined, sentiment: undefined };
  const language = result['languageIdentified'];
  const analysis = result['sentimentAnalysisResult'];
  const sentiment =
    typeof analysis === 'object' && analysis !== null && 'sentiment' in analysis && typeof analysis.sentiment === 'string'
      ? analysis.sentiment.toLowerCase()
      : undefined;
  return {
    language: typeof language === 'string' && LANGUAGE_TAG.test(language) ? language : undefined,
    sentiment: SENTIMENTS.find((known) => known === sentiment),
  };
}
