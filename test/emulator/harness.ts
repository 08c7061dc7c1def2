// Test harness: an emulator, the real SDK client, and a tiny receiver that collects callbacks and Event Grid posts.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallAutomationClient, type CallConnection } from '@azure/communication-call-automation';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import {
  signRequest,
  startAcsEmulator,
  type AcsEmulator,
  type AcsEmulatorOptions,
  type CallHandle,
} from '../../tools/acs-emulator/index.js';

export interface ReceivedCallback {
  url: string;
  /** The whole CloudEvent. */
  event: Record<string, unknown>;
  type: string;
  data: Record<string, unknown> & {
    callConnectionId: string;
    operationContext?: string;
    resultInformation?: { code: number; subCode: number; message: string };
  };
  jwtValid: boolean;
  jwtError?: string;
}

export interface ReceivedEventGridPost {
  headers: IncomingHttpHeaders;
  body: Array<Record<string, unknown>>;
}

export const CALLER = '+14255550123';
export const HOTLINE = '+18005550100';
export const CALLBACK_PATH = '/api/callbacks?secret=abc';

export interface Harness {
  emulator: AcsEmulator;
  client: CallAutomationClient;
  receiverUrl: string;
  callbacks: ReceivedCallback[];
  eventGridPosts: ReceivedEventGridPost[];
  /** The receiver's HTTP status for each post (default 200), to test redelivery. */
  replyStatus: (kind: 'callback' | 'eventGrid', body: Array<Record<string, unknown>>) => number;
  /** Dials, answers with the SDK and waits for CallConnected. */
  connectedCall(dial?: { from?: string; failTransfers?: boolean }): Promise<{ handle: CallHandle; connection: CallConnection; id: string }>;
  waitForCallback(id: string, type: string, timeoutMs?: number): Promise<ReceivedCallback>;
  callbacksFor(id: string): ReceivedCallback[];
  rawRequest(method: string, path: string, body: unknown, apiVersion?: string): Promise<{ status: number; json: unknown }>;
  close(): Promise<void>;
}

export async function startHarness(options: AcsEmulatorOptions = {}): Promise<Harness> {
  const callbacks: ReceivedCallback[] = [];
  const eventGridPosts: ReceivedEventGridPost[] = [];
  const listeners = new Set<() => void>();
  // Filled in once the emulator is up; the receiver must exist first because the emulator needs its URL.
  const auth: { jwks?: ReturnType<typeof createLocalJWKSet>; emulator?: AcsEmulator } = {};

  const receiver: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Array<Record<string, unknown>>;
        if (req.url?.startsWith('/eventgrid')) {
          eventGridPosts.push({ headers: req.headers, body });
          const first = body[0];
          if (req.headers['aeg-event-type'] === 'SubscriptionValidation' && first) {
            const data = first['data'] as { validationCode: string };
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ validationResponse: data.validationCode }));
          } else {
            res.writeHead(harness.replyStatus('eventGrid', body)).end();
          }
          notify();
          return;
        }
        const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
        let jwtValid = false;
        let jwtError: string | undefined;
        try {
          if (auth.jwks === undefined || auth.emulator === undefined) throw new Error('no JWKS yet');
          await jwtVerify(token, auth.jwks, {
            issuer: auth.emulator.issuer,
            audience: auth.emulator.audience,
            algorithms: ['RS256'],
          });
          jwtValid = true;
        } catch (error) {
          jwtError = String(error);
        }
        for (const event of body) {
          callbacks.push({
            url: req.url ?? '',
            event,
            type: String(event['type']).replace('Microsoft.Communication.', ''),
            data: event['data'] as ReceivedCallback['data'],
            jwtValid,
            ...(jwtError === undefined ? {} : { jwtError }),
          });
        }
        res.writeHead(harness.replyStatus('callback', body)).end();
        notify();
      })();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  const em = await startAcsEmulator({ timeScale: 0.02, eventGridUrl: `${receiverUrl}/eventgrid`, ...options });
  const config = (await (await fetch(em.openIdConfigurationUrl)).json()) as { jwks_uri: string };
  auth.jwks = createLocalJWKSet((await (await fetch(config.jwks_uri)).json()) as JSONWebKeySet);
  auth.emulator = em;
  const client = new CallAutomationClient(em.connectionString, {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });

  function notify(): void {
    for (const listener of listeners) listener();
  }

  function callbacksFor(id: string): ReceivedCallback[] {
    return callbacks.filter((c) => c.data.callConnectionId === id);
  }

  function waitForCallback(id: string, type: string, timeoutMs = 15_000): Promise<ReceivedCallback> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = callbacksFor(id).find((c) => c.type === type);
        if (found === undefined) return false;
        listeners.delete(check);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`no ${type} for ${id} within ${timeoutMs} ms; got ${callbacksFor(id).map((c) => c.type).join(', ')}`));
      }, timeoutMs);
      if (!check()) listeners.add(check);
    });
  }

  const harness: Harness = {
    emulator: em,
    client,
    replyStatus: () => 200,
    receiverUrl,
    callbacks,
    eventGridPosts,
    callbacksFor,
    waitForCallback,
    async connectedCall(dial = {}) {
      const handle = await em.caller.dial({
        from: dial.from ?? CALLER,
        to: HOTLINE,
        ...(dial.failTransfers === undefined ? {} : { failTransfers: dial.failTransfers }),
      });
      const answered = await client.answerCall(handle.incomingCallContext, `${receiverUrl}${CALLBACK_PATH}`, {
        operationContext: 'answer-ctx',
      });
      const id = answered.callConnectionProperties.callConnectionId ?? '';
      await waitForCallback(id, 'CallConnected');
      return { handle, connection: answered.callConnection, id };
    },
    async rawRequest(method, path, body, apiVersion = '2026-03-12') {
      const url = new URL(`${em.url}${path}?api-version=${apiVersion}`);
      const raw = body === undefined ? '' : JSON.stringify(body);
      const response = await fetch(url, {
        method,
        headers: { ...signRequest(method, url, raw, em.accessKey), 'content-type': 'application/json' },
        ...(raw === '' ? {} : { body: raw }),
      });
      const text = await response.text();
      return { status: response.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
    },
    async close() {
      await em.close();
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    },
  };
  return harness;
}

export const caller = { phoneNumber: CALLER };

/** The SDK's RestError, duck-typed so the tests need no direct dependency on @azure/core-rest-pipeline. */
export interface SdkRestError extends Error {
  statusCode?: number;
  code?: string;
}

export async function restError(promise: Promise<unknown>): Promise<SdkRestError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error && error.name === 'RestError') return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}
