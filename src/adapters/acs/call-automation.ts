// Owns every request the app makes to ACS Call Automation: answer, and each decided action as an SDK call.
import {
  CallAutomationClient,
  type CallMediaRecognizeChoiceOptions,
  type CallMediaRecognizeDtmfOptions,
  type CallMediaRecognizeSpeechOptions,
  type CallMediaRecognizeSpeechOrDtmfOptions,
  type DtmfTone,
  type FileSource,
  type SsmlSource,
  type TextSource,
} from '@azure/communication-call-automation';
import { createIdentifierFromRawId, type PhoneNumberIdentifier } from '@azure/communication-common';
import type { TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { ActionResult, AnswerResult, ConnectionState, PlaceResult } from '../../app/ports';
import type { CallAction, RecognizeSpec, SpokenPrompt } from '../../domain/call-action';
import type { ToneKey } from '../../flow/flow-schema';
import { actionFailure, answerFailure, placeFailure } from './acs-failure';
import { CallMediaCache } from './call-media-cache';

const TONE_WORDS: Record<ToneKey, string> = {
  '0': 'zero', '1': 'one', '2': 'two', '3': 'three', '4': 'four', '5': 'five', '6': 'six', '7': 'seven', '8': 'eight', '9': 'nine',
  '*': 'asterisk', '#': 'pound', A: 'a', B: 'b', C: 'c', D: 'd',
};
export const toneWord = (key: ToneKey) => TONE_WORDS[key] as DtmfTone;
const KEY_BY_WORD = new Map(Object.entries(TONE_WORDS).map(([key, word]) => [word, key]));
/** Tones arrive as words ("one", "pound"); unknown words become "?" so a route can never match them by accident. */
export const toneKeys = (words: readonly string[]) => words.map((word) => KEY_BY_WORD.get(word.toLowerCase()) ?? '?').join('');

/**
 * Recognize fields that SDK 1.6.0 drops or gets wrong, set on the wire as the official spec (2026-03-12) defines them.
 * The SDK has no `speechLanguages` or `enableSentimentAnalysis`; it sends 5 when asked for an initial silence of 0 (it
 * tests the value for truthiness); and it multiplies the end silence by 1000 in floating point, so 1.1 s goes out as
 * 1100.0000000000002 ms, which ACS refuses (the field is int64).
 */
interface RecognizeWireFields {
  speechLanguages?: readonly string[];
  enableSentimentAnalysis?: boolean;
  initialSilenceTimeoutInSeconds?: number;
  endSilenceTimeoutInMs?: number;
}

/**
 * Writes the fields into the Recognize body. Runs per call before the HMAC policy, so the signature covers them. Every
 * other request of the client goes out as the SDK wrote it: a Play through a call's kept CallMedia may use this client.
 * Bound to one set of fields, on a client of its own: an AsyncLocalStorage to pass them per request would turn on async
 * hooks for every promise in the process (about 5 % of the app's CPU under load).
 */
function recognizeWirePolicy({ endSilenceTimeoutInMs, ...options }: RecognizeWireFields): PipelinePolicy {
  return {
    name: 'hotlineRecognizeWireFields',
    sendRequest: (request, next) => {
      if (request.url.includes(':recognize') && typeof request.body === 'string') {
        const body = JSON.parse(request.body) as { recognizeOptions?: { speechOptions?: Record<string, unknown> } & Record<string, unknown> };
        const recognizeOptions = { ...body.recognizeOptions, ...options };
        if (endSilenceTimeoutInMs !== undefined) recognizeOptions.speechOptions = { ...recognizeOptions.speechOptions, endSilenceTimeoutInMs };
        body.recognizeOptions = recognizeOptions;
        request.body = JSON.stringify(body);
      }
      return next(request);
    },
  };
}

export type AcsConnection = { readonly endpoint: string; readonly connectionString: string } | { readonly endpoint: string; readonly credential: TokenCredential };

export interface PlaceRequest {
  readonly calleeRawId: string;
  readonly callbackUrl: string;
  readonly cognitiveServicesEndpoint: string;
  readonly operationContext: string;
}

export interface AnswerRequest {
  readonly incomingCallContext: string;
  readonly callbackUrl: string;
  readonly cognitiveServicesEndpoint: string;
  readonly operationContext: string;
  readonly abortSignal: AbortSignal;
}

/**
 * Each try of any ACS request gives up after this long (Node's default is none): a hung socket must not eat the
 * caller's ring window or the callback's deadline. A timed-out try is not retried by the SDK (it may have landed).
 */
export const ACS_TRY_TIMEOUT_MS = 5_000;

const tryTimeoutPolicy: PipelinePolicy = {
  name: 'hotlineTryTimeout',
  sendRequest: (request, next) => {
    if (!(request.timeout > 0)) request.timeout = ACS_TRY_TIMEOUT_MS;
    return next(request);
  },
};

/**
 * Mid-call actions carry no repeatability id, so a retry after a lost response could run one twice: few, short retries.
 * The SDK gives each answerCall one repeatability id that its own retries reuse, so those cannot answer twice; and a
 * caller who is not answered is lost, so answering tries harder (about 6 s at most, well inside the 30 s ring window).
 */
const ACTION_RETRY = { maxRetries: 2, retryDelayInMs: 300, maxRetryDelayInMs: 1_000 };
const ANSWER_RETRY = { maxRetries: 5, retryDelayInMs: 300, maxRetryDelayInMs: 2_000 };

type ExtraPolicies = ReadonlyArray<{ readonly policy: PipelinePolicy; readonly position: 'perCall' | 'perRetry' }>;

/** ACS's connection states (an open set on the wire) as a transfer in doubt reads them; any other is `unknown`. */
const CONNECTION_STATES = new Map<string, ConnectionState>([
  ['connected', 'connected'],
  ['transferring', 'transferring'],
  ['transferAccepted', 'transferring'],
  ['disconnecting', 'gone'],
  ['disconnected', 'gone'],
]);

export class AcsCallAutomation {
  private readonly client: CallAutomationClient;
  private readonly answering: CallAutomationClient;
  /** A client per distinct set of wire fields: a flow has a handful (its speech menus), built on first use. */
  private readonly wireFieldClients = new Map<string, CallAutomationClient>();
  private readonly newClient: (retryOptions: typeof ACTION_RETRY, wireFields?: RecognizeWireFields) => CallAutomationClient;
  private readonly media = new CallMediaCache();

  constructor(
    connection: AcsConnection,
    private readonly operatorPhoneNumber: string,
    private readonly hotlinePhoneNumber: string | undefined,
    extraPolicies: ExtraPolicies = [],
  ) {
    this.newClient = (retryOptions, wireFields) => {
      const options = {
        retryOptions,
        additionalPolicies: [
          { policy: tryTimeoutPolicy, position: 'perRetry' as const },
          ...(wireFields ? [{ policy: recognizeWirePolicy(wireFields), position: 'perCall' as const }] : []),
          ...extraPolicies,
        ],
        // Plain http is only ever the local emulator; the SDK refuses it otherwise.
        allowInsecureConnection: isLoopbackHttp(connection.endpoint),
      };
      return 'connectionString' in connection
        ? new CallAutomationClient(connection.connectionString, options)
        : new CallAutomationClient(connection.endpoint, connection.credential, options);
    };
    this.client = this.newClient(ACTION_RETRY);
    this.answering = this.newClient(ANSWER_RETRY);
  }

  private recognizingClient(wireFields: RecognizeWireFields | undefined): CallAutomationClient {
    if (!wireFields) return this.client;
    const key = JSON.stringify(wireFields);
    let client = this.wireFieldClients.get(key);
    if (!client) this.wireFieldClients.set(key, (client = this.newClient(ACTION_RETRY, wireFields)));
    return client;
  }

  async answer(request: AnswerRequest): Promise<AnswerResult> {
    try {
      const result = await this.answering.answerCall(request.incomingCallContext, request.callbackUrl, {
        callIntelligenceOptions: { cognitiveServicesEndpoint: request.cognitiveServicesEndpoint },
        operationContext: request.operationContext,
        abortSignal: request.abortSignal,
      });
      return { kind: 'answered', callConnectionId: result.callConnectionProperties.callConnectionId ?? '' };
    } catch (error) {
      return answerFailure(error);
    }
  }

  /**
   * createCall from the hotline's number. Like answerCall, the SDK gives each request one repeatability id its own
   * retries reuse, so those cannot ring the callee twice; the caller id goes on the invite, where the SDK reads it.
   */
  async place(request: PlaceRequest): Promise<PlaceResult> {
    try {
      if (!this.hotlinePhoneNumber) throw new Error('outbound calls need HOTLINE_PHONE_NUMBER as their caller id');
      const invite = {
        targetParticipant: createIdentifierFromRawId(request.calleeRawId) as PhoneNumberIdentifier,
        sourceCallIdNumber: { phoneNumber: this.hotlinePhoneNumber },
      };
      const result = await this.answering.createCall(invite, request.callbackUrl, {
        callIntelligenceOptions: { cognitiveServicesEndpoint: request.cognitiveServicesEndpoint },
        operationContext: request.operationContext,
      });
      const { callConnectionId, correlationId } = result.callConnectionProperties;
      return { kind: 'placed', callConnectionId: callConnectionId ?? '', correlationId };
    } catch (error) {
      return placeFailure(error);
    }
  }

  async execute(callConnectionId: string, callerRawId: string, action: CallAction, abortSignal: AbortSignal): Promise<ActionResult> {
    try {
      await untilAborted(this.request(callConnectionId, callerRawId, action, abortSignal), abortSignal);
      if (action.type === 'hangUp') this.media.forget(callConnectionId);
      return { kind: 'done' };
    } catch (error) {
      const failure = actionFailure(error);
      if (failure.kind === 'callGone') this.media.forget(callConnectionId);
      return failure;
    }
  }

  async connectionState(callConnectionId: string, abortSignal: AbortSignal): Promise<ConnectionState> {
    try {
      const properties = await untilAborted(this.client.getCallConnection(callConnectionId).getCallConnectionProperties({ abortSignal }), abortSignal);
      return CONNECTION_STATES.get(properties.callConnectionState ?? '') ?? 'unknown';
    } catch (error) {
      return actionFailure(error).kind === 'callGone' ? 'gone' : 'unknown';
    }
  }

  private async request(callConnectionId: string, callerRawId: string, action: CallAction, abortSignal: AbortSignal): Promise<void> {
    // A Recognize goes through the client whose policy sets the fields the SDK cannot express; a Play through whichever
    // CallMedia the call has; the rest through the plain client.
    switch (action.type) {
      case 'recognize':
        await this.media
          .mediaOf(this.recognizingClient(wireFieldsOf(action.input)), callConnectionId)
          .startRecognizing(createIdentifierFromRawId(callerRawId), { ...recognizeOptions(action.input, action.operationContext, action.prompts), abortSignal });
        return;
      case 'play':
        await this.media.anyMediaOf(this.client, callConnectionId).playToAll(action.prompts.map(playSource), { operationContext: action.operationContext, abortSignal });
        return;
      // A transfer or a hang-up comes once a call: its CallConnection is not worth keeping.
      case 'transferToOperator': {
        const operator: PhoneNumberIdentifier = { phoneNumber: this.operatorPhoneNumber };
        await this.client.getCallConnection(callConnectionId).transferCallToParticipant(operator, {
          operationContext: action.operationContext,
          abortSignal,
          ...(this.hotlinePhoneNumber ? { sourceCallIdNumber: { phoneNumber: this.hotlinePhoneNumber } } : {}),
        });
        return;
      }
      case 'hangUp':
        // For everyone: a 1:1 IVR call has nobody left to talk to.
        await this.client.getCallConnection(callConnectionId).hangUp(true, { abortSignal });
        return;
    }
  }
}

/** Only what the SDK would send wrong or not at all, so most Recognize requests use the plain client. */
function wireFieldsOf(input: RecognizeSpec): RecognizeWireFields | undefined {
  const fields: RecognizeWireFields = {
    ...(input.initialSilenceTimeoutSeconds === 0 ? { initialSilenceTimeoutInSeconds: 0 } : {}),
    ...(input.type === 'dtmf' ? {} : speechWireFields(input)),
  };
  return Object.keys(fields).length > 0 ? fields : undefined;
}

function speechWireFields(input: Exclude<RecognizeSpec, { type: 'dtmf' }>): RecognizeWireFields {
  const endSilenceMs = input.type === 'choices' ? undefined : input.endSilenceTimeoutSeconds * 1000;
  return {
    ...(input.speechLanguages ? { speechLanguages: input.speechLanguages } : {}),
    ...(input.enableSentimentAnalysis ? { enableSentimentAnalysis: true } : {}),
    // The flow allows whole milliseconds only, so rounding removes just the floating-point error of seconds * 1000.
    ...(endSilenceMs !== undefined && !Number.isInteger(endSilenceMs) ? { endSilenceTimeoutInMs: Math.round(endSilenceMs) } : {}),
  };
}

function playSource(prompt: SpokenPrompt): TextSource | SsmlSource | FileSource {
  switch (prompt.kind) {
    case 'text':
      return { kind: 'textSource', text: prompt.text, voiceName: prompt.voice, sourceLocale: prompt.language };
    case 'ssml':
      return { kind: 'ssmlSource', ssmlText: prompt.ssml };
    case 'file':
      return { kind: 'fileSource', url: prompt.url };
  }
}

type RecognizeOptions =
  | CallMediaRecognizeDtmfOptions
  | CallMediaRecognizeChoiceOptions
  | CallMediaRecognizeSpeechOptions
  | CallMediaRecognizeSpeechOrDtmfOptions;

/** Every parameter is sent explicitly, so the seeds' defaults apply rather than the SDK's (it defaults end silence to 2 s). */
function recognizeOptions(input: RecognizeSpec, operationContext: string, prompts: readonly SpokenPrompt[]): RecognizeOptions {
  const common = {
    playPrompts: prompts.map(playSource),
    initialSilenceTimeoutInSeconds: input.initialSilenceTimeoutSeconds,
    interruptPrompt: input.interruptPrompt,
    interruptCallMediaOperation: input.interruptCallMediaOperation,
    operationContext,
  };
  const speech = (spec: Exclude<RecognizeSpec, { type: 'dtmf' }>) => ({
    ...(spec.speechLanguage ? { speechLanguage: spec.speechLanguage } : {}),
    ...(spec.speechModelEndpointId ? { speechRecognitionModelEndpointId: spec.speechModelEndpointId } : {}),
  });
  switch (input.type) {
    case 'dtmf':
      return {
        kind: 'callMediaRecognizeDtmfOptions',
        ...common,
        maxTonesToCollect: input.maxTonesToCollect,
        interToneTimeoutInSeconds: input.interToneTimeoutSeconds,
        stopDtmfTones: input.stopTones.map(toneWord),
      };
    case 'choices':
      return {
        kind: 'callMediaRecognizeChoiceOptions',
        ...common,
        ...speech(input),
        choices: input.choices.map((choice) => ({
          label: choice.label,
          phrases: [...choice.phrases],
          ...(choice.tone ? { tone: toneWord(choice.tone) } : {}),
        })),
      };
    case 'speech':
      return { kind: 'callMediaRecognizeSpeechOptions', ...common, ...speech(input), endSilenceTimeoutInSeconds: input.endSilenceTimeoutSeconds };
    case 'speechOrDtmf':
      return {
        kind: 'callMediaRecognizeSpeechOrDtmfOptions',
        ...common,
        ...speech(input),
        endSilenceTimeoutInSeconds: input.endSilenceTimeoutSeconds,
        maxTonesToCollect: input.maxTonesToCollect,
        interToneTimeoutInSeconds: input.interToneTimeoutSeconds,
        stopDtmfTones: input.stopTones.map(toneWord),
      };
  }
}

export function isLoopbackHttp(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return protocol === 'http:' && (hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]');
}

/** The SDK drops the abort signal of some requests (startRecognizing), so the deadline is also enforced on the wait. */
function untilAborted<T>(request: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    request.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
