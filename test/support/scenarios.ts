// Owns caller scenarios that several end-to-end tests walk through the default hotline.
import { expect } from 'vitest';
import type { CallHandle } from '../../tools/acs-emulator/index.js';

/** From the welcome to the confirmation: keys 2, enters account 1234 and says "yes"; the goodbye is left to the test. */
export async function confirmAccount(call: CallHandle): Promise<void> {
  expect((await call.nextPrompt()).text).toContain('Welcome to Contoso');
  await call.press('2');
  expect((await call.nextPrompt()).text).toContain('enter your account number');
  await call.press('1234#');
  expect((await call.nextPrompt()).text).toContain('You entered 1 2 3 4.');
  call.say('yes');
}
