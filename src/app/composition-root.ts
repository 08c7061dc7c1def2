// Owns wiring: settings in, a ready Hotline and the callback guard out. The only place adapters meet.
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { TableClient } from '@azure/data-tables';
import { DefaultAzureCredential } from '@azure/identity';
import { AcsCallAutomation, isLoopbackHttp } from '../adapters/acs/call-automation';
import { CallbackAuthenticator } from '../adapters/acs/callback-auth';
import { CallbackBinding, outboundBindingSubject } from '../adapters/acs/callback-binding';
import { CallerIdentity } from '../adapters/privacy/caller-identity';
import { OutboundQueue } from '../adapters/queues/outbound-queue';
import { CachedCallStore } from '../adapters/tables/cached-call-store';
import { CallStore } from '../adapters/tables/call-store';
import { OutboundStore } from '../adapters/tables/outbound-store';
import { FlowVersionStore } from '../adapters/tables/flow-versions';
import type { Settings } from '../config';
import type { Flow } from '../flow/flow-schema';
import { flowVersion } from '../flow/flow-version';
import { loadFlow } from './flow-file';
import { FlowLibrary } from './flow-library';
import { Hotline } from './hotline';
import { stallThresholdsMs } from './sweeps';
import { OutboundCalls } from './outbound';
import { CALLBACK_ROUTE } from './routes';
import { systemClock, systemTimers, type CallControl, type Clock, type OutboundDialer, type Telemetry, type Timers } from './ports';

export interface App {
  readonly hotline: Hotline;
  readonly table: TableClient;
  /** `undefined` when no queue is configured: the hotline then only answers. */
  readonly outbound: { readonly calls: OutboundCalls; readonly queue: OutboundQueue } | undefined;
}

/** What a callback must pass before anything touches storage: built from settings alone, no client, no I/O. */
export interface CallbackGuard {
  /** The per-call signature in the callback URL: which call a callback may speak for. */
  readonly binding: CallbackBinding;
  /** `undefined` when callback authentication is explicitly disabled. */
  readonly authenticator: CallbackAuthenticator | undefined;
}

export const callbackBinding = (settings: Settings) => new CallbackBinding(settings.callbackSigningKey, `${settings.callbackBaseUrl}/api/${CALLBACK_ROUTE}`);

export function createCallbackGuard(settings: Settings): CallbackGuard {
  return {
    binding: callbackBinding(settings),
    authenticator: settings.callbackAuth.mode === 'jwt' ? new CallbackAuthenticator(settings.callbackAuth) : undefined,
  };
}

/** A policy added to an Azure SDK client's pipeline, before or after its retry policy. */
export interface ExtraPolicy {
  readonly policy: PipelinePolicy;
  readonly position: 'perCall' | 'perRetry';
}

/** Replacements for tests and local tools; Azure runs with none of them. */
export interface Overrides {
  readonly flow?: Flow;
  readonly calls?: CallControl;
  readonly dialer?: OutboundDialer;
  readonly clock?: Clock;
  /** The app's own waits (throttle back-off, write-race jitter): the local stack runs them at the emulator's pace. */
  readonly timers?: Timers;
  /** Added to the Table Storage client, e.g. to inject faults that Azurite never produces. */
  readonly storagePolicies?: readonly ExtraPolicy[];
  /** Added to the ACS client, e.g. to lose a request on its way out. */
  readonly acsPolicies?: readonly ExtraPolicy[];
  /** `false`: every callback reads its row, as without the cache (tests of faults on that read). */
  readonly callStateCache?: false;
}

export function createApp(settings: Settings, telemetry: Telemetry, overrides: Overrides = {}): App {
  const credential =
    settings.acs.kind === 'managedIdentity' || settings.tables.kind === 'managedIdentity' || settings.outbound?.queue.kind === 'managedIdentity'
      ? new DefaultAzureCredential()
      : undefined;
  const tableOptions = { retryOptions: STORAGE_RETRY, additionalPolicies: [...(overrides.storagePolicies ?? [])] };
  const table =
    settings.tables.kind === 'connectionString'
      ? TableClient.fromConnectionString(settings.tables.connectionString, settings.tables.tableName, {
          ...tableOptions,
          allowInsecureConnection: /UseDevelopmentStorage=true|=http:\/\/(127\.0\.0\.1|localhost)[:/]/i.test(settings.tables.connectionString),
        })
      : new TableClient(settings.tables.endpoint, settings.tables.tableName, requireCredential(credential), {
          ...tableOptions,
          allowInsecureConnection: isLoopbackHttp(settings.tables.endpoint),
        });
  const acs =
    overrides.calls === undefined || overrides.dialer === undefined
      ? new AcsCallAutomation(
      settings.acs.kind === 'connectionString'
        ? { endpoint: settings.acs.endpoint, connectionString: settings.acs.connectionString }
        : { endpoint: settings.acs.endpoint, credential: requireCredential(credential) },
      settings.operatorPhoneNumber,
      settings.hotlinePhoneNumber,
      overrides.acsPolicies ?? [],
        )
      : undefined;
  const calls = overrides.calls ?? defined(acs, 'the ACS client');
  const flow = overrides.flow ?? loadFlow(settings.flowFile);
  // One store for the hotline and outbound calls, so both see the rows this instance wrote last.
  const store = overrides.callStateCache === false ? new CallStore(table) : new CachedCallStore(table);
  const callers = new CallerIdentity(settings.pseudonymKey);
  const clock = overrides.clock ?? systemClock;
  const timers = overrides.timers ?? systemTimers;
  const binding = callbackBinding(settings);
  // One library for the hotline and outbound calls: the current version is stored once, and read versions are shared.
  const flows = new FlowLibrary(flow, flowVersion(flow), new FlowVersionStore(table), clock);
  const outbound = settings.outbound && outboundCalls(settings.outbound, credential);
  function outboundCalls(outboundSettings: NonNullable<Settings['outbound']>, queueCredential: DefaultAzureCredential | undefined) {
    const queue = OutboundQueue.fromSettings(outboundSettings, () => requireCredential(queueCredential));
    const outboundCalls = new OutboundCalls({
      flows,
      requests: new OutboundStore(table),
      calls: store,
      queue,
      dialer: overrides.dialer ?? defined(acs, 'the ACS client'),
      callers,
      telemetry,
      clock,
      timers,
      // One function for every outbound callback URL, so binding callbacks to their call changes it in one place.
      callbackUrlFor: (requestId) => binding.urlFor(outboundBindingSubject(requestId)),
      cognitiveServicesEndpoint: settings.cognitiveServicesEndpoint,
      callsPerSecond: outboundSettings.callsPerSecond,
      retrySpacingSeconds: outboundSettings.retrySpacingSeconds,
      idKey: settings.pseudonymKey,
    });
    return { calls: outboundCalls, queue };
  }
  const hotline = new Hotline({
    flow,
    flows,
    store,
    calls,
    callers,
    telemetry,
    clock,
    timers,
    binding,
    cognitiveServicesEndpoint: settings.cognitiveServicesEndpoint,
    stallAfterMs: stallThresholdsMs(flow, settings.stallAfterSeconds),
    retentionMs: settings.retentionHours * 3_600_000,
    outbound: outbound?.calls,
  });
  return { hotline, table, outbound };
}

/** Storage retries must fit inside a callback's few seconds: short and few. */
const STORAGE_RETRY = { maxRetries: 2, retryDelayInMs: 100, maxRetryDelayInMs: 800 };

function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} was expected`);
  return value;
}

function requireCredential<T>(credential: T | undefined): T {
  if (credential === undefined) throw new Error('a managed identity credential was expected');
  return credential;
}
