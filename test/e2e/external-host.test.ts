// The emulator pointed at a host started on its own, as with `func start`: local.settings.sample.json works as it is.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadSettings } from '../../src/config';
import { freePort } from '../../tools/local/azurite';
import { startEmulatorForHost } from '../../tools/local/external-host';
import { startFunctionsHost, type FunctionsHost } from '../../tools/local/functions-host';
import { OFFICE_HOURS_AT } from '../support/stack';

const sample = (JSON.parse(readFileSync(path.resolve(__dirname, '../../local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> }).Values;
const OPTIONS = { timeScale: 0.05, settingsFile: 'local.settings.json' };

/** The sample, moved to free ports (4010 and 7071 may be taken on this machine) and the test run's Azurite. */
let settings: Record<string, string>;
let host: FunctionsHost;
beforeAll(async () => {
  const [hostPort, emulatorPort] = [await freePort(), await freePort()];
  settings = Object.fromEntries(
    Object.entries(sample).map(([name, value]) => [name, value.replace(':4010', `:${emulatorPort}`).replace(':7071', `:${hostPort}`)]),
  );
  settings['TABLES_CONNECTION_STRING'] = inject('tablesConnectionString');
  settings['QUEUES_CONNECTION_STRING'] = inject('queuesConnectionString');
  settings['OUTBOUND_QUEUE_NAME'] = `external${hostPort}`;
  settings['CALL_STATE_TABLE_NAME'] = `external${hostPort}`;
  host = await startFunctionsHost({ port: hostPort, env: settings, telemetry: { trackEvent: () => undefined } });
});
afterAll(async () => host?.close());

describe('the emulator for a host of your own', () => {
  it('the sample settings are valid app settings for the emulator on 4010 and the host on 7071', () => {
    expect(() => loadSettings(sample)).not.toThrow();
    expect(sample).toMatchObject({ CALLBACK_BASE_URL: 'http://127.0.0.1:7071', ACS_CALLBACK_ISSUER: 'http://127.0.0.1:4010' });
  });

  it('takes its port, key and audience from the settings, and the hotline answers', async () => {
    const emulator = await startEmulatorForHost(host.url, settings, OPTIONS);
    try {
      const call = await emulator.caller.dial({ from: '+14255550123', to: settings['HOTLINE_PHONE_NUMBER'] ?? '', at: OFFICE_HOURS_AT });
      expect((await call.nextPrompt()).text).toContain('Welcome to Contoso');
      call.say('operator');
      expect(await call.waitForEnd()).toMatchObject({ kind: 'transferred', target: settings['OPERATOR_PHONE_NUMBER'] });
    } finally {
      await emulator.close();
    }
  });

  it('names each setting that would make the host reject the emulator', async () => {
    const wrong = { ...settings, ACS_CALLBACK_ISSUER: 'https://acscallautomation.communication.azure.com' };
    await expect(startEmulatorForHost(host.url, wrong, OPTIONS)).rejects.toThrow(
      `For the host to trust the emulator's callbacks, in local.settings.json: ACS_CALLBACK_ISSUER must be ${settings['ACS_CALLBACK_ISSUER']}`,
    );
    const remote = { ...settings, ACS_CONNECTION_STRING: 'endpoint=https://contoso.communication.azure.com/;accesskey=abc=' };
    await expect(startEmulatorForHost(host.url, remote, OPTIONS)).rejects.toThrow('ACS_CONNECTION_STRING in local.settings.json must point at a local emulator');
  });
});
