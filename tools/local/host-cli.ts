// `npm run host`: the hotline's functions alone, at Core Tools' routes, with local.settings.json and the environment.
import { logTelemetry, type Log } from '../../src/app/ports';
import { loadSettings, SettingsError } from '../../src/config';
import { FlowError, loadFlow } from '../../src/flow/validate-flow';
import { CliError, onInterrupt, portSetting, readEnv, runCli } from './cli-support';
import { localSettings, startFunctionsHost } from './functions-host';

let portNames: Record<number, string> = {};

/** One line per log entry, as `func start` prints them. */
const print = (text: string) => console.log(`[${new Date().toISOString()}] ${text}`);
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
  try {
    loadSettings(env);
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
  if (problems.length > 0) throw new CliError(problems.join('\n'));
  const host = await startFunctionsHost({
    port: PORT,
    env,
    telemetry: logTelemetry(consoleLog),
    log: (level, functionName, message) => print(`${functionName} ${level}: ${message}`),
  });
  console.log(`Functions host listening on ${host.url}
  callbacks      POST ${host.url}/api/callbacks
  incomingCall   POST ${host.url}/runtime/webhooks/eventgrid?functionName=incomingCall
Ctrl-C stops it.`);
  await new Promise<void>((resolve) => onInterrupt(resolve));
  await host.close();
  return 0;
}

runCli(main, () => portNames);
