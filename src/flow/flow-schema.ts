// Owns the shape of a hotline flow file: every Recognize parameter with the seeds' defaults and ranges.
import { z } from 'zod';

/** Keys as a caller presses them; the ACS adapter turns them into the wire's tone words. */
export const TONE_KEYS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D'] as const;
export type ToneKey = (typeof TONE_KEYS)[number];

export const SENTIMENTS = ['positive', 'negative', 'neutral', 'mixed'] as const;
export type Sentiment = (typeof SENTIMENTS)[number];

/** Seed limits: the Recognize how-to's parameter table and its language-identification note. */
export const LIMITS = {
  interToneTimeoutSeconds: { min: 1, max: 60, default: 2 },
  initialSilenceTimeoutSeconds: { min: 0, maxDtmf: 300, maxSpeech: 20, default: 5 },
  endSilenceTimeoutSeconds: { default: 0.5 },
  maxTonesToCollect: { min: 1 },
  speechLanguages: { maxSpeech: 10, maxChoices: 4 },
  defaultSpeechLanguage: 'en-US',
} as const;

const language = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as en-US');
const toneKey = z.enum(TONE_KEYS);
/** A value that is either the same for every language or given per language tag. */
const localized = <T extends z.ZodType>(value: T) => z.union([value, z.record(language, value)]);

export const promptSchema = z.union([
  z.strictObject({ text: localized(z.string().min(1)), voice: localized(z.string().min(1)).optional() }),
  z.strictObject({ ssml: localized(z.string().min(1)) }),
  z.strictObject({ audioUrl: localized(z.url({ protocol: /^https?$/ })) }),
]);
export type Prompt = z.output<typeof promptSchema>;

/** A prompt inline, or the name of one in the flow's `messages`. */
const promptRef = z.union([z.string().min(1), promptSchema]);
export type PromptRef = z.output<typeof promptRef>;

export type Step =
  | { readonly menu: string }
  | { readonly say: PromptRef; readonly next: Step }
  | { readonly transfer: 'operator' }
  | { readonly goodbye: true };
export const stepSchema: z.ZodType<Step> = z.lazy(() =>
  z.union([
    z.strictObject({ menu: z.string().min(1) }),
    z.strictObject({ say: promptRef, next: stepSchema }),
    z.strictObject({ transfer: z.literal('operator') }),
    z.strictObject({ goodbye: z.literal(true) }),
  ]),
);

const routeCondition = z.union([
  z.strictObject({ tones: z.string().regex(/^[0-9*#A-D]+$/, 'must be keys 0-9, *, #, A-D') }),
  z.strictObject({ choice: z.string().min(1) }),
  z.strictObject({ phrase: z.string().min(1) }),
  z.strictObject({ sentiment: z.enum(SENTIMENTS) }),
  z.strictObject({ any: z.literal(true) }),
]);
export type RouteCondition = z.output<typeof routeCondition>;

const route = z.strictObject({ when: routeCondition, then: stepSchema });
export type Route = z.output<typeof route>;

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
  interruptPrompt: z.boolean().default(true),
  interruptCallMediaOperation: z.boolean().default(true),
  /** A label ACS echoes back; the app appends the menu attempt so results stay correlated. */
  operationContext: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, _ . -').optional(),
};
const dtmfFields = {
  maxTonesToCollect: z.int().min(LIMITS.maxTonesToCollect.min),
  interToneTimeoutSeconds: z
    .number()
    .min(LIMITS.interToneTimeoutSeconds.min)
    .max(LIMITS.interToneTimeoutSeconds.max)
    .default(LIMITS.interToneTimeoutSeconds.default),
  stopTones: z.array(toneKey).default([]),
};
const speechFields = {
  speechLanguage: language.optional(),
  speechModelEndpointId: z.string().min(1).optional(),
  /** Preview: sentiment analysis of what the caller said. */
  enableSentimentAnalysis: z.boolean().default(false),
};
const speechSilence = z.number().min(LIMITS.initialSilenceTimeoutSeconds.min).max(LIMITS.initialSilenceTimeoutSeconds.maxSpeech, {
  error: `must be at most ${LIMITS.initialSilenceTimeoutSeconds.maxSpeech} seconds when speech is recognized`,
});
const endSilence = z.number().positive().default(LIMITS.endSilenceTimeoutSeconds.default);
/** Preview: candidate languages for real-time language identification; fewer are allowed for choices. */
const identificationLanguages = (max: number, inputs: string) =>
  z.array(language).min(1).max(max, { error: `must list at most ${max} languages for ${inputs}` }).optional();

const choice = z.strictObject({
  label: z.string().min(1),
  phrases: z.array(z.string().min(1)).min(1),
  tone: toneKey.optional(),
});

export const inputSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('dtmf'),
    ...common,
    initialSilenceTimeoutSeconds: z
      .number()
      .min(LIMITS.initialSilenceTimeoutSeconds.min)
      .max(LIMITS.initialSilenceTimeoutSeconds.maxDtmf, { error: 'must be at most 300 seconds for DTMF' })
      .default(LIMITS.initialSilenceTimeoutSeconds.default),
    ...dtmfFields,
  }),
  z.strictObject({
    type: z.literal('choices'),
    ...common,
    initialSilenceTimeoutSeconds: speechSilence.default(LIMITS.initialSilenceTimeoutSeconds.default),
    ...speechFields,
    speechLanguages: identificationLanguages(LIMITS.speechLanguages.maxChoices, 'choices'),
    choices: z.array(choice).min(1),
  }),
  z.strictObject({
    type: z.literal('speech'),
    ...common,
    initialSilenceTimeoutSeconds: speechSilence.default(LIMITS.initialSilenceTimeoutSeconds.default),
    ...speechFields,
    speechLanguages: identificationLanguages(LIMITS.speechLanguages.maxSpeech, 'speech'),
    endSilenceTimeoutSeconds: endSilence,
  }),
  z.strictObject({
    type: z.literal('speechOrDtmf'),
    ...common,
    initialSilenceTimeoutSeconds: speechSilence.default(LIMITS.initialSilenceTimeoutSeconds.default),
    ...dtmfFields,
    ...speechFields,
    speechLanguages: identificationLanguages(LIMITS.speechLanguages.maxSpeech, 'speech'),
    endSilenceTimeoutSeconds: endSilence,
  }),
]);
export type RecognizeInput = z.output<typeof inputSchema>;
export type InputType = RecognizeInput['type'];

export const menuSchema = z.strictObject({
  prompt: promptRef,
  input: inputSchema,
  routes: z.array(route).min(1),
  maxAttempts: z.int().min(1).max(10).optional(),
  reprompts: reprompts.optional(),
  onMaxAttempts: stepSchema.optional(),
});
export type Menu = z.output<typeof menuSchema>;

export const flowSchema = z.strictObject({
  $schema: z.string().optional(),
  description: z.string().optional(),
  defaultLanguage: language.default(LIMITS.defaultSpeechLanguage),
  /** The text-to-speech voice for each language a text prompt can be spoken in. */
  voices: z.record(language, z.string().min(1)),
  start: z.string().min(1),
  maxAttempts: z.int().min(1).max(10).default(3),
  onMaxAttempts: stepSchema.default({ transfer: 'operator' }),
  messages: z.record(z.string().min(1), promptSchema).default({}),
  reprompts: reprompts.default({}),
  /** Said before hanging up; also the end of every planned failure. */
  goodbye: promptRef,
  /** Said when something failed that the caller could not fix (a prompt, a message, a transfer). */
  apology: promptRef,
  menus: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,39}$/, 'menu ids are 1-40 letters, digits, _ or -'), menuSchema),
});
export type Flow = z.output<typeof flowSchema>;
