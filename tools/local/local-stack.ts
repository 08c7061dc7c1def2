// Owns the whole hotline on one machine: Azurite, the ACS emulator and the local Functions host, wired together.
import { randomBytes, randomUUID } from 'node:crypto';
import { startAcsEmulator, type AcsEmulator, type AcsEmulatorOptions } from '../acs-emulator/index.js';
import type { Overrides } from '../../src/app/composition-root';
import { timersAtPace, type Telemetry, type Timers } from '../../src/app/ports';
import { freePort, startAzurite, startAzuriteQueues } from './azurite';
import { startFunctionsHost, type FunctionsHost } from './functions-host';
import { startSpreadProxy, type SpreadProxy } from './spread-proxy';

import { HOTLINE_NUMBER, OPERATOR_NUMBER } from './constants';

export { HOTLINE_NUMBER, OPERATOR_NUMBER };

export interface LocalStackOptions {
  /** An Azurite already running (tests share one); otherwise one is started in memory. */
  readonly tablesConnectionString?: string;
  /** Azurite's Queue service for outbound calls; started with the tables when neither is given, else outbound is off. */
  readonly queuesConnectionString?: string;
  readonly tableName?: string;
  /** How long a failed outbound-calls message waits before its next try (host.json says 10 s). */
  readonly queueRetryDelaySeconds?: number;
  readonly hostPort?: number;
  readonly emulatorPort?: number;
  readonly timeScale?: number;
  readonly ringWindowMs?: number;
  /** Extra or overriding app settings, e.g. a flow file. */
  readonly settings?: Readonly<Record<string, string>>;
  readonly telemetry?: Telemetry;
  readonly log?: (level: string, functionName: string, message: string) => void;
  /** Run the timer functions (watchdog, retention) on their period; tests usually call `host.runTimer` instead. */
  readonly runTimers?: boolean;
  /** How long the host gives a client to send a whole request (default 30 s). */
  readonly requestTimeoutMs?: number;
  /** Test seams of the app: a clock, pipeline policies for the storage and ACS clients. */
  readonly overrides?: Overrides;
  /**
   * Instances of the app on one table, behind one front door that spreads every request over them (default 1, no
   * front door): each keeps its own cache, so calls meet copies that another instance overtook.
   */
  readonly hosts?: number;
  /** Picks the instance for a request, as a number in [0, 1); defaults to Math.random. */
  readonly spread?: () => number;
  /** Further emulator options (redelivery, dice); port, Event Grid URL and time scale are set above. */
  readonly emulator?: Omit<AcsEmulatorOptions, 'port' | 'eventGridUrl' | 'timeScale' | 'ringWindowMs'>;
}

export interface LocalStack {
  readonly emulator: AcsEmulator;
  readonly host: FunctionsHost;
  /** Every instance (the first is `host`); with more than one, the front door that spreads requests over them. */
  readonly hosts: readonly FunctionsHost[];
  readonly proxy: SpreadProxy | undefined;
  /** The app settings the host runs with; the same names as in Azure. */
  readonly settings: Readonly<Record<string, string>>;
  /** What every ACS timeout and prompt length is multiplied by. */
  readonly timeScale: number;
  /** Stops everything; then throws if the app sent the emulator a request that the ACS spec refuses. */
  stop(): Promise<void>;
}

/** The app settings that point the hotline at this emulator and make it trust the emulator's callbacks. */
export function acsSettingsFor(emulator: AcsEmulator): Record<string, string> {
  return {
    ACS_CONNECTION_STRING: emulator.connectionString,
    ACS_CALLBACK_AUDIENCE: emulator.audience,
    ACS_CALLBACK_ISSUER: emulator.issuer,
    ACS_OPENID_CONFIGURATION_URL: emulator.openIdConfigurationUrl,
  };
}

const silentTelemetry: Telemetry = { trackEvent: () => undefined };

/**
 * The app's own waits (a throttled request's one-second back-off) run at the emulator's pace when that is faster than
 * real time, so a test at time scale 0.02 waits 20 ms, not a second; a slowed emulator does not slow them down.
 */
function scaledTimers(timeScale: number): Timers {
  return timersAtPace(Math.min(1, timeScale));
}

/** The app settings of a hotline served at `hostUrl` and wired to this emulator and Azurite; the same names as in Azure. */
export function stackSettings(options: {
  readonly emulator: AcsEmulator;
  readonly hostUrl: string;
  readonly tablesConnectionString: string;
  readonly queuesConnectionString?: string | undefined;
  readonly tableName?: string | undefined;
  readonly settings?: Readonly<Record<string, string>> | undefined;
}): Record<string, string> {
  const queues: Record<string, string> = options.queuesConnectionString
    ? // Its own queue per stack: tests share one Azurite, and a message must reach the stack that sent it.
      { QUEUES_CONNECTION_STRING: options.queuesConnectionString, OUTBOUND_QUEUE_NAME: `outbound-${randomUUID().slice(0, 8)}` }
    : {};
  return {
    ...acsSettingsFor(options.emulator),
    CALLBACK_BASE_URL: options.hostUrl,
    // ACS would hand this to Azure AI for speech; the emulator recognises text instead.
    COGNITIVE_SERVICES_ENDPOINT: 'https://local-emulator.cognitiveservices.azure.com/',
    TABLES_CONNECTION_STRING: options.tablesConnectionString,
    CALL_STATE_TABLE_NAME: options.tableName ?? `calls${randomUUID().replace(/-/g, '').slice(0, 16)}`,
    OPERATOR_PHONE_NUMBER: OPERATOR_NUMBER,
    HOTLINE_PHONE_NUMBER: HOTLINE_NUMBER,
    PSEUDONYM_KEY: randomBytes(32).toString('base64'),
    CALLBACK_SIGNING_KEY: randomBytes(32).toString('base64'),
    CALLBACK_AUTH: 'jwt',
    ...queues,
    ...options.settings,
  };
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const timeScale = options.timeScale ?? 1;
  const stops: Array<() => Promise<void>> = [];
  // Stops what started, newest first, whether start-up finished or failed half-way.
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  try {
    let tablesConnectionString = options.tablesConnectionString;
    let queuesConnectionString = options.queuesConnectionString;
    if (tablesConnectionString === undefined) {
      const azurite = await startAzurite();
      stops.push(() => azurite.stop());
      tablesConnectionString = azurite.connectionString;
      if (queuesConnectionString === undefined) {
        const queues = await startAzuriteQueues();
        stops.push(() => queues.stop());
        queuesConnectionString = queues.connectionString;
      }
    }
    const hostPort = options.hostPort ?? (await freePort());
    const hostUrl = `http://127.0.0.1:${hostPort}`;
    const emulator = await startAcsEmulator({
      ...options.emulator,
      ...(options.emulatorPort === undefined ? {} : { port: options.emulatorPort }),
      eventGridUrl: `${hostUrl}/runtime/webhooks/eventgrid?functionName=incomingCall`,
      timeScale,
      ...(options.ringWindowMs === undefined ? {} : { ringWindowMs: options.ringWindowMs }),
    });
    stops.push(() => emulator.close());
    const settings = stackSettings({ emulator, hostUrl, tablesConnectionString, queuesConnectionString, tableName: options.tableName, settings: options.settings });
    const instances = options.hosts ?? 1;
    const hosts: FunctionsHost[] = [];
    for (let i = 0; i < instances; i++) {
      const host = await startFunctionsHost({
        port: instances === 1 ? hostPort : await freePort(),
        env: settings,
        telemetry: options.telemetry ?? silentTelemetry,
        ...(options.log ? { log: options.log } : {}),
        ...(options.runTimers ? { runTimers: true } : {}),
        ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
        overrides: { timers: scaledTimers(timeScale), ...options.overrides },
        ...(options.queueRetryDelaySeconds === undefined ? {} : { queueRetryDelaySeconds: options.queueRetryDelaySeconds }),
      });
      stops.push(() => host.close());
      hosts.push(host);
    }
    let proxy: SpreadProxy | undefined;
    if (instances > 1) {
      const front = await startSpreadProxy(hostPort, hosts.map((host) => host.url), options.spread ?? Math.random);
      stops.push(() => front.close());
      proxy = front;
    }
    const [host] = hosts;
    if (!host) throw new Error('hosts must be at least 1');
    return {
      emulator,
      host,
      hosts,
      proxy,
      settings,
      timeScale,
      async stop() {
        await stopAll();
        // Only the app talks to this emulator: a request the ACS spec refuses is the app's bug, so every test
        // that runs the stack also checks the app's conformance.
        const refused = emulator.requests.filter((request) => request.refusedBySpec !== undefined);
        if (refused.length > 0) {
          const lines = refused.map((r) => `${r.method} ${r.path}?api-version=${r.apiVersion ?? ''}: ${r.refusedBySpec ?? ''}`);
          throw new Error(`The app sent ${refused.length} request(s) that ACS would refuse:\n${lines.join('\n')}`);
        }
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
