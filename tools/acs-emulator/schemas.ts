// Owns request-body validation for the REST operations (field tables of acs-wire.md 1.3-1.8), and the 8523 error text.
import { z } from 'zod';

export const TONES = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine',
  'a', 'b', 'c', 'd', 'pound', 'asterisk',
] as const;
export const toneSchema = z.enum(TONES);
export type Tone = z.infer<typeof toneSchema>;

export const identifierSchema = z
  .object({
    kind: z.string().optional(),
    rawId: z.string().optional(),
    communicationUser: z.object({ id: z.string().min(1) }).optional(),
    phoneNumber: z
      .object({ value: z.string().min(1), isAnonymous: z.boolean().optional(), assertedId: z.string().optional() })
      .optional(),
    microsoftTeamsUser: z.record(z.string(), z.unknown()).optional(),
    microsoftTeamsApp: z.record(z.string(), z.unknown()).optional(),
    teamsExtensionUser: z.record(z.string(), z.unknown()).optional(),
  })
  .refine(
    (id) =>
      id.rawId !== undefined ||
      id.communicationUser !== undefined ||
      id.phoneNumber !== undefined ||
      id.microsoftTeamsUser !== undefined ||
      id.microsoftTeamsApp !== undefined ||
      id.teamsExtensionUser !== undefined,
    { message: 'an identifier needs rawId or one of communicationUser/phoneNumber/microsoftTeamsUser/microsoftTeamsApp' },
  );
export type IdentifierModel = z.infer<typeof identifierSchema>;

export const playSourceSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('file'),
    playSourceCacheId: z.string().optional(),
    file: z.object({ uri: z.string().min(1) }),
  }),
  z.object({
    kind: z.literal('text'),
    playSourceCacheId: z.string().optional(),
    text: z.object({
      text: z.string().min(1),
      sourceLocale: z.string().optional(),
      voiceKind: z.enum(['male', 'female']).optional(),
      voiceName: z.string().optional(),
      customVoiceEndpointId: z.string().optional(),
    }),
  }),
  z.object({
    kind: z.literal('ssml'),
    playSourceCacheId: z.string().optional(),
    ssml: z.object({ ssmlText: z.string().min(1), customVoiceEndpointId: z.string().optional() }),
  }),
]);
export type PlaySource = z.infer<typeof playSourceSchema>;

export const answerSchema = z.object({
  incomingCallContext: z.string().min(1),
  callbackUri: z.url(),
  operationContext: z.string().optional(),
  callIntelligenceOptions: z.object({ cognitiveServicesEndpoint: z.url().optional() }).optional(),
  answeredBy: z.object({ id: z.string() }).optional(),
  mediaStreamingOptions: z.record(z.string(), z.unknown()).optional(),
  transcriptionOptions: z.record(z.string(), z.unknown()).optional(),
  enableLoopbackAudio: z.boolean().optional(),
});
export type AnswerRequest = z.infer<typeof answerSchema>;

/** CreateCallRequest of the 2026-03-12 spec: `additionalProperties: false`, `targets` and `callbackUri` required. */
export const createCallSchema = z.strictObject({
  targets: z.array(identifierSchema).min(1),
  sourceCallerIdNumber: z.strictObject({ value: z.string().min(1), isAnonymous: z.boolean().optional(), assertedId: z.string().optional() }).optional(),
  sourceDisplayName: z.string().optional(),
  source: z.strictObject({ id: z.string().min(1) }).optional(),
  operationContext: z.string().optional(),
  callbackUri: z.url(),
  callIntelligenceOptions: z.strictObject({ cognitiveServicesEndpoint: z.string().optional() }).optional(),
  mediaStreamingOptions: z.record(z.string(), z.unknown()).optional(),
  transcriptionOptions: z.record(z.string(), z.unknown()).optional(),
  teamsAppSource: z.record(z.string(), z.unknown()).optional(),
  enableLoopbackAudio: z.boolean().optional(),
});
export type CreateCallRequest = z.infer<typeof createCallSchema>;

export const recognizeSchema = z
  .object({
    recognizeInputType: z.enum(['dtmf', 'speech', 'speechOrDtmf', 'choices']),
    playPrompt: playSourceSchema.optional(),
    playPrompts: z.array(playSourceSchema).optional(),
    interruptCallMediaOperation: z.boolean().optional(),
    recognizeOptions: z.object({
      targetParticipant: identifierSchema,
      interruptPrompt: z.boolean().optional(),
      initialSilenceTimeoutInSeconds: z.int().min(0).max(300).optional(),
      speechLanguage: z.string().min(1).optional(),
      speechRecognitionModelEndpointId: z.string().optional(),
      dtmfOptions: z
        .object({
          interToneTimeoutInSeconds: z.int().min(1).max(60).optional(),
          maxTonesToCollect: z.int().min(1).optional(),
          stopTones: z.array(toneSchema).optional(),
        })
        .optional(),
      choices: z
        .array(z.object({ label: z.string().min(1), phrases: z.array(z.string().min(1)), tone: toneSchema.optional() }))
        .optional(),
      speechOptions: z.object({ endSilenceTimeoutInMs: z.int().min(0).optional() }).optional(),
      // Preview 2025-08-15 only; server.ts decides what to do with them under a stable api-version.
      speechLanguages: z.array(z.string().min(1)).optional(),
      enableSentimentAnalysis: z.boolean().optional(),
    }),
    operationContext: z.string().optional(),
    operationCallbackUri: z.url().optional(),
  })
  .superRefine((req, ctx) => {
    if (req.recognizeInputType === 'choices' && (req.recognizeOptions.choices ?? []).length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['recognizeOptions', 'choices'],
        message: 'is required (at least one choice) when recognizeInputType is choices',
      });
    }
  });
export type RecognizeRequest = z.infer<typeof recognizeSchema>;

export const playSchema = z.object({
  playSources: z.array(playSourceSchema).min(1),
  playTo: z.array(identifierSchema).optional(),
  interruptCallMediaOperation: z.boolean().optional(),
  playOptions: z.object({ loop: z.boolean() }).optional(),
  operationContext: z.string().optional(),
  operationCallbackUri: z.url().optional(),
});
export type PlayRequest = z.infer<typeof playSchema>;

export const transferSchema = z.object({
  targetParticipant: identifierSchema,
  operationContext: z.string().optional(),
  transferee: identifierSchema.optional(),
  operationCallbackUri: z.url().optional(),
  customCallingContext: z.record(z.string(), z.unknown()).optional(),
  sourceCallerIdNumber: z.object({ value: z.string() }).optional(),
});
export type TransferRequest = z.infer<typeof transferSchema>;

/** `recognizeOptions.choices[0].label: Invalid input...` — the service names the offending field. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'Invalid request body.';
  const path = issue.path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
    .join('');
  return `Invalid request body: ${path || '(body)'}: ${issue.message}`;
}
