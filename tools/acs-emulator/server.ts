// Owns HTTP routing: the ACS REST surface (/calling/...), the OpenID/JWKS documents, and the caller API under /emulator.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { CallbackSigner } from './callbacks.js';
import type { Call, TimelineEntry } from './calls.js';
import { newMediaOp } from './calls.js';
import type { Caller } from './caller-api.js';
import { phoneIdentifier } from './event-grid.js';
import type { Faults } from './faults.js';
import { verifyHmac } from './hmac.js';
import type { Contract } from './contract.js';
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

export interface ServerContext {
  accessKey: string;
  caller: Caller;
  contract: Contract;
  faults: Faults;
  requests: RecordedRequest[];
  signer: CallbackSigner;
  sseStreams: Set<ServerResponse>;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const CALL_PATH = /^\/calling\/callConnections\/([^/:]+)(?::([A-Za-z]+))?$/;

const acsError = (status: number, code: string, message: string, target?: string): Reply => ({
  status,
  body: { error: { code, message, ...(target === undefined ? {} : { target }) } },
});
const callNotFound = (id: string): Reply => acsError(404, '8522', 'Call not found.', `/calling/callConnections/${id}`);

export function createHandler(ctx: ServerContext): (req: IncomingMessage, res: ServerResponse) => void {
  const repeatability = new Map<string, Reply>();
  const supportedVersions = ctx.contract.apiVersions.join(', ');

  return (req, res) => {
    void readBody(req).then((rawBody) => {
      try {
        route(req, res, rawBody);
      } catch (error) {
        send(res, { status: 500, body: { error: { code: '9999', message: String(error) } } });
      }
    });
  };

  function route(req: IncomingMessage, res: ServerResponse, rawBody: string): void {
    const url = new URL(req.url ?? '/', 'http://emulator.local');
    const method = (req.method ?? 'GET').toUpperCase();
    if (url.pathname.startsWith('/emulator/')) {
      handleEmulator(method, url, rawBody, res);
      return;
    }
    if (method === 'GET' && url.pathname === '/calling/.well-known/acsopenidconfiguration') {
      send(res, { status: 200, body: ctx.signer.openIdConfiguration() });
      return;
    }
    if (method === 'GET' && url.pathname === '/calling/keys') {
      send(res, { status: 200, body: ctx.signer.jwks() });
      return;
    }
    if (!url.pathname.startsWith('/calling/')) {
      send(res, acsError(404, 'NotFound', `No route for ${method} ${url.pathname}.`));
      return;
    }
    handleRest(req, res, method, url, rawBody);
  }

  function handleRest(req: IncomingMessage, res: ServerResponse, method: string, url: URL, rawBody: string): void {
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
  }

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

  // ---- caller API over HTTP ----

  function handleEmulator(method: string, url: URL, rawBody: string, res: ServerResponse): void {
    const parts = url.pathname.split('/').filter(Boolean).map(safeDecode); // ['emulator', 'calls', id, verb]
    const body = parseMaybeJson(rawBody);
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const fail = (status: number, message: string): void => send(res, { status, body: { error: { code: String(status), message } } });

    if (parts[1] === 'calls' && parts.length === 2) {
      if (method === 'GET') {
        send(res, { status: 200, body: ctx.caller.calls.map((c) => ({ callId: c.callId, direction: c.direction, from: c.from, to: c.to, state: c.state, ended: c.ended })) });
        return;
      }
      if (method === 'POST') {
        const dial = dialBody.safeParse(body ?? {});
        if (!dial.success) {
          fail(400, z.prettifyError(dial.error));
          return;
        }
        const d = dial.data;
        ctx.caller
          .dial({
            from: d.from,
            to: d.to,
            ...(d.callerDisplayName === undefined ? {} : { callerDisplayName: d.callerDisplayName }),
            ...(d.duplicateDelivery === undefined ? {} : { duplicateDelivery: d.duplicateDelivery }),
            ...(d.failTransfers === undefined ? {} : { failTransfers: d.failTransfers }),
            ...(d.at === undefined ? {} : { at: d.at }),
          })
          .then(
            (handle) => send(res, { status: 201, body: { callId: handle.callId, incomingCallContext: handle.incomingCallContext } }),
            (error: unknown) => fail(500, String(error)),
          );
        return;
      }
    }
    if (parts[1] === 'subscription-validation' && method === 'POST') {
      ctx.caller.validateSubscription().then(
        (result) => send(res, { status: 200, body: result }),
        (error: unknown) => fail(400, String(error)),
      );
      return;
    }
    if (parts[1] === 'requests' && method === 'GET') {
      send(res, { status: 200, body: ctx.requests });
      return;
    }
    if (parts[1] === 'faults') {
      if (method === 'DELETE') {
        ctx.faults.clear();
        send(res, { status: 204 });
        return;
      }
      if (method === 'POST') {
        const spec = faultBody.safeParse(body ?? {});
        if (!spec.success) {
          fail(400, z.prettifyError(spec.error));
          return;
        }
        const { method: faultMethod, code, message, times, probability, retryAfterSeconds, path, status } = spec.data;
        ctx.faults.inject({
          path,
          status,
          ...(faultMethod === undefined ? {} : { method: faultMethod }),
          ...(code === undefined ? {} : { code }),
          ...(message === undefined ? {} : { message }),
          ...(times === undefined ? {} : { times }),
          ...(probability === undefined ? {} : { probability }),
          ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
        });
        send(res, { status: 201, body: { pending: ctx.faults.pending.length } });
        return;
      }
    }
    if (parts[1] === 'callees' && method === 'POST') {
      const callee = calleeBody.safeParse(body);
      if (!callee.success) {
        fail(400, z.prettifyError(callee.error));
        return;
      }
      const { number, behaviour, afterMs } = callee.data;
      ctx.caller.calleeBehaves(number, behaviour === 'answer' || behaviour === 'decline' ? { kind: behaviour, ...(afterMs === undefined ? {} : { afterMs }) } : { kind: behaviour });
      send(res, { status: 204 });
      return;
    }
    if (parts[1] === 'transfer-failures' && method === 'POST') {
      const numbers = z.object({ numbers: z.array(z.string()) }).safeParse(body);
      if (!numbers.success) {
        fail(400, z.prettifyError(numbers.error));
        return;
      }
      ctx.caller.transferFailsFor(numbers.data.numbers);
      send(res, { status: 204 });
      return;
    }

    const callId = parts[2];
    const handle = parts[1] === 'calls' && callId !== undefined ? ctx.caller.get(callId) : undefined;
    if (handle === undefined) {
      fail(404, `No emulator route or call for ${method} ${url.pathname}.`);
      return;
    }
    const verb = parts[3];
    if (method === 'GET' && verb === undefined) {
      send(res, {
        status: 200,
        body: {
          callId: handle.callId,
          direction: handle.direction,
          from: handle.from,
          to: handle.to,
          state: handle.state,
          callConnectionId: handle.callConnectionId ?? null,
          ended: handle.ended ?? null,
          prompts: handle.prompts,
          timeline: handle.timeline,
        },
      });
      return;
    }
    if (method === 'GET' && verb === 'events') {
      streamEvents(handle.callId, res);
      return;
    }
    if (method !== 'POST') {
      fail(405, `${method} not allowed`);
      return;
    }
    switch (verb ?? '') {
      case 'dtmf': {
        const tones = typeof fields['tones'] === 'string' ? fields['tones'] : undefined;
        if (tones === undefined) {
          fail(400, 'tones (a string such as "12#") is required');
          return;
        }
        handle.press(tones).then(
          () => send(res, { status: 202 }),
          (error: unknown) => fail(400, String(error)),
        );
        return;
      }
      case 'say': {
        const say = sayBody.safeParse(body);
        if (!say.success) {
          fail(400, z.prettifyError(say.error));
          return;
        }
        const { text, language, sentiment, confidence } = say.data;
        handle.say(text, {
          ...(language === undefined ? {} : { language }),
          ...(sentiment === undefined ? {} : { sentiment }),
          ...(confidence === undefined ? {} : { confidence }),
        });
        send(res, { status: 202 });
        return;
      }
      case 'answer':
      case 'decline':
        try {
          if (verb === 'answer') handle.answer();
          else handle.decline();
          send(res, { status: 202 });
        } catch (error) {
          fail(409, error instanceof Error ? error.message : String(error));
        }
        return;
      case 'mumble':
        handle.mumble();
        send(res, { status: 202 });
        return;
      case 'hangup':
        handle.hangUp();
        send(res, { status: 202 });
        return;
      case 'redeliver':
        ctx.caller.redeliverIncomingCall(handle.callId).then(
          (status) => send(res, { status: 200, body: { status } }),
          (error: unknown) => fail(500, String(error)),
        );
        return;
      default:
        fail(404, `Unknown caller action ${verb ?? '(none)'}`);
    }
  }

  /** Server-sent events: the timeline so far, then each new entry (prompts heard are entries too). */
  function streamEvents(callId: string, res: ServerResponse): void {
    const call = ctx.caller.callById(callId);
    if (call === undefined) {
      send(res, { status: 404 });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    ctx.sseStreams.add(res);
    const write = (entry: TimelineEntry): void => {
      // The app may still call an ended call; those 404s are recorded after the stream has closed.
      if (res.writableEnded) return;
      res.write(`event: ${entry.kind}\ndata: ${JSON.stringify(entry)}\n\n`);
      if (entry.kind === 'ended') res.end();
    };
    for (const entry of call.timeline) write(entry);
    if (call.ended !== undefined) {
      res.end();
      ctx.sseStreams.delete(res);
      return;
    }
    const unsubscribe = call.subscribe(write);
    res.on('close', () => {
      unsubscribe();
      ctx.sseStreams.delete(res);
    });
  }
}

const calleeBody = z.object({
  number: z.string().min(1),
  behaviour: z.enum(['ring', 'answer', 'decline', 'busy', 'noAnswer']),
  afterMs: z.int().min(0).optional(),
});
const dialBody = z.object({
  from: z.string().min(1),
  to: z.string().min(1),
  callerDisplayName: z.string().optional(),
  duplicateDelivery: z.int().min(0).optional(),
  failTransfers: z.boolean().optional(),
  /** The call happens at this time (ISO 8601 with an offset): its callbacks are stamped from there. */
  at: z.string().optional(),
});
const sayBody = z.object({
  text: z.string(),
  language: z.string().optional(),
  sentiment: z.string().optional(),
  confidence: z.number().min(0).max(1).optional(),
});
const faultBody = z.object({
  method: z.string().optional(),
  path: z.string().min(1),
  status: z.int().min(100).max(599),
  code: z.string().optional(),
  message: z.string().optional(),
  times: z.int().min(1).optional(),
  probability: z.number().min(0).max(1).optional(),
  retryAfterSeconds: z.int().min(0).optional(),
});

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

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent) return;
  const headers: Record<string, string> = { ...reply.headers };
  let payload = '';
  if (reply.body !== undefined && reply.status !== 204) {
    payload = JSON.stringify(reply.body);
    headers['content-type'] = 'application/json; charset=utf-8';
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(reply.status, headers);
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function parseMaybeJson(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function errorOf(body: unknown): { code: string; message: string | undefined } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: { code?: unknown; message?: unknown } }).error;
  if (typeof error?.code !== 'string') return undefined;
  return { code: error.code, message: typeof error.message === 'string' ? error.message : undefined };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
