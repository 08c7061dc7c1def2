// `npm run host`: the hotline's functions alone, at Core Tools' routes, with local.settings.json and the environment.
import { createApp } from '../../src/app/composition-root';
import { CALLBACK_ROUTE, OUTBOUND_ROUTE } from '../../src/app/routes';
import { boundedLine } from '../../src/functions/invocation-log';
import { logTelemetry, type Log } from '../../src/app/ports';
import { loadSettings, SettingsError, type Settings } from '../../src/config';
import { loadFlow } from '../../src/app/flow-file';
import { FlowError } from '../../src/flow/validate-flow';
import { CliError, onInterrupt, portSetting, readEnv, runCli } from './cli-support';
import { localSettings, startFunctionsHost } from './functions-host';

let portNames: Record<number, string> = {};

/** One line per log entry, as `func start` prints them. */
const print = (text: string) => console.log(`[${new Date().toISOString()}] ${boundedLine(text)}`);
const withProperties = (message: string, properties?: Readonly<Record<string, unknown>>) =>
  properties ? `${message} ${JSON.stringify(properties)}` : message;
const consoleLog: Log = {
  info: (message, properties) => print(withProperties(message, properties)),
  warn: (message, properties) => print(`warning: ${withProperties(message, properties)}`),
  error: (message, properties) => print(`error: ${withProperties(message, properties)}`),
};

async function main(): Promise<number> {
  const { PORT } = readEnv({ PORT: portSetting(7071) });
  portNames = { [PORT]: 'PORT' };
  const env = localSettings();
  // Core Tools would only find out at the first call; every bad setting and flow problem is reported before listening.
  const problems: string[] = [];
  let settings: Settings | undefined;
  try {
    settings = loadSettings(env);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    problems.push(`${error.message}\nSettings come from local.settings.json (Values) and the environment: copy local.settings.sample.json to start.`);
  }
  try {
    loadFlow(env['HOTLINE_FLOW_FILE'] || undefined);
  } catch (error) {
    if (!(error instanceof FlowError)) throw error;
    problems.push(error.message);
  }
  if (problems.length > 0 || !settings) throw new CliError(problems.join('\n'));
  const storageProblem = await probeStorage(settings);
  if (storageProblem) {
    print(`warning: Table Storage is unreachable (${storageProblem}); callbacks will get 503 until it is up. Start Azurite (npx azurite-table --inMemoryPersistence) or fix TABLES_CONNECTION_STRING.`);
  }
  const host = await startFunctionsHost({
    port: PORT,
    env,
    telemetry: logTelemetry(consoleLog),
    // As Azure does: the watchdog every 15 s and retention hourly, or a call left waiting gets nothing.
    runTimers: true,
    log: (level, functionName, message) => print(`${functionName} ${level}: ${message}`),
  });
  console.log(`Functions host listening on ${host.url}
  callbacks      POST ${host.url}/api/${CALLBACK_ROUTE}
  incomingCall   POST ${host.url}/runtime/webhooks/eventgrid?functionName=incomingCall${
    loadSettings(env).outbound
      ? `\n  outbound calls POST ${host.url}/api/${OUTBOUND_ROUTE}, GET ${host.url}/api/${OUTBOUND_ROUTE}/{id} (queue: Azurite's Queue service)`
      : ''
  }
  timers         watchdog every 15 s, retention hourly
Ctrl-C stops it.`);
  await new Promise<void>((resolve) => onInterrupt(resolve));
  await host.close();
  return 0;
}

/** Creates the call-state table (as the first invocation would), so a storage that is not there is named at start-up. */
async function probeStorage(settings: Settings): Promise<string | undefined> {
  try {
    await createApp(settings, { trackEvent: () => undefined }).table.createTable({ abortSignal: AbortSignal.timeout(STORAGE_PROBE_MS) });
    return undefined;
  } catch (error) {
    return error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
  }
}

/** Azurite on loopback answers in milliseconds; a storage that is not there refuses at once or never answers. */
const STORAGE_PROBE_MS = 3_000;

runCli(main, () => portNames);
