// Owns wiring: settings in, a ready Hotline and callback authenticator out. The only place adapters meet.
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { TableClient } from '@azure/data-tables';
import { DefaultAzureCredential } from '@azure/identity';
import { AcsCallAutomation, isLoopbackHttp } from '../adapters/acs/call-automation';
import { CallbackAuthenticator } from '../adapters/acs/callback-auth';
import { CallerIdentity } from '../adapters/privacy/caller-identity';
import { CachedCallStore } from '../adapters/tables/cached-call-store';
import { CallStore } from '../adapters/tables/call-store';
import { FlowVersionStore } from '../adapters/tables/flow-versions';
import type { Settings } from '../config';
import type { Flow } from '../flow/flow-schema';
import { flowVersion } from '../flow/flow-version';
import { loadFlow } from '../flow/validate-flow';
import { FlowLibrary } from './flow-library';
import { Hotline, stallThresholdsMs } from './hotline';
import { systemClock, type CallControl, type Clock, type Telemetry } from './ports';

export const CALLBACK_ROUTE = 'callbacks';

export interface App {
  readonly hotline: Hotline;
  /** `undefined` when callback authentication is explicitly disabled. */
  readonly authenticator: CallbackAuthenticator | undefined;
  readonly table: TableClient;
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
  readonly clock?: Clock;
  /** Added to the Table Storage client, e.g. to inject faults that Azurite never produces. */
  readonly storagePolicies?: readonly ExtraPolicy[];
  /** Added to the ACS client, e.g. to lose a request on its way out. */
  readonly acsPolicies?: readonly ExtraPolicy[];
  /** `false`: every callback reads its row, as without the cache (tests of faults on that read). */
  readonly callStateCache?: false;
}

export function createApp(settings: Settings, telemetry: Telemetry, overrides: Overrides = {}): App {
  const credential = settings.acs.kind === 'managedIdentity' || settings.tables.kind === 'managedIdentity' ? new DefaultAzureCredential() : undefined;
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
  const calls =
    overrides.calls ??
    new AcsCallAutomation(
      settings.acs.kind === 'connectionString'
        ? { endpoint: settings.acs.endpoint, connectionString: settings.acs.connectionString }
        : { endpoint: settings.acs.endpoint, credential: requireCredential(credential) },
      settings.operatorPhoneNumber,
      settings.hotlinePhoneNumber,
      overrides.acsPolicies ?? [],
    );
  const flow = overrides.flow ?? loadFlow(settings.flowFile);
  const clock = overrides.clock ?? systemClock;
  const hotline = new Hotline({
    flow,
    flows: new FlowLibrary(flow, flowVersion(flow), new FlowVersionStore(table), clock),
    store: overrides.callStateCache === false ? new CallStore(table) : new CachedCallStore(table),
    calls,
    callers: new CallerIdentity(settings.pseudonymKey),
    telemetry,
    clock,
    callbackUrl: `${settings.callbackBaseUrl}/api/${CALLBACK_ROUTE}`,
    cognitiveServicesEndpoint: settings.cognitiveServicesEndpoint,
    stallAfterMs: stallThresholdsMs(flow, settings.stallAfterSeconds),
    retentionMs: settings.retentionHours * 3_600_000,
  });
  const authenticator = settings.callbackAuth.mode === 'jwt' ? new CallbackAuthenticator(settings.callbackAuth) : undefined;
  return { hotline, authenticator, table };
}

/** Storage retries must fit inside a callback's few seconds: short and few. */
const STORAGE_RETRY = { maxRetries: 2, retryDelayInMs: 100, maxRetryDelayInMs: 800 };

function requireCredential<T>(credential: T | undefined): T {
  if (credential === undefined) throw new Error('a managed identity credential was expected');
  return credential;
}
