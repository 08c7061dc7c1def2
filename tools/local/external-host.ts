// Owns pointing the ACS emulator at a Functions host started on its own (`func start`, `npm run host`), as that host's settings say.
import { startAcsEmulator, type AcsEmulator } from '../acs-emulator/index.js';
import { CliError } from './cli-support';
import { acsSettingsFor } from './local-stack';

/**
 * Starts the emulator where the host's ACS_CONNECTION_STRING points, with its access key and callback audience,
 * and checks the host trusts the emulator's callbacks; every mismatch is named.
 */
export async function startEmulatorForHost(
  hostUrl: string,
  settings: Readonly<Record<string, string | undefined>>,
  options: { timeScale: number; settingsFile: string },
): Promise<AcsEmulator> {
  const connection = /^endpoint=(http:\/\/(?:127\.0\.0\.1|localhost):\d+)\/?;accesskey=([^;]+)$/i.exec(settings['ACS_CONNECTION_STRING'] ?? '');
  if (!connection?.[1] || !connection[2]) {
    throw new CliError(
      `ACS_CONNECTION_STRING in ${options.settingsFile} must point at a local emulator, such as endpoint=http://127.0.0.1:4010/;accesskey=<base64 key>`,
    );
  }
  const endpoint = new URL(connection[1]);
  const emulator = await startAcsEmulator({
    host: endpoint.hostname,
    port: Number(endpoint.port),
    accessKey: connection[2],
    timeScale: options.timeScale,
    eventGridUrl: `${hostUrl.replace(/\/+$/, '')}/runtime/webhooks/eventgrid?functionName=incomingCall`,
    ...(settings['ACS_CALLBACK_AUDIENCE'] ? { jwtAudience: settings['ACS_CALLBACK_AUDIENCE'] } : {}),
  });
  if (settings['CALLBACK_AUTH'] === 'disabled') return emulator;
  const wrong = Object.entries(acsSettingsFor(emulator))
    .filter(([name, value]) => name !== 'ACS_CONNECTION_STRING' && settings[name] !== value)
    .map(([name, value]) => `${name} must be ${value}`);
  if (wrong.length > 0) {
    await emulator.close();
    throw new CliError(`For the host to trust the emulator's callbacks, in ${options.settingsFile}: ${wrong.join('; ')}`);
  }
  return emulator;
}
