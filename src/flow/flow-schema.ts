// Owns the shape of a hotline flow file: every Recognize parameter with the seeds' defaults and ranges.
import * as z from '../zod-mini';
import { scheduleSchema } from './schedule-schema';

/** Keys as a caller presses them; the ACS adapter turns them into the wire's tone words. */
export const TONE_KEYS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D'] as const;
export type ToneKey = (typeof TONE_KEYS)[number];

export const SENTIMENTS = ['positive', 'negative', 'neutral', 'mixed'] as const;
export type Sentiment = (typeof SENTIMENTS)[number];

/**
 * Seed limits: the Recognize how-to's parameter table and its language-identification note. The wire takes whole
 * seconds (`interToneTimeoutInSeconds`, `initialSilenceTimeoutInSeconds` are int32) and whole milliseconds for the end
 * silence (`endSilenceTimeoutInMs`, int64): ACS answers 400 to anything else, so the flow cannot say it.
 */
export const LIMITS = {
  interToneTimeoutSeconds: { min: 1, max: 60, default: 2 },
  initialSilenceTimeoutSeconds: { min: 0, maxDtmf: 300, maxSpeech: 20, default: 5 },
  endSilenceTimeoutSeconds: { default: 0.5 },
  maxTonesToCollect: { min: 1 },
  speechLanguages: { maxSpeech: 10, maxChoices: 4 },
  defaultSpeechLanguage: 'en-US',
} as const;

/** A BCP 47 language tag as ACS speaks them: `en-US`, `es-ES`, `yue-CN`. */
export const LANGUAGE_TAG = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const language = z.string().check(z.regex(LANGUAGE_TAG, 'must be a language tag such as en-US'));
const toneKey = z.enum(TONE_KEYS);
const text = z.string().check(z.minLength(1));
/** A value that is either the same for every language or given per language tag. */
const localized = <T extends z.ZodMiniType>(value: T) => z.union([value, z.record(language, value)]);

/**
 * The flow file keeps its short JSON form (`{ "menu": "main" }`); parsing adds the kind it is, so code switches on
 * `kind` exhaustively instead of probing keys, and a new kind cannot fall through to a default.
 */
const tagged = <K extends string, T extends z.ZodMiniType<object>>(kind: K, schema: T) =>
  z.pipe(
    schema,
    z.transform((value: z.output<T>): { readonly kind: K } & z.output<T> => ({ kind, ...value })),
  );

export const promptSchema = z.union([
  tagged('text', z.strictObject({ text: localized(text), voice: z.optional(localized(text)) })),
  tagged('ssml', z.strictObject({ ssml: localized(text) })),
  tagged('audio', z.strictObject({ audioUrl: localized(z.url({ protocol: /^https?$/ })) })),
]);
export type Prompt = z.output<typeof promptSchema>;

/** A prompt inline, or the name of one in the flow's `messages`. */
const promptRef = z.union([text, promptSchema]);
export type PromptRef = z.output<typeof promptRef>;

export type Step =
  | { readonly kind: 'menu'; readonly menu: string }
  | { readonly kind: 'say'; readonly say: PromptRef; readonly next: Step }
  | { readonly kind: 'transfer'; readonly transfer: 'operator' }
  | { readonly kind: 'goodbye'; readonly goodbye: true }
  /** Chooses by the clock: `open` while the named schedule is open, `closed` otherwise. */
  | { readonly kind: 'schedule'; readonly schedule: string; readonly open: Step; readonly closed: Step };
/** A step as the flow file writes it. */
type StepJson =
  | { menu: string }
  | { say: z.input<typeof promptRef>; next: StepJson }
  | { transfer: 'operator' }
  | { goodbye: true }
  | { schedule: string; open: StepJson; closed: StepJson };
export const stepSchema: z.ZodMiniType<Step, StepJson> = z.lazy(() =>
  z.union([
    tagged('menu', z.strictObject({ menu: text })),
    tagged('say', z.strictObject({ say: promptRef, next: stepSchema })),
    tagged('transfer', z.strictObject({ transfer: z.literal('operator') })),
    tagged('goodbye', z.strictObject({ goodbye: z.literal(true) })),
    tagged('schedule', z.strictObject({ schedule: text, open: stepSchema, closed: stepSchema })),
  ]),
);

const routeCondition = z.union([
  tagged('tones', z.strictObject({ tones: z.string().check(z.regex(/^[0-9*#A-D]+$/, 'must be keys 0-9, *, #, A-D')) })),
  tagged('choice', z.strictObject({ choice: text })),
  tagged('phrase', z.strictObject({ phrase: text })),
  tagged('sentiment', z.strictObject({ sentiment: z.enum(SENTIMENTS) })),
  tagged('any', z.strictObject({ any: z.literal(true) })),
  /** Whatever the caller answered, while a schedule is open (or closed): a menu that routes by the clock. */
  tagged('open', z.strictObject({ open: text })),
  tagged('closed', z.strictObject({ closed: text })),
]);
export type RouteCondition = z.output<typeof routeCondition>;

/** A business result a route records on the call, e.g. `confirmed`: an outbound request's outcome. */
const resultLabel = z.string().check(z.regex(/^[a-z][A-Za-z0-9]{0,31}$/, 'must be 1-32 letters or digits, starting with a lower-case letter'));
export const routeSchema = z.strictObject({ when: routeCondition, then: stepSchema, result: z.optional(resultLabel) });
export type Route = z.output<typeof routeSchema>;

export const FAILURE_REASONS = [
  'noInput',
  'incompleteDigits',
  'wrongKey',
  'noMatch',
  'speechNotRecognized',
  'canceled',
] as const;
export type RepromptReason = (typeof FAILURE_REASONS)[number];
const reprompts = z.partialRecord(z.enum(FAILURE_REASONS), promptRef);

const common = {
  interruptPrompt: z._default(z.boolean(), true),
  interruptCallMediaOperation: z._default(z.boolean(), true),
  /** A label ACS echoes back; the app appends the menu attempt so results stay correlated. */
  operationContext: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, _ . -'))),
};
const wholeSeconds = z.number().check(z.refine(Number.isInteger, 'must be a whole number of seconds'));
const dtmfFields = {
  maxTonesToCollect: z.int().check(z.minimum(LIMITS.maxTonesToCollect.min)),
  interToneTimeoutSeconds: z._default(
    wholeSeconds.check(z.minimum(LIMITS.interToneTimeoutSeconds.min), z.maximum(LIMITS.interToneTimeoutSeconds.max)),
    LIMITS.interToneTimeoutSeconds.default,
  ),
  stopTones: z._default(z.array(toneKey), []),
};
const speechFields = {
  speechLanguage: z.optional(language),
  speechModelEndpointId: z.optional(text),
  /** Sentiment analysis of what the caller said. */
  enableSentimentAnalysis: z._default(z.boolean(), false),
};
const speechSilence = z._default(
  wholeSeconds.check(
    z.minimum(LIMITS.initialSilenceTimeoutSeconds.min),
    z.maximum(LIMITS.initialSilenceTimeoutSeconds.maxSpeech, {
      error: `must be at most ${LIMITS.initialSilenceTimeoutSeconds.maxSpeech} seconds when speech is recognized`,
    }),
  ),
  LIMITS.initialSilenceTimeoutSeconds.default,
);
const endSilence = z._default(
  z.number().check(
    z.positive(),
    z.refine((seconds) => Number.isInteger(Number((seconds * 1000).toFixed(6))), 'must be a whole number of milliseconds (at most 3 decimals)'),
  ),
  LIMITS.endSilenceTimeoutSeconds.default,
);
/** Candidate languages for real-time language identification; fewer are allowed for choices. */
const identificationLanguages = (max: number, inputs: string) =>
  z.optional(z.array(language).check(z.minLength(1), z.maxLength(max, { error: `must list at most ${max} languages for ${inputs}` })));

const choice = z.strictObject({
  label: text,
  phrases: z.array(text).check(z.minLength(1)),
  tone: z.optional(toneKey),
});

export const inputSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('dtmf'),
    ...common,
    initialSilenceTimeoutSeconds: z._default(
      wholeSeconds.check(
        z.minimum(LIMITS.initialSilenceTimeoutSeconds.min),
        z.maximum(LIMITS.initialSilenceTimeoutSeconds.maxDtmf, { error: 'must be at most 300 seconds for DTMF' }),
      ),
      LIMITS.initialSilenceTimeoutSeconds.default,
    ),
    ...dtmfFields,
  }),
  z.strictObject({
    type: z.literal('choices'),
    ...common,
    initialSilenceTimeoutSeconds: speechSilence,
    ...speechFields,
    speechLanguages: identificationLanguages(LIMITS.speechLanguages.maxChoices, 'choices'),
    choices: z.array(choice).check(z.minLength(1)),
  }),
  z.strictObject({
    type: z.literal('speech'),
    ...common,
    initialSilenceTimeoutSeconds: speechSilence,
    ...speechFields,
    speechLanguages: identificationLanguages(LIMITS.speechLanguages.maxSpeech, 'speech'),
    endSilenceTimeoutSeconds: endSilence,
  }),
  z.strictObject({
    type: z.literal('speechOrDtmf'),
    ...common,
    initialSilenceTimeoutSeconds: speechSilence,
    ...dtmfFields,
    ...speechFields,
    speechLanguages: identificationLanguages(LIMITS.speechLanguages.maxSpeech, 'speech'),
    endSilenceTimeoutSeconds: endSilence,
  }),
]);
export type RecognizeInput = z.output<typeof inputSchema>;
export type InputType = RecognizeInput['type'];

const attempts = z.int().check(z.minimum(1), z.maximum(10));

export const menuSchema = z.strictObject({
  prompt: promptRef,
  input: inputSchema,
  routes: z.array(routeSchema).check(z.minLength(1)),
  maxAttempts: z.optional(attempts),
  reprompts: z.optional(reprompts),
  onMaxAttempts: z.optional(stepSchema),
  /** Speech heard with less confidence than this (0-1) is not acted on: it is reprompted as a no match. */
  minConfidence: z.optional(z.number().check(z.minimum(0), z.maximum(1))),
});
export type Menu = z.output<typeof menuSchema>;

/** How an outbound attempt can end without a route's result; each can be named for a retry. */
export const OUTBOUND_OUTCOMES = ['noAnswer', 'busy', 'declined', 'failed', 'hungUp', 'noResponse'] as const;
export type OutboundFailure = (typeof OUTBOUND_OUTCOMES)[number];

export const OUTBOUND_LIMITS = {
  ringSeconds: { min: 10, max: 120, default: 30 },
  maxAttempts: { min: 1, max: 10, default: 1 },
  spacingSeconds: { min: 1, max: 7 * 24 * 3600, default: 900 },
} as const;

const variableName = z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_-]{0,39}$/, 'variable names are 1-40 letters, digits, _ or -'));
const boundedInt = (limits: { min: number; max: number; default: number }) => z._default(z.int().check(z.minimum(limits.min), z.maximum(limits.max)), limits.default);

export const campaignSchema = z.strictObject({
  description: z.optional(z.string()),
  /** The menu an answered call starts at. */
  start: text,
  /** The `{{names}}` its prompts read from the request; every request must give each one. */
  variables: z._default(z.array(variableName), []),
  /** Said before hanging up instead of the flow's goodbye, which thanks the caller for calling. */
  goodbye: z.optional(promptRef),
  /** How long the callee's phone rings before the attempt counts as not answered. */
  ringSeconds: boundedInt(OUTBOUND_LIMITS.ringSeconds),
  retry: z._default(
    z.strictObject({
      maxAttempts: boundedInt(OUTBOUND_LIMITS.maxAttempts),
      spacingSeconds: boundedInt(OUTBOUND_LIMITS.spacingSeconds),
      on: z._default(z.array(z.enum(OUTBOUND_OUTCOMES)), ['noAnswer', 'busy']),
    }),
    { maxAttempts: OUTBOUND_LIMITS.maxAttempts.default, spacingSeconds: OUTBOUND_LIMITS.spacingSeconds.default, on: ['noAnswer', 'busy'] },
  ),
});
export type Campaign = z.output<typeof campaignSchema>;

export const flowSchema = z.strictObject({
  $schema: z.optional(z.string()),
  description: z.optional(z.string()),
  defaultLanguage: z._default(language, LIMITS.defaultSpeechLanguage),
  /** The text-to-speech voice for each language a text prompt can be spoken in. */
  voices: z.record(language, text),
  start: text,
  maxAttempts: z._default(attempts, 3),
  onMaxAttempts: z._default(stepSchema, { kind: 'transfer', transfer: 'operator' }),
  messages: z._default(z.record(text, promptSchema), {}),
  reprompts: z._default(reprompts, {}),
  /** Said before hanging up; also the end of every planned failure. */
  goodbye: promptRef,
  /** Said when something failed that the caller could not fix (a prompt, a message, a transfer). */
  apology: promptRef,
  /** Opening hours by name, for routes (`{ "open": name }`) and steps (`{ "schedule": name, ... }`). */
  schedules: z._default(z.record(z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_-]{0,39}$/, 'schedule ids are 1-40 letters, digits, _ or -')), scheduleSchema), {}),
  menus: z.record(z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_-]{0,39}$/, 'menu ids are 1-40 letters, digits, _ or -')), menuSchema),
  /** Outbound calls: each names the menu an answered call starts at, the variables its prompts read, and its retries. */
  campaigns: z._default(z.record(z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_-]{0,39}$/, 'campaign ids are 1-40 letters, digits, _ or -')), campaignSchema), {}),
});
export type Flow = z.output<typeof flowSchema>;
