// Owns the dev phone's server: the page, its script and styles, and a narrow proxy to the emulator's caller API.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import ts from 'typescript';
import { z } from 'zod';
import { E164 } from '../../src/config';
import { LANGUAGE_TAG, SENTIMENTS } from '../../src/flow/flow-schema';
import { loadFlow } from '../../src/app/flow-file';
import { flowVersion } from '../../src/flow/flow-version';
import { FlowError, type FlowProblem } from '../../src/flow/validate-flow';
import { DEFAULT_CALLER, HOTLINE_NUMBER, OUTBOUND_ROUTE } from '../local/constants';
import { readCapped, sendJson as sendJsonReply, sendText } from '../local/http';
import { CallView } from './call-view';
import { diagramSvg } from './diagram';
import { EmulatorCaller, EmulatorError } from './emulator-client';
import { flowGraph, type FlowGraph } from './flow-graph';
import { phonePage, problemsPage } from './page';
import type { DialResponse, ErrorResponse, ReminderResponse, RingingCall } from './protocol';

export interface DevPhoneOptions {
  /** The running ACS emulator, e.g. `stack.emulator.url`. */
  readonly emulatorUrl: string;
  /** The flow the hotline runs (the HOTLINE_FLOW_FILE setting); the bundled default flow when absent. */
  readonly flowFile?: string | undefined;
  /** 0 or absent: a free port. */
  readonly port?: number | undefined;
  /** Loopback only: the page can dial and hang up, so it is never served to the network. */
  readonly host?: '127.0.0.1' | undefined;
  /** The number the page dials; the local stack's hotline number by default. */
  readonly hotlineNumber?: string | undefined;
  /** The Functions host, for reminder calls (POST /api/outbound-calls); without it the page only dials in. */
  readonly hostUrl?: string | undefined;
}

export interface DevPhone {
  readonly url: string;
  close(): Promise<void>;
}

/** A request the dev phone refuses before it reaches the emulator. */
class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

const MAX_BODY_BYTES = 16_384;

const callId = z.uuid();
const AT_ERROR = 'must be a time with an offset, such as 2026-12-25T10:00+01:00';
const dialBody = z.strictObject({
  from: z.string().regex(E164, 'must be an E.164 number such as +14255550123'),
  /** The clock field: the call happens at this time; empty or absent, now. */
  at: z
    .string()
    .trim()
    .transform((at) => (at === '' ? undefined : at))
    .pipe(z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/, AT_ERROR).refine((at) => !Number.isNaN(Date.parse(at)), AT_ERROR).optional())
    .optional(),
});
const dtmfBody = z.strictObject({ tones: z.string().regex(/^[0-9*#A-D]{1,32}$/, 'must be 1-32 keys 0-9, *, #, A-D') });
const reminderBody = z.strictObject({
  to: z.string().regex(E164, 'must be an E.164 number such as +12065550100'),
  time: z.string().trim().min(1, 'give the appointment time').max(100),
  language: z.string().regex(LANGUAGE_TAG, 'must be a language tag such as es-ES').optional(),
});
const sayBody = z.strictObject({
  text: z.string().trim().min(1, 'say something').max(500),
  language: z.string().regex(LANGUAGE_TAG, 'must be a language tag such as en-US').optional(),
  sentiment: z.enum(SENTIMENTS).optional(),
  confidence: z.number().min(0, 'must be from 0 to 1').max(1, 'must be from 0 to 1').optional(),
});

type Loaded = { readonly ok: true; readonly graph: FlowGraph; readonly html: string } | { readonly ok: false; readonly html: string };

export async function startDevPhone(options: DevPhoneOptions): Promise<DevPhone> {
  const flowName = options.flowFile === undefined ? 'the default hotline' : displayPath(options.flowFile);
  const hotlineNumber = options.hotlineNumber ?? HOTLINE_NUMBER;
  const loaded = load(options.flowFile, flowName, hotlineNumber);
  const emulator = new EmulatorCaller(options.emulatorUrl);
  const assets = {
    script: transpiledClient(),
    styles: readFileSync(path.join(__dirname, 'static', 'phone.css'), 'utf8'),
  };
  const streams = new Set<AbortController>();

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const status = error instanceof EmulatorError || error instanceof RequestError ? error.status : 500;
      if (!response.headersSent) sendJson(response, status, { error: error instanceof Error ? error.message : String(error) });
      else response.end();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!sameOrigin(request, port)) return sendJson(response, 403, { error: 'the dev phone only answers its own page' });
    const url = new URL(request.url ?? '/', 'http://dev-phone.local');
    const method = request.method ?? 'GET';
    if (method === 'GET' && url.pathname === '/') return send(response, 200, 'text/html; charset=utf-8', loaded.html);
    if (method === 'GET' && url.pathname === '/phone.js') return send(response, 200, 'text/javascript; charset=utf-8', assets.script);
    if (method === 'GET' && url.pathname === '/phone.css') return send(response, 200, 'text/css; charset=utf-8', assets.styles);
    if (url.pathname === '/api/reminders') {
      if (method !== 'POST') return sendJson(response, 405, { error: 'request a reminder with POST' });
      if (!options.hostUrl) return sendJson(response, 503, { error: 'reminder calls need the Functions host (npm start)' });
      const { to, time, language } = await jsonBody(request, reminderBody);
      const requested = await fetch(`${options.hostUrl}/api/${OUTBOUND_ROUTE}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to, campaign: 'appointmentReminder', variables: { time }, ...(language ? { language } : {}) }),
      });
      const body = (await requested.json()) as { id?: string; error?: string; problems?: string[] };
      if (requested.status !== 202 || body.id === undefined) return sendJson(response, requested.status, { error: (body.problems ?? [body.error ?? 'refused']).join('; ') });
      return sendJson(response, 202, { id: body.id });
    }
    if (method === 'GET' && url.pathname === '/api/ringing') return sendJson(response, 200, await emulator.ringing());
    const [api, calls, id, verb, ...extra] = url.pathname.split('/').filter(Boolean);
    if (api !== 'api' || calls !== 'calls' || extra.length > 0) return sendJson(response, 404, { error: `no route for ${method} ${url.pathname}` });
    if (!loaded.ok) return sendJson(response, 409, { error: 'the flow has problems: fix them and restart the dev phone' });

    if (id === undefined) {
      if (method !== 'POST') return sendJson(response, 405, { error: 'dial with POST' });
      const { from, at } = await jsonBody(request, dialBody);
      const dialed: DialResponse = await emulator.dial(from, hotlineNumber, at);
      return sendJson(response, 201, dialed);
    }
    const call = callId.safeParse(id);
    if (!call.success) return sendJson(response, 404, { error: 'no such call' });
    if (method === 'GET' && verb === 'events') return streamCall(request, response, call.data, loaded.graph);
    if (method !== 'POST') return sendJson(response, 405, { error: `${method} is not allowed here` });
    switch (verb ?? '') {
      case 'dtmf':
        await emulator.press(call.data, (await jsonBody(request, dtmfBody)).tones);
        break;
      case 'say':
        await emulator.say(call.data, await jsonBody(request, sayBody));
        break;
      case 'mumble':
        await emulator.mumble(call.data);
        break;
      case 'hangup':
        await emulator.hangUp(call.data);
        break;
      case 'answer':
        await emulator.answer(call.data);
        break;
      case 'decline':
        await emulator.decline(call.data);
        break;
      default:
        return sendJson(response, 404, { error: `no caller action ${verb ?? '(none)'}` });
    }
    response.writeHead(204).end();
  }

  /** Follows the emulator's timeline and passes each entry on, read against the flow, as it happens. */
  async function streamCall(request: IncomingMessage, response: ServerResponse, id: string, graph: FlowGraph): Promise<void> {
    const abort = new AbortController();
    streams.add(abort);
    response.on('close', () => abort.abort());
    // EventSource reconnects with the last id it saw; the view still reads everything so the position stays right.
    const lastEventId = Number(request.headers['last-event-id']);
    const lastSeen = Number.isInteger(lastEventId) ? lastEventId : -1;
    const view = new CallView(graph);
    try {
      for await (const entry of emulator.timeline(id, abort.signal)) {
        if (!response.headersSent) response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        const update = view.update(entry);
        if (update.row.index > lastSeen) response.write(`id: ${update.row.index}\nevent: update\ndata: ${JSON.stringify(update)}\n\n`);
      }
      response.end();
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    } finally {
      streams.delete(abort);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: async () => {
      for (const stream of streams) stream.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Relative to the working directory when the file is inside it, else absolute. */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? path.resolve(file) : relative;
}

function load(flowFile: string | undefined, flowName: string, hotlineNumber: string): Loaded {
  let problems: readonly FlowProblem[];
  try {
    const flow = loadFlow(flowFile);
    const graph = flowGraph(flow);
    return { ok: true, graph, html: phonePage({ graph, diagram: diagramSvg(graph), flowName, flowVersion: flowVersion(flow), hotlineNumber, defaultCaller: DEFAULT_CALLER }) };
  } catch (error) {
    if (!(error instanceof FlowError)) throw error;
    problems = error.problems;
  }
  return { ok: false, html: problemsPage(flowName, problems) };
}

/** The browser script is TypeScript like the rest; stripping its types needs no bundler and no network. */
function transpiledClient(): string {
  const source = readFileSync(path.join(__dirname, 'client', 'phone.ts'), 'utf8');
  return ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, removeComments: false },
    fileName: 'phone.ts',
  }).outputText;
}

/**
 * Only the page itself may drive the phone: a request naming another host (DNS rebinding) is refused,
 * and a cross-site POST cannot carry application/json without a preflight this server never answers.
 */
function sameOrigin(request: IncomingMessage, port: number): boolean {
  const host = request.headers.host;
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return false;
  return request.method !== 'POST' || (request.headers['content-type'] ?? '').startsWith('application/json');
}

async function jsonBody<T>(request: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
  const text = await readCapped(request, MAX_BODY_BYTES);
  if (text === undefined) throw new RequestError(413, 'the request body is too large');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RequestError(400, 'the request body is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new RequestError(400, parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '));
  return parsed.data;
}

/** The page's state is live: nothing it is sent may be cached. */
const NO_STORE = { 'cache-control': 'no-store' };

function sendJson(response: ServerResponse, status: number, body: DialResponse | ReminderResponse | readonly RingingCall[] | ErrorResponse): void {
  sendJsonReply(response, status, body, NO_STORE);
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  sendText(response, status, contentType, body, NO_STORE);
}
