// A local stack for reliability tests: captured logs and telemetry, a movable clock, storage faults, the app's table,
// and crafted callbacks posted with valid tokens, so each test can assert the HTTP status, the state and the ACS requests.
import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { inject } from 'vitest';
import { CallbackBinding } from '../../src/adapters/acs/callback-binding';
import { CallStore } from '../../src/adapters/tables/call-store';
import type { Overrides } from '../../src/app/composition-root';
import type { CallPhase, CallState } from '../../src/domain/call-state';
import type { CallHandle, RecordedRequest } from '../../tools/acs-emulator/index.js';
import { HOTLINE_NUMBER, startLocalStack, type LocalStack, type LocalStackOptions } from '../../tools/local/local-stack';
import { StorageFaults } from '../../tools/local/storage-faults';
import { boundCallback } from './bound-callbacks';
import { allRows } from './tables';

export const CALLER_NUMBER = '+14255550123';
/** A Monday, 10:00 in New York: inside the default hotline's office hours, so a test's calls do not depend on when it runs. */
export const OFFICE_HOURS_AT = '2026-12-21T10:00:00-05:00';

export interface TrackedEvent {
  readonly name: string;
  readonly properties: Readonly<Record<string, string>>;
  readonly measurements: Readonly<Record<string, number>> | undefined;
}

export interface CallbackReply {
  readonly status: number;
  readonly body: { outcomes?: string[]; error?: string; cause?: string } | undefined;
  readonly text: string;
}

export interface TestStack extends LocalStack {
  readonly table: TableClient;
  readonly store: CallStore;
  readonly storageFaults: StorageFaults;
  readonly telemetry: TrackedEvent[];
  readonly logs: Array<{ level: string; functionName: string; message: string }>;
  /** Moves the app's clock (not the emulator's): how tests make a call look stalled or a claim look old. */
  advanceClock(ms: number): void;
  /** The app's clock, as advanceClock has moved it. */
  now(): Date;
  /** Dials the hotline and waits for the first prompt, so the call is answered and its state row exists. */
  dial(options?: { from?: string }): Promise<{ handle: CallHandle; callConnectionId: string; correlationId: string }>;
  /**
   * POSTs to the callback URL bound to the events' call (see boundCallback), or to the one bound to `correlationId`, or
   * to `url` as given; with a fresh valid token, unless `authorization` says otherwise.
   */
  postCallbacks(
    body: unknown,
    options?: { authorization?: string | null; headers?: Record<string, string>; correlationId?: string; url?: string },
  ): Promise<CallbackReply>;
  /** The app's own signer of callback URLs, as the settings key it. */
  readonly binding: CallbackBinding;
  stateOf(callConnectionId: string): Promise<CallState | undefined>;
  /** Rewrites a call's phase (as an earlier event would have), to deliver an event the call is waiting for. */
  setPhase(callConnectionId: string, phase: CallPhase): Promise<CallState>;
  /** REST requests the emulator received for a call, excluding answers. */
  acsRequests(callConnectionId: string): RecordedRequest[];
  rows(): Promise<Array<[string, string]>>;
}

export async function startTestStack(
  options: LocalStackOptions & { overrides?: Omit<Overrides, 'clock' | 'storagePolicies'>; outbound?: boolean } = {},
): Promise<TestStack> {
  const telemetry: TrackedEvent[] = [];
  const logs: TestStack['logs'] = [];
  const storageFaults = new StorageFaults();
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  const stack = await startLocalStack({
    tablesConnectionString: inject('tablesConnectionString'),
    // Outbound calls only where a test asks: each stack with a queue polls it.
    ...(options.outbound ? { queuesConnectionString: inject('queuesConnectionString'), queueRetryDelaySeconds: 0 } : {}),
    timeScale: 0.02,
    telemetry: { trackEvent: (name, properties, measurements) => telemetry.push({ name, properties, measurements }) },
    log: (level, functionName, message) => logs.push({ level, functionName, message }),
    ...options,
    emulator: { callsAt: OFFICE_HOURS_AT, ...options.emulator },
    overrides: {
      ...options.overrides,
      clock: { now },
      storagePolicies: [storageFaults.extraPolicy],
    },
  });
  const table = TableClient.fromConnectionString(inject('tablesConnectionString'), stack.settings['CALL_STATE_TABLE_NAME'] ?? '', { allowInsecureConnection: true });
  await table.createTable();
  const store = new CallStore(table);
  const binding = new CallbackBinding(Buffer.from(stack.settings['CALLBACK_SIGNING_KEY'] ?? '', 'base64'), `${stack.host.url}/api/callbacks`);

  const stateOf = async (callConnectionId: string) => (await store.load(callConnectionId))?.state;

  return {
    ...stack,
    table,
    store,
    storageFaults,
    telemetry,
    logs,
    advanceClock: (ms) => (offsetMs += ms),
    now,
    async dial({ from = CALLER_NUMBER } = {}) {
      const handle = await stack.emulator.caller.dial({ from, to: HOTLINE_NUMBER });
      await handle.nextPrompt();
      const callConnectionId = handle.callConnectionId ?? '';
      await waitFor(async () => (await stateOf(callConnectionId))?.phase.name === 'awaitingInput');
      return { handle, callConnectionId, correlationId: handle.correlationId };
    },
    binding,
    async postCallbacks(body, { authorization, headers = {}, correlationId, url } = {}) {
      const auth = authorization === undefined ? `Bearer ${await stack.emulator.signCallbackToken()}` : authorization;
      const bound = boundCallback(body, binding, stack.emulator.caller.calls, correlationId);
      const response = await fetch(url ?? bound.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(auth === null ? {} : { authorization: auth }), ...headers },
        body: bound.body,
      });
      const text = await response.text();
      let parsed: CallbackReply['body'];
      try {
        parsed = JSON.parse(text) as CallbackReply['body'];
      } catch {
        parsed = undefined;
      }
      return { status: response.status, body: parsed, text };
    },
    stateOf,
    async setPhase(callConnectionId, phase) {
      const stored = await store.load(callConnectionId);
      if (!stored) throw new Error(`no state for ${callConnectionId}`);
      const next = { ...stored.state, sequence: stored.state.sequence + 1, phase };
      if ((await store.commit(stored, next, `test-setup-${randomUUID()}`, new Date().toISOString())) !== 'committed') throw new Error('could not set the phase');
      return next;
    },
    acsRequests: (callConnectionId) => stack.emulator.requests.filter((request) => request.callConnectionId === callConnectionId && !request.path.endsWith(':answer')),
    rows: () => allRows(table),
  };
}

/** A CloudEvent as ACS posts it (one element of the callback array). */
export function cloudEvent(
  type: string,
  data: { callConnectionId: string; correlationId?: string; operationContext?: string | undefined; resultInformation?: { code: number; subCode: number; message?: string } } & Record<string, unknown>,
  id: string = randomUUID(),
): Record<string, unknown> {
  return {
    id,
    source: `calling/callConnections/${data.callConnectionId}`,
    type: `Microsoft.Communication.${type}`,
    data: { version: '2025-05-15', publicEventType: `Microsoft.Communication.${type}`, ...data },
    time: new Date().toISOString(),
    specversion: '1.0',
    datacontenttype: 'application/json',
    subject: `calling/callConnections/${data.callConnectionId}`,
  };
}

/** Polls until the condition holds; the limit only matters on a machine so loaded that the test is wrong anyway. */
export async function waitFor(condition: () => Promise<boolean> | boolean, what = 'the condition', timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const waitingContext = (state: CallState | undefined) => (state && 'operationContext' in state.phase ? state.phase.operationContext : undefined);
