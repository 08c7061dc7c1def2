// Owns the whole hotline on one machine: Azurite, the ACS emulator and the local Functions host, wired together.
import { randomBytes, randomUUID } from 'node:crypto';
import { startAcsEmulator, type AcsEmulator } from '../acs-emulator/index.js';
import type { Telemetry } from '../../src/app/ports';
import { freePort, startAzurite } from './azurite';
import { startFunctionsHost, type FunctionsHost } from './functions-host';

export const HOTLINE_NUMBER = '+18005550100';
export const OPERATOR_NUMBER = '+18005550199';

export interface LocalStackOptions {
  /** An Azurite already running (tests share one); otherwise one is started in memory. */
  readonly tablesConnectionString?: string;
  readonly tableName?: string;
  readonly hostPort?: number;
  readonly emulatorPort?: number;
  readonly timeScale?: number;
  readonly ringWindowMs?: number;
  /** Extra or overriding app settings, e.g. a flow file. */
  readonly settings?: Readonly<Record<string, string>>;
  readonly telemetry?: Telemetry;
  readonly log?: (level: string, functionName: string, message: string) => void;
}

export interface LocalStack {
  readonly emulator: AcsEmulator;
  readonly host: FunctionsHost;
  /** The app settings the host runs with; the same names as in Azure. */
  readonly settings: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

const silentTelemetry: Telemetry = { trackEvent: () => undefined };

/** The app settings of a hotline served at `hostUrl` and wired to this emulator and Azurite; the same names as in Azure. */
export function stackSettings(options: {
  readonly emulator: AcsEmulator;
  readonly hostUrl: string;
  readonly tablesConnectionString: string;
  readonly tableName?: string;
  readonly settings?: Readonly<Record<string, string>>;
}): Record<string, string> {
  const { emulator } = options;
  return {
    ACS_CONNECTION_STRING: emulator.connectionString,
    CALLBACK_BASE_URL: options.hostUrl,
    // ACS would hand this to Azure AI for speech; the emulator recognises text instead.
    COGNITIVE_SERVICES_ENDPOINT: 'https://local-emulator.cognitiveservices.azure.com/',
    TABLES_CONNECTION_STRING: options.tablesConnectionString,
    CALL_STATE_TABLE_NAME: options.tableName ?? `calls${randomUUID().replace(/-/g, '').slice(0, 16)}`,
    OPERATOR_PHONE_NUMBER: OPERATOR_NUMBER,
    HOTLINE_PHONE_NUMBER: HOTLINE_NUMBER,
    PSEUDONYM_KEY: randomBytes(32).toString('base64'),
    CALLBACK_AUTH: 'jwt',
    ACS_CALLBACK_AUDIENCE: emulator.audience,
    ACS_CALLBACK_ISSUER: emulator.issuer,
    ACS_OPENID_CONFIGURATION_URL: emulator.openIdConfigurationUrl,
    ...options.settings,
  };
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const azurite = options.tablesConnectionString ? undefined : await startAzurite();
  const hostPort = options.hostPort ?? (await freePort());
  const hostUrl = `http://127.0.0.1:${hostPort}`;
  const emulator = await startAcsEmulator({
    ...(options.emulatorPort === undefined ? {} : { port: options.emulatorPort }),
    eventGridUrl: `${hostUrl}/runtime/webhooks/eventgrid?functionName=incomingCall`,
    timeScale: options.timeScale ?? 1,
    ...(options.ringWindowMs === undefined ? {} : { ringWindowMs: options.ringWindowMs }),
  });
  const settings = stackSettings({
    emulator,
    hostUrl,
    tablesConnectionString: options.tablesConnectionString ?? azurite?.connectionString ?? '',
    ...(options.tableName === undefined ? {} : { tableName: options.tableName }),
    ...(options.settings === undefined ? {} : { settings: options.settings }),
  });
  let host: FunctionsHost;
  try {
    host = await startFunctionsHost({
      port: hostPort,
      env: settings,
      telemetry: options.telemetry ?? silentTelemetry,
      ...(options.log ? { log: options.log } : {}),
    });
  } catch (error) {
    await emulator.close();
    await azurite?.stop();
    throw error;
  }
  return {
    emulator,
    host,
    settings,
    stop: async () => {
      await host.close();
      await emulator.close();
      await azurite?.stop();
    },
  };
}
