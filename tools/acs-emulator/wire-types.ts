// Owns the TypeScript view of the spec models the emulator reads; contract.ts has already validated each body against the spec.
// Types only, and only the fields the emulator uses: the spec (spec/) is the one definition of what is valid.

/** The spec's `Tone` enum, in its order (test/emulator/contract.test.ts checks it against both vendored versions). */
export const TONES = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine',
  'a', 'b', 'c', 'd', 'pound', 'asterisk',
] as const;
export type Tone = (typeof TONES)[number];

export interface IdentifierModel {
  kind?: string;
  rawId?: string;
  communicationUser?: { id: string };
  phoneNumber?: { value: string; isAnonymous?: boolean; assertedId?: string };
}

export type PlaySource =
  | { kind: 'file'; playSourceCacheId?: string; file: { uri: string } }
  | { kind: 'text'; playSourceCacheId?: string; text: { text: string; sourceLocale?: string; voiceKind?: string; voiceName?: string } }
  | { kind: 'ssml'; playSourceCacheId?: string; ssml: { ssmlText: string } };

export interface AnswerRequest {
  incomingCallContext: string;
  callbackUri: string;
  operationContext?: string;
}

/** CreateCallRequest: the fields the emulator reads (the spec checked the rest). */
export interface CreateCallRequest {
  targets: IdentifierModel[];
  sourceCallerIdNumber?: { value: string };
  source?: { id: string };
  operationContext?: string;
  callbackUri: string;
}

export interface RecognizeChoice {
  label: string;
  phrases: string[];
  tone?: Tone;
}

export interface RecognizeRequest {
  recognizeInputType: 'dtmf' | 'speech' | 'speechOrDtmf' | 'choices';
  playPrompt?: PlaySource;
  playPrompts?: PlaySource[];
  interruptCallMediaOperation?: boolean;
  recognizeOptions: {
    targetParticipant: IdentifierModel;
    interruptPrompt?: boolean;
    initialSilenceTimeoutInSeconds?: number;
    speechLanguage?: string;
    speechLanguages?: string[];
    enableSentimentAnalysis?: boolean;
    dtmfOptions?: { interToneTimeoutInSeconds?: number; maxTonesToCollect?: number; stopTones?: Tone[] };
    choices?: RecognizeChoice[];
    speechOptions?: { endSilenceTimeoutInMs?: number };
  };
  operationContext?: string;
  operationCallbackUri?: string;
}

export interface PlayRequest {
  playSources: PlaySource[];
  interruptCallMediaOperation?: boolean;
  operationContext?: string;
  operationCallbackUri?: string;
}

export interface TransferRequest {
  targetParticipant: IdentifierModel;
  operationContext?: string;
  operationCallbackUri?: string;
}
