// `npm start`: the whole hotline on this machine (Azurite, the Functions host, the ACS emulator) and a phone in the terminal.
import { loadFlow } from '../../src/app/flow-file';
import { flowVersion } from '../../src/flow/flow-version';
import type { AcsEmulator } from '../acs-emulator/index.js';
import { startDevPhone } from '../dev-phone/index';
import { checkPortsFree, flowFileSetting, onInterrupt, portSetting, readEnv, runCli, timeScaleSetting, urlSetting } from './cli-support';
import { startEmulatorForHost } from './external-host';
import { localSettings } from './functions-host';
import { CALLBACK_ROUTE, HOTLINE_NUMBER, OUTBOUND_ROUTE } from './constants';
import { startLocalStack } from './local-stack';
import { TerminalPhone } from './terminal-phone';

const SETTINGS_FILE = 'local.settings.json';
let portNames: Record<number, string> = {};

interface Running {
  readonly emulator: AcsEmulator;
  readonly hotlineNumber: string;
  readonly hostUrl: string;
  readonly lines: readonly string[];
  stop(): Promise<void>;
}

type StartEnv = ReturnType<typeof readStartEnv>;
const readStartEnv = () =>
  readEnv({
    PORT: portSetting(7071),
    ACS_EMULATOR_PORT: portSetting(4010),
    HOTLINE_TIME_SCALE: timeScaleSetting(1),
    HOTLINE_FLOW_FILE: flowFileSetting,
    HOTLINE_HOST_URL: urlSetting,
    DEV_PHONE_PORT: portSetting(7080),
  });

/** The whole stack, or only the emulator when the host is someone else's (HOTLINE_HOST_URL). */
async function startHotline(env: StartEnv, report: (text: string) => void): Promise<Running> {
  if (env.HOTLINE_HOST_URL !== undefined) {
    const settings = localSettings();
    const emulator = await startEmulatorForHost(env.HOTLINE_HOST_URL, settings, { timeScale: env.HOTLINE_TIME_SCALE, settingsFile: SETTINGS_FILE });
    return {
      emulator,
      hotlineNumber: settings['HOTLINE_PHONE_NUMBER'] ?? HOTLINE_NUMBER,
      hostUrl: env.HOTLINE_HOST_URL,
      lines: [`  Functions host  ${env.HOTLINE_HOST_URL} (yours, with ${SETTINGS_FILE})`, `  ACS emulator    ${emulator.url}`],
      stop: () => emulator.close(),
    };
  }
  const stack = await startLocalStack({
    // PORT=0 means any free port: the stack picks one before telling the emulator where Event Grid delivers.
    ...(env.PORT === 0 ? {} : { hostPort: env.PORT }),
    emulatorPort: env.ACS_EMULATOR_PORT,
    timeScale: env.HOTLINE_TIME_SCALE,
    // As Azure does: the watchdog and retention run on their schedule.
    runTimers: true,
    ...(env.HOTLINE_FLOW_FILE === undefined ? {} : { settings: { HOTLINE_FLOW_FILE: env.HOTLINE_FLOW_FILE } }),
    log: (level, functionName, message) => {
      if (level === 'error' || level === 'warning') report(`  host ${level} in ${functionName}: ${message}`);
    },
  });
  return {
    emulator: stack.emulator,
    hotlineNumber: HOTLINE_NUMBER,
    hostUrl: stack.host.url,
    lines: [
      `  Functions host  ${stack.host.url} (callbacks at /api/${CALLBACK_ROUTE})`,
      `  ACS emulator    ${stack.emulator.url}`,
      `  Azurite tables  in memory, table ${stack.settings['CALL_STATE_TABLE_NAME'] ?? ''}`,
      `  Azurite queues  in memory, outbound calls on ${stack.settings['OUTBOUND_QUEUE_NAME'] ?? ''} (POST ${stack.host.url}/api/${OUTBOUND_ROUTE})`,
      `  flow            ${env.HOTLINE_FLOW_FILE ?? 'the default hotline (src/flow/default-flow.json)'}, version ${flowVersion(loadFlow(env.HOTLINE_FLOW_FILE))}`,
    ],
    stop: () => stack.stop(),
  };
}

async function main(): Promise<number> {
  const env = readStartEnv();
  portNames = { [env.PORT]: 'PORT', [env.ACS_EMULATOR_PORT]: 'ACS_EMULATOR_PORT', [env.DEV_PHONE_PORT]: 'DEV_PHONE_PORT' };
  // A broken flow file is reported now, not at the first call; the terminal phone reads confidences against it.
  const external = env.HOTLINE_HOST_URL !== undefined;
  // Someone else's host runs the flow its settings name (local.settings.json, the environment winning, as it reads them).
  const flowFile = external ? localSettings()['HOTLINE_FLOW_FILE'] || undefined : env.HOTLINE_FLOW_FILE;
  const flow = loadFlow(flowFile);
  await checkPortsFree(external ? { DEV_PHONE_PORT: env.DEV_PHONE_PORT } : { PORT: env.PORT, ACS_EMULATOR_PORT: env.ACS_EMULATOR_PORT, DEV_PHONE_PORT: env.DEV_PHONE_PORT });

  let phone: TerminalPhone | undefined;
  let interrupted = false;
  // Registered before anything starts, so even a kill during start-up stops what did start.
  const stopOnInterrupt = onInterrupt(() => {
    interrupted = true;
    phone?.close();
  });
  try {
    const running = await startHotline(env, (text) => (phone ? phone.print(text) : process.stderr.write(`${text}\n`)));
    let devPhone: Awaited<ReturnType<typeof startDevPhone>> | undefined;
    try {
      if (interrupted) return 130;
      // The same hotline, callable from a browser too: keypad, speech, the flow diagram and the timeline.
      devPhone = await startDevPhone({ emulatorUrl: running.emulator.url, flowFile, hotlineNumber: running.hotlineNumber, hostUrl: running.hostUrl, port: env.DEV_PHONE_PORT });
      const timeScale = env.HOTLINE_TIME_SCALE === 1 ? '1 (real time)' : String(env.HOTLINE_TIME_SCALE);
      process.stdout.write(
        [
          'The Contoso hotline is running locally:',
          ...running.lines,
          `  time scale      ${timeScale}`,
          `  Dev phone       ${devPhone.url} (open it in a browser to call from a page)`,
          `Type dial to call ${running.hotlineNumber}, then press keys or say things; help lists every step.`,
          'Type remind +12065550100 --time "2 PM" and the hotline calls you with the appointment reminder.',
          '',
        ].join('\n'),
      );
      phone = new TerminalPhone({ caller: running.emulator.caller, hotlineNumber: running.hotlineNumber, hostUrl: running.hostUrl, input: process.stdin, output: process.stdout, flow });
      await phone.run();
    } finally {
      // Only once the hotline ran: a start-up failure is told by its own message, not preceded by this.
      if (phone) process.stdout.write('Stopping...\n');
      await devPhone?.close();
      await running.stop();
    }
  } finally {
    stopOnInterrupt();
  }
  return 0;
}

runCli(main, () => portNames);
