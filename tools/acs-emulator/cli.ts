// Runs the emulator as a standalone process for manual use: `npx tsx tools/acs-emulator/cli.ts`.
import { startAcsEmulator } from './index.js';

const numberFrom = (value: string | undefined): number | undefined => (value === undefined ? undefined : Number(value));
const port = numberFrom(process.env['ACS_EMULATOR_PORT']);
const timeScale = numberFrom(process.env['ACS_EMULATOR_TIME_SCALE']);
const eventGridUrl = process.env['ACS_EMULATOR_EVENT_GRID_URL'];
const accessKey = process.env['ACS_EMULATOR_ACCESS_KEY'];

const emulator = await startAcsEmulator({
  ...(port === undefined ? {} : { port }),
  ...(timeScale === undefined ? {} : { timeScale }),
  ...(eventGridUrl === undefined ? {} : { eventGridUrl }),
  ...(accessKey === undefined ? {} : { accessKey }),
});
console.log(`ACS emulator listening on ${emulator.url}`);
console.log(`ACS_CONNECTION_STRING=${emulator.connectionString}`);
console.log(`ACS_OPENID_CONFIGURATION_URL=${emulator.openIdConfigurationUrl}`);
console.log(`ACS_CALLBACK_ISSUER=${emulator.issuer}`);
console.log(`ACS_CALLBACK_AUDIENCE=${emulator.audience}`);
const stop = (): void => {
  void emulator.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
