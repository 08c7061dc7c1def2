// Owns the ACS REST surface under /calling: the OpenID/JWKS documents, HMAC, the spec's judgement, repeatability, faults and each operation's effect.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallbackSigner } from './callbacks.js';
import type { Call } from './calls.js';
import { newMediaOp } from './calls.js';
import type { Caller } from './caller-api.js';
import type { Contract } from './contract.js';
import { phoneIdentifier } from './event-grid.js';
import type { Faults } from './faults.js';
import { verifyHmac } from './hmac.js';
import { flattenHeaders, headerOf, parseMaybeJson, safeDecode, send, type Reply } from './http-io.js';
import { settingsFrom } from './recognize.js';
import type { AnswerRequest, CreateCallRequest, IdentifierModel, PlayRequest, PlaySource, RecognizeRequest, TransferRequest } from './wire-types.js';

export interface RecordedRequest {
  at: string;
  method: string;
  path: string;
  query: Record<string, string>;
  apiVersion: string | undefined;
  headers: Record<string, string>;
  /** Parsed JSON body, or the raw text when it is not JSON, or undefined when empty. */
  body: unknown;
  rawBody: string;
  status: number;
  /** error.code of the response, when it was an error. */
  errorCode: string | undefined;
  /** error.message of the response, when it was an error (names the field the spec refused). */
  errorMessage: string | undefined;
  callConnectionId: string | undefined;
  /** Answered from the repeatability cache: no second effect. */
  replayed: boolean;
  faultInjected: boolean;
  /** Why the spec refused the request (400/404/405 before any effect), when it did: ACS would refuse it too. */
  refusedBySpec: string | undefined;
}

export interface AcsRestContext {
  accessKey: string;
  caller: Caller;
  contract: Contract;
  faults: Faults;
  requests: RecordedRequest[];
  signer: CallbackSigner;
}

export type RestHandler = (req: IncomingMessage, res: ServerResponse, method: string, url: URL, rawBody: string) => void;

const CALL_PATH = /^\/calling\/callConnections\/([^/:]+)(?::([A-Za-z]+))?$/;

export const acsError = (status: number, code: string, message: string, target?: string): Reply => ({
  status,
  body: { error: { code, message, ...(target === undefined ? {} : { target }) } },
});
const callNotFound = (id: string): Reply => acsError(404, '8522', 'Call not found.', `/calling/callConnections/${id}`);

/** The handler for every path under /calling; it keeps the repeatability cache of the resource it stands for. */
export function createAcsRest(ctx: AcsRestContext): RestHandler {
  const repeatability = new Map<string, Reply>();
  const supportedVersions = ctx.contract.apiVersions.join(', ');

  return (req, res, method, url, rawBody) => {
    if (method === 'GET' && url.pathname === '/calling/.well-known/acsopenidconfiguration') {
      send(res, { status: 200, body: ctx.signer.openIdConfiguration() });
      return;
    }
    if (method === 'GET' && url.pathname === '/calling/keys') {
      send(res, { status: 200, body: ctx.signer.jwks() });
      return;
    }
    const apiVersion = url.searchParams.get('api-version') ?? undefined;
    const path = safeDecode(url.pathname);
    const recorded: RecordedRequest = {
      at: new Date().toISOString(),
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      apiVersion,
      headers: flattenHeaders(req),
      body: parseMaybeJson(rawBody),
      rawBody,
      status: 0,
      errorCode: undefined,
      errorMessage: undefined,
      callConnectionId: CALL_PATH.exec(path)?.[1],
      replayed: false,
      faultInjected: false,
      refusedBySpec: undefined,
    };
    ctx.requests.push(recorded);

    const repeatabilityId = headerOf(req, 'repeatability-request-id');
    const replyHeaders: Record<string, string> = {
      'api-supported-versions': supportedVersions,
      ...(headerOf(req, 'x-ms-client-request-id') === undefined
        ? {}
        : { 'x-ms-client-request-id': headerOf(req, 'x-ms-client-request-id') ?? '' }),
      ...(repeatabilityId === undefined ? {} : { 'repeatability-result': 'accepted' }),
    };
    const finish = (reply: Reply, call?: Call): void => {
      recorded.status = reply.status;
      recorded.errorCode = errorOf(reply.body)?.code;
      recorded.errorMessage = errorOf(reply.body)?.message;
      if (call !== undefined) {
        recorded.callConnectionId = call.callConnectionId;
        call.record('request', `${method} ${path.replace(/^\/calling\/callConnections\/?/, '')} -> ${reply.status}`, {
          method,
          path,
          apiVersion,
          status: reply.status,
          errorCode: recorded.errorCode,
          ...(reply.status === 400 && recorded.errorMessage !== undefined ? { errorMessage: recorded.errorMessage } : {}),
          replayed: recorded.replayed,
          faultInjected: recorded.faultInjected,
        });
      }
      const chainId = call?.correlationId;
      send(res, {
        ...reply,
        headers: { ...replyHeaders, ...(chainId === undefined ? {} : { 'x-microsoft-skype-chain-id': chainId }), ...reply.headers },
      });
    };

    const verdict = verifyHmac(method, req.url ?? '/', req.headers, rawBody, ctx.accessKey);
    if (!verdict.ok) {
      finish(acsError(401, '7509', `HMAC authentication failed: ${verdict.reason}.`));
      return;
    }

    // The spec judges before anything happens: a request ACS would refuse has no effect here either.
    const checked = ctx.contract.checkRequest({ method, rawPath: url.pathname, apiVersion, headers: req.headers as Record<string, string | undefined>, rawBody });
    if (!checked.ok) {
      recorded.refusedBySpec = checked.body.error.message;
      finish({ status: checked.status, body: checked.body }, callFor(path));
      return;
    }

    const repeatKey = repeatabilityId === undefined ? undefined : `${method} ${path} ${repeatabilityId}`;
    const cached = repeatKey === undefined ? undefined : repeatability.get(repeatKey);
    if (cached !== undefined) {
      recorded.replayed = true;
      finish(cached, callFor(path));
      return;
    }

    const fault = ctx.faults.take(method, path);
    if (fault !== undefined) {
      recorded.faultInjected = true;
      finish(
        {
          status: fault.status,
          body: fault.body,
          ...(fault.retryAfterSeconds === undefined ? {} : { headers: { 'retry-after': String(fault.retryAfterSeconds) } }),
        },
        callFor(path),
      );
      return;
    }

    const version = checked.apiVersion;
    const { reply, call } = dispatch(checked.operationId, checked.pathParams, version, checked.body);
    // What the emulator answers must be what the spec promises; a reply that is not is the emulator's bug.
    if (reply.status !== 501) ctx.contract.assertReply(version, checked.operationId, reply.status, reply.body);
    // Only remember outcomes the client may legitimately replay; a 5xx should be retryable.
    if (repeatKey !== undefined && reply.status < 500) repeatability.set(repeatKey, reply);
    finish(reply, call);
  };

  function callFor(path: string): Call | undefined {
    const id = CALL_PATH.exec(path)?.[1];
    return id === undefined ? undefined : ctx.caller.callByConnectionId(id);
  }

  /** Runs one operation the spec has already accepted; the body conforms to its model (wire-types.ts). */
  function dispatch(operationId: string, params: Record<string, string>, apiVersion: string, body: unknown): { reply: Reply; call?: Call } {
    if (operationId === 'AnswerCall') return answer(apiVersion, body as AnswerRequest);
    if (operationId === 'CreateCall') return createCall(apiVersion, body as CreateCallRequest);
    const id = params['callConnectionId'];
    if (id === undefined) return { reply: notImplemented(operationId) };
    const call = ctx.caller.callByConnectionId(id);
    if (call === undefined || call.ended !== undefined) return { reply: callNotFound(id), ...(call ? { call } : {}) };
    switch (operationId) {
      case 'CallConnection_GetCall':
        return { reply: { status: 200, body: call.properties() }, call };
      case 'CallConnection_HangupCall':
      case 'CallConnection_TerminateCall':
        call.hangUpByApp();
        return { reply: { status: 204 }, call };
      case 'CallMedia_Recognize':
        return { reply: recognize(call, apiVersion, body as RecognizeRequest), call };
      case 'CallMedia_Play':
        return { reply: play(call, apiVersion, body as PlayRequest), call };
      case 'CallMedia_CancelAllMediaOperations':
        call.cancelAllMedia();
        return { reply: { status: 202 }, call };
      case 'CallConnection_TransferToParticipant':
        return { reply: transfer(call, apiVersion, body as TransferRequest), call };
      default:
        return { reply: notImplemented(operationId), call };
    }
  }

  function answer(apiVersion: string, req: AnswerRequest): { reply: Reply; call?: Call } {
    const call = ctx.caller.callByContext(req.incomingCallContext);
    if (call === undefined) {
      return {
        reply: acsError(400, '8523', 'Invalid request body: incomingCallContext: not an incoming call of this resource.', 'incomingCallContext'),
      };
    }
    if (call.ended?.kind === 'missed') {
      return { reply: acsError(404, '8587', 'Incoming call not answered within time.'), call };
    }
    if (call.ended !== undefined) return { reply: acsError(404, '8522', 'Call not found.'), call };
    if (call.callConnectionId !== undefined) {
      return { reply: acsError(400, '8585', 'Action is not valid in the current call state: the incoming call was already answered.'), call };
    }
    call.answer(randomUUID(), req.callbackUri, req.operationContext, apiVersion);
    ctx.caller.registerConnection(call);
    return { reply: { status: 200, body: call.properties() }, call };
  }

  /** CreateCall: 201 with the call's properties (`connecting`); the callee's phone decides what the callbacks say. */
  function createCall(apiVersion: string, req: CreateCallRequest): { reply: Reply; call?: Call } {
    const [target, ...others] = req.targets;
    if (target === undefined || others.length > 0) {
      return { reply: acsError(400, '8523', 'Invalid request body: targets: the emulator places calls to exactly one target.') };
    }
    // The documented rule for PSTN targets: the caller id must be a number of the resource.
    if (target.phoneNumber !== undefined && req.sourceCallerIdNumber === undefined) {
      return { reply: acsError(400, '8523', 'Invalid request body: sourceCallerIdNumber: is required to call a phone number.') };
    }
    const call = ctx.caller.place({
      from: req.sourceCallerIdNumber?.value ?? req.source?.id ?? '',
      to: targetNumber(target),
      callbackUri: req.callbackUri,
      operationContext: req.operationContext,
      apiVersion,
    });
    return { reply: { status: 201, body: call.properties() }, call };
  }

  function recognize(call: Call, apiVersion: string, req: RecognizeRequest): Reply {
    const sources = req.playPrompts ?? (req.playPrompt === undefined ? [] : [req.playPrompt]);
    const refused = refusePlaySources(sources, req.playPrompts === undefined ? 'playPrompt' : 'playPrompts') ?? refuseChoices(req);
    if (refused !== undefined) return refused;
    const op = newMediaOp(
      'recognize',
      {
        operationContext: req.operationContext,
        callbackUri: req.operationCallbackUri ?? call.callbackUri ?? '',
        version: apiVersion,
        sources,
      },
      settingsFrom(req),
    );
    call.startMedia(op, req.interruptCallMediaOperation ?? false);
    return { status: 202 };
  }

  function play(call: Call, apiVersion: string, req: PlayRequest): Reply {
    const refused = refusePlaySources(req.playSources, 'playSources');
    if (refused !== undefined) return refused;
    const op = newMediaOp('play', {
      operationContext: req.operationContext,
      callbackUri: req.operationCallbackUri ?? call.callbackUri ?? '',
      version: apiVersion,
      sources: req.playSources,
    });
    call.startMedia(op, req.interruptCallMediaOperation ?? false);
    return { status: 202 };
  }

  function transfer(call: Call, apiVersion: string, req: TransferRequest): Reply {
    const target = targetNumber(req.targetParticipant);
    const identifier = req.targetParticipant.phoneNumber
      ? phoneIdentifier(req.targetParticipant.phoneNumber.value)
      : { ...req.targetParticipant };
    call.transfer(target, identifier, req.operationContext, req.operationCallbackUri, apiVersion);
    return { status: 202, body: req.operationContext === undefined ? {} : { operationContext: req.operationContext } };
  }
}

/**
 * What the spec cannot say: a play source of kind `file` needs `file` (and so on), and the service refuses
 * one without it. Refused with 8523 naming the field, like a schema error.
 */
function refusePlaySources(sources: readonly PlaySource[], field: string): Reply | undefined {
  const index = sources.findIndex((source) => (source as Record<string, unknown>)[source.kind] === undefined);
  if (index < 0) return undefined;
  const at = field === 'playPrompt' ? field : `${field}[${index}]`;
  const kind = sources[index]?.kind ?? '';
  return acsError(400, '8523', `Invalid request body: ${at}.${kind}: is required when kind is ${kind}.`, `${at}.${kind}`);
}

/** A choices recognize needs at least one choice (a cross-field rule the spec's schema cannot express). */
function refuseChoices(req: RecognizeRequest): Reply | undefined {
  if (req.recognizeInputType !== 'choices' || (req.recognizeOptions.choices ?? []).length > 0) return undefined;
  return acsError(400, '8523', 'Invalid request body: recognizeOptions.choices: is required (at least one choice) when recognizeInputType is choices.', 'recognizeOptions.choices');
}

function notImplemented(operationId: string): Reply {
  return acsError(501, 'NotImplemented', `The ACS emulator does not implement ${operationId}.`);
}

function targetNumber(id: IdentifierModel): string {
  return id.phoneNumber?.value ?? id.communicationUser?.id ?? (id.rawId ?? '').replace(/^4:/, '');
}

function errorOf(body: unknown): { code: string; message: string | undefined } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: { code?: unknown; message?: unknown } }).error;
  if (typeof error?.code !== 'string') return undefined;
  return { code: error.code, message: typeof error.message === 'string' ? error.message : undefined };
}
