// Owns the emulator's public entry point: startAcsEmulator wires the HTTP server, signer, caller API and faults together.
import { randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallbackQueue, CallbackSigner, type DeliveryQuirks, type TokenOverrides } from './callbacks.js';
import { Caller, type CallerApi } from './caller-api.js';
import { Faults, type FaultInjector } from './faults.js';
import { HttpPoster } from './http-client.js';
import { loadContract } from './contract.js';
import type { RecordedRequest } from './acs-rest.js';
import { createHandler } from './server.js';
import { TimerSet } from './timers.js';

export type { CalleeBehaviour, CallerApi, CallHandle, DialOptions, SayOptions } from './caller-api.js';
export type { CallDirection, CalleeRefusal, CallEnd, CallState, HeardPrompt, TimelineEntry, TimelineKind } from './calls.js';
export type { DeliveryQuirks, DeliveryRecord, TokenOverrides } from './callbacks.js';
export type { ValidationResult } from './event-grid.js';
export { EVENT_GRID_RETRY_DELAYS_MS, afterDelivery, type DeliveryVerdict } from './event-grid-retry.js';
export type { FaultInjector, FaultSpec } from './faults.js';
export type { RecordedRequest } from './acs-rest.js';
export { signRequest } from './hmac.js';
export { keyOfTone } from './recognize.js';
export { ContractViolation } from './contract.js';
export { TONES, type Tone } from './wire-types.js';

/** Connections waiting to be accepted; Node's default (511) overflows under a dial burst (Linux caps it at somaxconn). */
const LISTEN_BACKLOG = 4096;

/** Stands in for the ACS resource's immutable id, the `aud` of callback JWTs. */
export const DEFAULT_AUDIENCE = '6d1b0c2e-5f4a-4c3b-9e8d-7a6f5e4d3c2b';

export interface AcsEmulatorOptions {
  /** 0 = ephemeral (default). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Base64 access key; default a random 32-byte key. */
  accessKey?: string;
  /** Where IncomingCall is POSTed (Event Grid schema, an array, aeg-* headers). */
  eventGridUrl?: string;
  /** Multiplies every ACS timeout (initial silence, inter-tone, prompt duration); default 1. */
  timeScale?: number;
  /** `aud` of callback JWTs; default DEFAULT_AUDIENCE. */
  jwtAudience?: string;
  /** How long an unanswered call rings, in real ms; NOT scaled by timeScale. Default 30000. */
  ringWindowMs?: number;
  /** How long one word of a prompt plays, in emulated ms (scaled by timeScale); default 60. */
  promptMsPerWord?: number;
  /** Real ms before each redelivery of a callback that got no 2xx reply; default none (one attempt). */
  callbackRetryDelaysMs?: readonly number[];
  /**
   * Real ms before each retry of an IncomingCall delivery that failed (Event Grid's own: EVENT_GRID_RETRY_DELAYS_MS);
   * default none. Either way only a reply of 200-204 is a delivery, and 400, 401, 403 and 413 are never retried.
   */
  eventGridRetryDelaysMs?: readonly number[];
  /** The dice for probabilistic faults and quirks; default Math.random (pass a seeded one to replay a chaos run). */
  random?: () => number;
  /**
   * Reuse one callback JWT for this many real ms instead of signing one per callback (default 0: a fresh token
   * each time, as ACS does). Load tests set it so the emulator's RSA signing does not crowd out the app they measure.
   */
  callbackTokenReuseMs?: number;
  /** Which event reports an outbound call its callee did not take (busy, declined, no answer); default CreateCallFailed. */
  outboundFailureEvent?: 'CreateCallFailed' | 'CallDisconnected';
  /** Every call happens "at" this time unless its dial says otherwise (see `DialOptions.at`); default now. */
  callsAt?: string;
}

export interface AcsEmulator {
  url: string;
  connectionString: string;
  issuer: string;
  openIdConfigurationUrl: string;
  audience: string;
  accessKey: string;
  caller: CallerApi;
  /** Every REST request received under /calling, with the status returned. */
  requests: RecordedRequest[];
  faults: FaultInjector;
  /** Mutable toggles: duplicate or reorder the next callbacks, or a random share of them. */
  callbackQuirks: DeliveryQuirks;
  /** A callback token signed with the emulator's key, with any claim bent; for testing the app's checks. */
  signCallbackToken(overrides?: TokenOverrides): Promise<string>;
  close(): Promise<void>;
}

export async function startAcsEmulator(options: AcsEmulatorOptions = {}): Promise<AcsEmulator> {
  const host = options.host ?? '127.0.0.1';
  const accessKey = options.accessKey ?? randomBytes(32).toString('base64');
  const audience = options.jwtAudience ?? DEFAULT_AUDIENCE;
  const timeScale = options.timeScale ?? 1;
  const timers = new TimerSet(timeScale);
  const poster = new HttpPoster();
  const quirks: DeliveryQuirks = { duplicateNext: 0, reorderNext: 0, duplicateRate: 0, reorderRate: 0, reorderHoldMs: 1_000 };
  const random = options.random ?? Math.random;
  const faults = new Faults(random);
  const contract = loadContract();
  const requests: RecordedRequest[] = [];
  const sseStreams = new Set<ServerResponse>();

  // Bind first: the issuer and the connection string need the port.
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // The app's ACS clients keep their connections, but a burst of callers still opens many at once: see LISTEN_BACKLOG.
    server.listen({ port: options.port ?? 0, host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const signer = await CallbackSigner.create(url, audience, options.callbackTokenReuseMs ?? 0);

  const caller = new Caller({
    timers,
    poster,
    emulatorUrl: url,
    eventGridUrl: options.eventGridUrl,
    ringWindowMs: options.ringWindowMs ?? 30_000,
    promptMsPerWord: (options.promptMsPerWord ?? 60) * timeScale,
    eventGridRetryDelaysMs: options.eventGridRetryDelaysMs ?? [],
    outboundFailureEvent: options.outboundFailureEvent ?? 'CreateCallFailed',
    callsAt: options.callsAt,
    contract,
    newCallbackQueue: (onDelivered) =>
      new CallbackQueue(poster, signer, quirks, { retryDelaysMs: options.callbackRetryDelaysMs ?? [], random }, timers, contract, onDelivered),
  });
  server.on(
    'request',
    createHandler({
      accessKey,
      caller,
      faults,
      requests,
      contract,
      sseStreams,
      signer,
    }),
  );

  return {
    url,
    connectionString: `endpoint=${url}/;accesskey=${accessKey}`,
    issuer: url,
    openIdConfigurationUrl: `${url}/calling/.well-known/acsopenidconfiguration`,
    audience,
    accessKey,
    caller,
    requests,
    faults,
    callbackQuirks: quirks,
    signCallbackToken: (overrides) => signer.sign(overrides),
    close: async () => {
      timers.clearAll();
      caller.dispose();
      poster.close();
      for (const stream of sseStreams) stream.end();
      sseStreams.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
