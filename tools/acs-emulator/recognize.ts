// Owns recognize semantics: how one caller input advances a Recognize, and which event and result it ends with.
import { RESULTS, type ResultInformation } from './results.js';
import type { RecognizeChoice, RecognizeRequest, Tone } from './wire-types.js';

export type CallerInput =
  | { kind: 'tone'; tone: Tone }
  | { kind: 'speech'; text: string; language?: string; sentiment?: string; confidence?: number }
  | { kind: 'mumble' };

export interface RecognizeSettings {
  inputType: RecognizeRequest['recognizeInputType'];
  interruptPrompt: boolean;
  initialSilenceSeconds: number;
  interToneSeconds: number;
  maxTones: number;
  stopTones: readonly Tone[];
  choices: readonly RecognizeChoice[];
  speechLanguage: string;
  /** Set when the request asked for language identification (both vendored api-versions have it). */
  speechLanguages: readonly string[] | undefined;
  sentimentAnalysis: boolean;
}

export interface RecognizeProgress {
  /** speechOrDtmf commits to the first input type received. */
  mode: 'undecided' | 'dtmf' | 'speech';
  tones: Tone[];
}

export type RecognizeOutcome =
  | { kind: 'ignored'; reason: string }
  | { kind: 'collecting' }
  | { kind: 'completed'; result: ResultInformation; data: Record<string, unknown> }
  | { kind: 'failed'; result: ResultInformation; data: Record<string, unknown> };

const DEFAULT_CONFIDENCE = 0.9;

export function settingsFrom(req: RecognizeRequest): RecognizeSettings {
  const options = req.recognizeOptions;
  return {
    inputType: req.recognizeInputType,
    // Docs: InterruptPrompt defaults to true when omitted (the JS SDK omits it unless set).
    interruptPrompt: options.interruptPrompt ?? true,
    initialSilenceSeconds: options.initialSilenceTimeoutInSeconds ?? 5,
    interToneSeconds: options.dtmfOptions?.interToneTimeoutInSeconds ?? 2,
    maxTones: options.dtmfOptions?.maxTonesToCollect ?? 1,
    stopTones: options.dtmfOptions?.stopTones ?? [],
    choices: options.choices ?? [],
    speechLanguage: options.speechLanguage ?? 'en-US',
    speechLanguages: options.speechLanguages,
    sentimentAnalysis: options.enableSentimentAnalysis === true,
  };
}

export function newProgress(settings: RecognizeSettings): RecognizeProgress {
  const mode = settings.inputType === 'dtmf' ? 'dtmf' : settings.inputType === 'speech' ? 'speech' : 'undecided';
  return { mode, tones: [] };
}

export function applyInput(settings: RecognizeSettings, progress: RecognizeProgress, input: CallerInput): RecognizeOutcome {
  switch (settings.inputType) {
    case 'dtmf':
      return input.kind === 'tone' ? collectTone(settings, progress, input.tone) : ignoredSpeech();
    case 'speech':
      return input.kind === 'tone' ? { kind: 'ignored', reason: 'DTMF is not listened to by a speech recognize' } : speech(settings, input);
    case 'choices':
      return choice(settings, input);
    case 'speechOrDtmf':
      if (progress.mode === 'undecided') progress.mode = input.kind === 'tone' ? 'dtmf' : 'speech';
      if (progress.mode === 'dtmf') return input.kind === 'tone' ? collectTone(settings, progress, input.tone) : ignoredSpeech();
      return input.kind === 'tone' ? { kind: 'ignored', reason: 'speech input already started' } : speech(settings, input);
  }
}

/**
 * Inter-digit timeout. Reported as RecognizeCompleted 400/8532 with the tones collected so far,
 * following the newest docs table (older docs list it under RecognizeFailed; apps must handle both).
 */
export function interToneTimedOut(progress: RecognizeProgress): RecognizeOutcome {
  return { kind: 'completed', result: RESULTS.interDigitTimeout, data: dtmfData(progress.tones) };
}

export function initialSilenceTimedOut(): RecognizeOutcome {
  return { kind: 'failed', result: RESULTS.initialSilence, data: {} };
}

function ignoredSpeech(): RecognizeOutcome {
  return { kind: 'ignored', reason: 'speech is not listened to by a DTMF recognize' };
}

function collectTone(settings: RecognizeSettings, progress: RecognizeProgress, tone: Tone): RecognizeOutcome {
  progress.tones.push(tone);
  // The stop tone ends collection and is reported as the last of dtmfResult.tones, as ACS does (the Java SDK's
  // RecognizeCompleted fixture has ["five", "six", "pound"]; .NET documents ConvertToString() as "12345#").
  if (settings.stopTones.includes(tone)) {
    return { kind: 'completed', result: RESULTS.stopTone, data: dtmfData(progress.tones) };
  }
  if (progress.tones.length >= settings.maxTones) {
    return { kind: 'completed', result: RESULTS.maxDigits, data: dtmfData(progress.tones) };
  }
  return { kind: 'collecting' };
}

function dtmfData(tones: readonly Tone[]): Record<string, unknown> {
  return { recognitionType: 'dtmf', dtmfResult: { tones: [...tones] } };
}

function speech(settings: RecognizeSettings, input: Exclude<CallerInput, { kind: 'tone' }>): RecognizeOutcome {
  if (input.kind === 'mumble') return { kind: 'failed', result: RESULTS.speechNotRecognized, data: {} };
  return {
    kind: 'completed',
    result: RESULTS.speechRecognized,
    data: {
      recognitionType: 'speech',
      speechResult: { speech: input.text, confidence: input.confidence ?? DEFAULT_CONFIDENCE, ...previewResult(settings, input) },
    },
  };
}

function choice(settings: RecognizeSettings, input: CallerInput): RecognizeOutcome {
  switch (input.kind) {
    case 'tone': {
      const matched = settings.choices.find((c) => c.tone === input.tone);
      if (!matched) return { kind: 'failed', result: RESULTS.incorrectTone, data: {} };
      // No recognizedPhrase for a DTMF match (spec). recognitionType "choices" is our pick; the Java fixture shows "dtmf".
      return { kind: 'completed', result: RESULTS.dtmfOptionMatched, data: { recognitionType: 'choices', choiceResult: { label: matched.label } } };
    }
    case 'mumble':
      return { kind: 'failed', result: RESULTS.speechNotRecognized, data: {} };
    case 'speech': {
      const said = normalise(input.text);
      for (const c of settings.choices) {
        const phrase = c.phrases.find((p) => normalise(p) === said);
        if (phrase !== undefined) {
          return {
            kind: 'completed',
            result: RESULTS.speechOptionMatched,
            data: {
              recognitionType: 'choices',
              choiceResult: {
                label: c.label,
                recognizedPhrase: phrase,
                confidence: input.confidence ?? DEFAULT_CONFIDENCE,
                ...previewResult(settings, input),
              },
            },
          };
        }
      }
      return { kind: 'failed', result: RESULTS.speechOptionNotMatched, data: {} };
    }
  }
}

function previewResult(
  settings: RecognizeSettings,
  input: { language?: string; sentiment?: string },
): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  if (settings.speechLanguages !== undefined) {
    extra['languageIdentified'] = input.language ?? settings.speechLanguages[0] ?? 'en-US';
  }
  if (settings.sentimentAnalysis) {
    extra['sentimentAnalysisResult'] = { sentiment: input.sentiment ?? 'neutral' };
  }
  return extra;
}

function normalise(text: string): string {
  return text.trim().toLowerCase();
}

const TONE_BY_KEY: Record<string, Tone> = {
  '0': 'zero', '1': 'one', '2': 'two', '3': 'three', '4': 'four', '5': 'five', '6': 'six', '7': 'seven',
  '8': 'eight', '9': 'nine', '#': 'pound', '*': 'asterisk', a: 'a', b: 'b', c: 'c', d: 'd',
};

const KEY_BY_TONE = Object.fromEntries(Object.entries(TONE_BY_KEY).map(([key, tone]) => [tone, key.toUpperCase()])) as Record<Tone, string>;

/** 'pound' -> '#': the key a caller pressed, as a keypad shows it. */
export function keyOfTone(tone: Tone): string {
  return KEY_BY_TONE[tone];
}

/** '12#' -> ['one', 'two', 'pound']; throws on a key a phone keypad does not have. */
export function tonesFromKeys(keys: string): Tone[] {
  return [...keys.replace(/\s+/g, '')].map((key) => {
    const tone = TONE_BY_KEY[key.toLowerCase()];
    if (tone === undefined) throw new Error(`"${key}" is not a DTMF key (use 0-9, *, #, A-D)`);
    return tone;
  });
}
