// Drives the real triggers in-process: the app built from settings, ACS played by the emulator, state in Azurite.
import { randomBytes, randomUUID } from 'node:crypto';
import { HttpRequest, InvocationContext, type EventGridEvent } from '@azure/functions';
import { inject } from 'vitest';
import { startAcsEmulator, type AcsEmulator, type CallHandle } from '../../tools/acs-emulator/index.js';
import type { CallState } from '../../src/domain/call-state';
import { createApp, createCallbackGuard, type App } from '../../src/app/composition-root';
import type { Telemetry } from '../../src/app/ports';
import { loadSettings } from '../../src/config';
import { callbackHandler } from '../../src/functions/callbacks';
import { incomingCallHandler } from '../../src/functions/incoming-call';
import { boundCallback } from './bound-callbacks';
import { payload } from './payloads';

export const CALLER = '+14255550123';
export const HOTLINE = '+18005550100';

export interface TriggerHarness {
  readonly emulator: AcsEmulator;
  readonly app: App;
  readonly events: Array<{ name: string; properties: Record<string, string> }>;
  /** Posts to the URL bound to the events' call (see boundCallback), or to the one bound to `correlationId`. */
  postCallbacks(body: unknown, headers?: Record<string, string>, correlationId?: string): Promise<{ status: number; body: unknown }>;
  deliverIncomingCall(event: Record<string, unknown>): Promise<void>;
  /** Rings a call in the emulator and answers it through the Event Grid trigger. */
  answeredCall(): Promise<{ call: CallHandle; callConnectionId: string }>;
  state(callConnectionId: string): Promise<CallState | undefined>;
  /** ACS requests the app made for one call, oldest first. */
  acsRequests(callConnectionId: string): AcsEmulator['requests'];
  close(): Promise<void>;
}

export async function startTriggerHarness(overrides: Record<string, string> = {}): Promise<TriggerHarness> {
  const emulator = await startAcsEmulator({ timeScale: 0.01 });
  const events: TriggerHarness['events'] = [];
  const telemetry: Telemetry = { trackEvent: (name, properties) => events.push({ name, properties: { ...properties } }) };
  const settings = loadSettings({
    ACS_CONNECTION_STRING: emulator.connectionString,
    // Nothing listens here: these tests post callbacks themselves, with the payloads they choose.
    CALLBACK_BASE_URL: 'http://127.0.0.1:9',
    COGNITIVE_SERVICES_ENDPOINT: 'https://hotline-ai.cognitiveservices.azure.com/',
    TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
    CALL_STATE_TABLE_NAME: `t${randomUUID().replace(/-/g, '').slice(0, 20)}`,
    OPERATOR_PHONE_NUMBER: '+18005550199',
    PSEUDONYM_KEY: randomBytes(32).toString('base64'),
    CALLBACK_SIGNING_KEY: randomBytes(32).toString('base64'),
    CALLBACK_AUTH: 'disabled',
    ...overrides,
  });
  const app = createApp(settings, telemetry);
  await app.table.createTable();
  const appFactory = () => Promise.resolve(app);
  const guard = createCallbackGuard(settings);
  const onCallback = callbackHandler(guard, appFactory, telemetry);
  const onIncomingCall = incomingCallHandler(appFactory, telemetry);
  const context = () => new InvocationContext({ functionName: 'test', logHandler: () => undefined });

  const harness: TriggerHarness = {
    emulator,
    app,
    events,
    async postCallbacks(body, headers = {}, correlationId) {
      const bound = boundCallback(body, guard.binding, emulator.caller.calls, correlationId);
      const request = new HttpRequest({
        method: 'POST',
        url: bound.url,
        headers: { 'content-type': 'application/json', ...headers },
        body: { string: bound.body },
      });
      const response = await onCallback(request, context());
      return { status: response.status ?? 200, body: response.jsonBody };
    },
    async deliverIncomingCall(event) {
      await onIncomingCall(event as unknown as EventGridEvent, context());
    },
    async answeredCall() {
      const call = await emulator.caller.dial({ from: CALLER, to: HOTLINE });
      await harness.deliverIncomingCall(call.incomingCallEvent);
      if (!call.callConnectionId) throw new Error('the call was not answered');
      return { call, callConnectionId: call.callConnectionId };
    },
    async state(callConnectionId) {
      try {
        const row = await app.table.getEntity<{ state: string }>(callConnectionId, 'state');
        return JSON.parse(row.state) as CallState;
      } catch {
        return undefined;
      }
    },
    acsRequests: (callConnectionId) => emulator.requests.filter((r) => r.callConnectionId === callConnectionId),
    close: () => emulator.close(),
  };
  return harness;
}

/** A payload sample re-addressed to one call and to the prompt it is waiting for, with a fresh event id. */
export function callbackFrom(
  file: string,
  callConnectionId: string,
  change: { operationContext?: string | undefined; data?: Record<string, unknown>; id?: string; type?: string; time?: string } = {},
): Record<string, unknown> {
  const [event] = payload<Array<{ data: Record<string, unknown> } & Record<string, unknown>>>(file);
  if (!event) throw new Error(`${file} holds no event`);
  return {
    ...event,
    id: change.id ?? randomUUID(),
    ...(change.type ? { type: `Microsoft.Communication.${change.type}` } : {}),
    source: `calling/callConnections/${callConnectionId}`,
    subject: `calling/callConnections/${callConnectionId}`,
    time: change.time ?? new Date().toISOString(),
    // The sample's correlationId names no call of ours: postCallbacks fills in the call's own.
    data: { ...event.data, callConnectionId, correlationId: undefined, operationContext: change.operationContext, ...change.data },
  };
}

export const waitingContext = (state: CallState | undefined): string | undefined =>
  state && 'operationContext' in state.phase ? state.phase.operationContext : undefined;
