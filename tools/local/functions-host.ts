// Owns a local stand-in for the Functions host: the registered functions at the routes Core Tools uses.
// HTTP triggers at /api/<route>; Event Grid triggers at /runtime/webhooks/eventgrid?functionName=<name>.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { HttpRequest, InvocationContext, type EventGridEvent, type HttpResponseInit, type LogHandler } from '@azure/functions';
import type { Telemetry } from '../../src/app/ports';
import { hotlineFunctions, type HotlineFunctions } from '../../src/functions/hotline-functions';

/** One handler call as the host sees it: which function, and its trigger input. */
export interface Invocation {
  readonly functionName: string;
  /** The raw request body (HTTP trigger) or the event (Event Grid trigger). */
  readonly input: Buffer | EventGridEvent;
}

export interface FunctionsHostOptions {
  readonly port?: number;
  readonly host?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly telemetry: Telemetry;
  /** Where function logs go; defaults to nowhere, so tests stay quiet. */
  readonly log?: (level: string, functionName: string, message: string) => void;
  /** Builds the functions to serve; defaults to the hotline's own list. */
  readonly functions?: (env: Readonly<Record<string, string | undefined>>, telemetry: Telemetry) => HotlineFunctions;
  /**
   * Runs around every handler call and must call `invoke` once (the benchmark times handlers and gives each an
   * async context here); reading the request and writing the response stay outside it.
   */
  readonly aroundInvocation?: <T>(invocation: Invocation, invoke: () => Promise<T>) => Promise<T>;
}

export interface FunctionsHost {
  readonly url: string;
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
  const functions = (options.functions ?? hotlineFunctions)(options.env, options.telemetry);
  const around = options.aroundInvocation ?? (<T>(_: Invocation, invoke: () => Promise<T>) => invoke());
  const contextFor = (functionName: string) => {
    const logHandler: LogHandler = (level, ...args) => options.log?.(level, functionName, args.map(String).join(' '));
    return new InvocationContext({ functionName, invocationId: randomUUID(), logHandler });
  };

  const server = createServer((request, response) => {
    void serve(request, response).catch((error: unknown) => {
      options.log?.('error', 'host', error instanceof Error ? (error.stack ?? error.message) : String(error));
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'function threw' }));
    });
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`);
    const body = await readBody(request);

    if (url.pathname === '/runtime/webhooks/eventgrid') {
      const target = functions.eventGrid.find((fn) => fn.name === url.searchParams.get('functionName'));
      if (!target) return send(response, 404, { error: `no Event Grid function ${url.searchParams.get('functionName') ?? ''}` });
      const events = JSON.parse(body.toString('utf8') || '[]') as unknown;
      const list = (Array.isArray(events) ? events : [events]) as Array<EventGridEvent & { data?: { validationCode?: string } }>;
      if (request.headers['aeg-event-type'] === 'SubscriptionValidation') {
        return send(response, 200, { validationResponse: list[0]?.data?.validationCode });
      }
      // The real host runs the function once per event and answers 500 if any invocation throws.
      for (const event of list) await around({ functionName: target.name, input: event }, () => Promise.resolve(target.handler(event, contextFor(target.name))));
      return send(response, 202, undefined);
    }

    const route = url.pathname.startsWith('/api/') ? url.pathname.slice('/api/'.length) : undefined;
    const target = functions.http.find((fn) => fn.route === route);
    if (!target) return send(response, 404, { error: `no function at ${url.pathname}` });
    if (!target.methods.includes((request.method ?? 'GET') as (typeof target.methods)[number])) return send(response, 405, { error: 'method not allowed' });
    const httpRequest = new HttpRequest({
      method: request.method ?? 'GET',
      url: url.toString(),
      headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')])),
      body: { bytes: body },
    });
    const result: HttpResponseInit = await around({ functionName: target.name, input: body }, () => Promise.resolve(target.handler(httpRequest, contextFor(target.name))));
    writeResponse(response, result);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (body === undefined) {
    response.writeHead(status).end();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
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
  response.writeHead(result.status ?? 200, Object.fromEntries(headers.entries()));
  response.end(body);
}
