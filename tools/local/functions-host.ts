// Owns a local stand-in for the Functions host: the registered functions at the routes Core Tools uses.
// HTTP triggers at /api/<route> (bodies streamed, as with enableHttpStream); Event Grid triggers at
// /runtime/webhooks/eventgrid?functionName=<name>; timer triggers on their period when asked, or on demand.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { HttpRequest, InvocationContext, type EventGridEvent, type HttpRequestInit, type HttpResponseInit, type LogHandler, type Timer } from '@azure/functions';
import type { Overrides } from '../../src/app/composition-root';
import type { Telemetry } from '../../src/app/ports';
import { loadSettings, type Settings } from '../../src/config';
import { hotlineFunctions, type HotlineFunctions } from '../../src/functions/hotline-functions';
import { readCapped, sendJson } from './http';
import { startQueueRunner, type QueueRunner } from './queue-runner';

/** One handler call as the host sees it: which function, and its trigger input. */
export type Invocation =
  | { readonly kind: 'http'; readonly functionName: string; readonly request: HttpRequest }
  | { readonly kind: 'eventGrid'; readonly functionName: string; readonly event: EventGridEvent };

/**
 * Connections waiting to be accepted. Event Grid and ACS open one per delivery here, so a dial burst is a thousand
 * at once; with Node's default (511) the kernel drops the rest, and their SYN retransmissions (1 s, 3 s, 7 s, 15 s
 * later) ate the ring window. Linux caps it at net.core.somaxconn (4096 by default).
 */
export const LISTEN_BACKLOG = 4096;

export interface FunctionsHostOptions {
  readonly port?: number;
  readonly host?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly telemetry: Telemetry;
  /** Where function logs go; defaults to nowhere, so tests stay quiet. */
  readonly log?: (level: string, functionName: string, message: string) => void;
  /** Run each timer function on its period (as Azure does); otherwise only `runTimer` runs them. */
  readonly runTimers?: boolean;
  /**
   * How long a client may take to send a whole request, headers included (default 30 s, the function timeout): a body
   * trickled in must not hold a connection for Node's default of five minutes.
   */
  readonly requestTimeoutMs?: number;
  /** Test seams of the app (clock, fault-injecting pipeline policies); Azure runs without them. */
  readonly overrides?: Overrides;
  /** Builds the functions to serve from checked settings; defaults to the hotline's own list. */
  readonly functions?: (settings: Settings, telemetry: Telemetry, overrides: Overrides) => HotlineFunctions;
  /**
   * Runs around every handler call and must call `invoke` once (the benchmark times handlers and gives each an
   * async context here). The HTTP body is read inside it, as the real worker streams it to the handler.
   */
  readonly aroundInvocation?: <T>(invocation: Invocation, invoke: () => Promise<T>) => Promise<T>;
  /** How long a failed queue message waits before its next try (host.json's visibilityTimeout; tests make it short). */
  readonly queueRetryDelaySeconds?: number;
}

export interface FunctionsHost {
  readonly url: string;
  /** Runs a timer function once, now, and resolves when it finishes (it throws what the function threw). */
  runTimer(name: string): Promise<void>;
  close(): Promise<void>;
}

/** `Values` of local.settings.json under the process environment, as Core Tools does. */
export function localSettings(file = path.resolve('local.settings.json')): Record<string, string | undefined> {
  let values: Record<string, string> = {};
  try {
    values = (JSON.parse(readFileSync(file, 'utf8')) as { Values?: Record<string, string> }).Values ?? {};
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file}: ${(error as Error).message}`);
  }
  return { ...values, ...process.env };
}

export async function startFunctionsHost(options: FunctionsHostOptions): Promise<FunctionsHost> {
  const settings = loadSettings(options.env);
  const functions = (options.functions ?? hotlineFunctions)(settings, options.telemetry, options.overrides ?? {});
  for (const warning of functions.warnings) options.log?.('warning', 'host', warning);
  const around = options.aroundInvocation ?? (<T>(_: Invocation, invoke: () => Promise<T>) => invoke());
  const contextFor = (functionName: string) => {
    const logHandler: LogHandler = (level, ...args) => options.log?.(level, functionName, args.map(String).join(' '));
    return new InvocationContext({ functionName, invocationId: randomUUID(), logHandler });
  };

  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const server = createServer(
    {
      requestTimeout,
      headersTimeout: Math.min(requestTimeout, HEADERS_TIMEOUT_MS),
      // Node checks those timeouts only this often (30 s by default): a bound checked twice a minute is no bound.
      connectionsCheckingInterval: Math.min(1_000, requestTimeout),
    },
    (request, response) => {
      void serve(request, response).catch((error: unknown) => {
        options.log?.('error', 'host', error instanceof Error ? (error.stack ?? error.message) : String(error));
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: 'function threw' }));
      });
    },
  );

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`);

    if (url.pathname === '/runtime/webhooks/eventgrid') {
      const target = functions.eventGrid.find((fn) => fn.name === url.searchParams.get('functionName'));
      if (!target) return send(response, 404, { error: `no Event Grid function ${url.searchParams.get('functionName') ?? ''}` });
      // The CloudEvents webhook handshake: the sender asks whether it may deliver, and from which origin.
      if (request.method === 'OPTIONS') {
        const origin = request.headers['webhook-request-origin'];
        response.writeHead(200, { ...(typeof origin === 'string' ? { 'WebHook-Allowed-Origin': origin } : {}), 'WebHook-Allowed-Rate': '*' }).end();
        return;
      }
      if (request.method !== 'POST') return send(response, 405, { error: 'method not allowed' });
      const read = await readEventGridBatch(request);
      if (!read.ok) return send(response, read.status, { error: read.error }, read.status === 413);
      const list = read.events;
      if (request.headers['aeg-event-type'] === 'SubscriptionValidation') {
        return send(response, 200, { validationResponse: (list[0]?.['data'] as { validationCode?: string } | undefined)?.validationCode });
      }
      // The real host runs the function once per event and answers 500 if any invocation throws.
      for (const event of list as unknown as EventGridEvent[]) {
        await around({ kind: 'eventGrid', functionName: target.name, event }, () => Promise.resolve(target.handler(event, contextFor(target.name))));
      }
      return send(response, 202, undefined);
    }

    const route = url.pathname.startsWith('/api/') ? url.pathname.slice('/api/'.length) : undefined;
    const method = (request.method ?? 'GET') as (typeof functions.http)[number]['methods'][number];
    // Routes may share a path and differ in method (POST outbound-calls, GET outbound-calls/{id}).
    const matching = functions.http.map((fn) => ({ fn, params: route === undefined ? undefined : matchRoute(fn.route, route) })).filter((m) => m.params !== undefined);
    const found = matching.find((m) => m.fn.methods.includes(method)) ?? matching[0];
    if (!found) return send(response, 404, { error: `no function at ${url.pathname}` });
    const target = found.fn;
    if (!target.methods.includes(method)) return send(response, 405, { error: 'method not allowed' });
    const httpRequest = streamedRequest(request, url, found.params ?? {});
    const result: HttpResponseInit = await around({ kind: 'http', functionName: target.name, request: httpRequest }, () =>
      Promise.resolve(target.handler(httpRequest, contextFor(target.name))),
    );
    writeResponse(response, result);
  }

  // Each timer runs at most once at a time, as the Functions host's singleton lock ensures.
  const running = new Map<string, Promise<void>>();
  async function runTimer(name: string): Promise<void> {
    const target = functions.timer.find((fn) => fn.name === name);
    if (!target) throw new Error(`no timer function ${name}`);
    const current = running.get(name);
    if (current) return current;
    const now = new Date().toISOString();
    const timer: Timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: now, next: now, lastUpdated: now } };
    const run = Promise.resolve(target.handler(timer, contextFor(name))).then(() => undefined).finally(() => running.delete(name));
    running.set(name, run);
    return run;
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1', backlog: LISTEN_BACKLOG }, () => resolve());
  });
  // Only once listening: a host that could not start must not be kept alive by its timers.
  const intervals = options.runTimers
    ? functions.timer.map(({ name, everySeconds }) =>
        setInterval(() => {
          runTimer(name).catch((error: unknown) => options.log?.('error', name, error instanceof Error ? (error.stack ?? error.message) : String(error)));
        }, everySeconds * 1_000),
      )
    : [];

  let queues: QueueRunner | undefined;
  if (functions.queue.length > 0 && settings.outbound?.queue.kind === 'connectionString') {
    queues = startQueueRunner({
      connectionString: settings.outbound.queue.connectionString,
      functions: functions.queue,
      ...(options.log ? { log: options.log } : {}),
      ...(options.queueRetryDelaySeconds === undefined ? {} : { retryDelaySeconds: options.queueRetryDelaySeconds }),
    });
  }
  const address = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${address.port}`,
    runTimer,
    close: async () => {
      await queues?.close();
      for (const interval of intervals) clearInterval(interval);
      await Promise.allSettled(running.values());
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

/**
 * The request as the Node worker builds it with enableHttpStream: a fetch Request over the socket, so a handler
 * can stop reading an oversized body without the host having buffered it.
 */
/** `outbound-calls/{id}` against `outbound-calls/abc`: the route's parameters, or undefined when it does not match. */
function matchRoute(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of want.entries()) {
    const value = got[index] ?? '';
    const param = /^\{(\w+)\}$/.exec(part)?.[1];
    if (param !== undefined) params[param] = decodeURIComponent(value);
    else if (part !== value) return undefined;
  }
  return params;
}

function streamedRequest(request: IncomingMessage, url: URL, params: Record<string, string>): HttpRequest {
  const method = request.method ?? 'GET';
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]));
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const nativeRequest = new Request(url, { method, headers, ...(hasBody ? { body: Readable.toWeb(request), duplex: 'half' } : {}) });
  // `nativeRequest` is how the library's own streaming path (createStreamRequest) builds it; the public type omits it.
  const init: HttpRequestInit & { nativeRequest: Request } = { nativeRequest, params };
  return new HttpRequest(init);
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const HEADERS_TIMEOUT_MS = 10_000;
/** Event Grid delivers events of at most 1 MB, in batches of at most 1 MB. */
export const MAX_EVENT_GRID_BYTES = 1024 * 1024;
/** What infra/modules/eventgrid.bicep subscribes with (`maxEventsPerBatch: 1`): Event Grid never sends this app more. */
export const MAX_EVENTS_PER_BATCH = 1;

type EventGridBatch = { readonly ok: true; readonly events: ReadonlyArray<Record<string, unknown>> } | { readonly ok: false; readonly status: 400 | 413; readonly error: string };

/** The batch as the Functions host takes it: bounded in size and count, each event a JSON object, or a 4xx. */
async function readEventGridBatch(request: IncomingMessage): Promise<EventGridBatch> {
  const tooLarge = { ok: false, status: 413, error: `body is larger than ${MAX_EVENT_GRID_BYTES} bytes` } as const;
  if (Number(request.headers['content-length'] ?? 0) > MAX_EVENT_GRID_BYTES) return tooLarge;
  const text = await readCapped(request, MAX_EVENT_GRID_BYTES);
  if (text === undefined) return tooLarge;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, status: 400, error: 'body is not valid JSON' };
  }
  const events = Array.isArray(parsed) ? (parsed as unknown[]) : [parsed];
  if (events.length === 0) return { ok: false, status: 400, error: 'body holds no event' };
  if (events.length > MAX_EVENTS_PER_BATCH) return { ok: false, status: 400, error: `a batch holds at most ${MAX_EVENTS_PER_BATCH} events` };
  if (!events.every((event) => typeof event === 'object' && event !== null && !Array.isArray(event))) return { ok: false, status: 400, error: 'every event must be a JSON object' };
  return { ok: true, events: events as Array<Record<string, unknown>> };
}

/** `close`: after answering early (413), the rest of a large body is not worth reading; the connection is dropped. */
function send(response: ServerResponse, status: number, body: unknown, close = false): void {
  // Node ends the connection after a response that says `connection: close`.
  const headers: Record<string, string> = close ? { connection: 'close' } : {};
  if (body === undefined) response.writeHead(status, headers).end();
  else sendJson(response, status, body, headers);
}

function writeResponse(response: ServerResponse, result: HttpResponseInit): void {
  const headers = new Headers(result.headers);
  let body: string | Uint8Array | undefined;
  if (result.jsonBody !== undefined) {
    body = JSON.stringify(result.jsonBody);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  } else if (typeof result.body === 'string' || result.body instanceof Uint8Array) {
    body = result.body;
  }
  // A 413 went out before the body was read: drop the connection rather than drain the rest.
  if (result.status === 413) headers.set('connection', 'close');
  response.writeHead(result.status ?? 200, Object.fromEntries(headers.entries()));
  response.end(body);
}
