import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { HOTLINE_NUMBER, startLocalStack, type LocalStack } from '../../tools/local/local-stack';
import { confirmAccount } from '../support/scenarios';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ tablesConnectionString: inject('tablesConnectionString'), timeScale: 0.02 });
});
afterAll(async () => stack?.stop());

const dial = () => stack.emulator.caller.dial({ from: '+14255550123', to: HOTLINE_NUMBER });

describe('the default hotline, end to end', () => {
  it('takes an account number by keypad, confirms it by voice and says goodbye', async () => {
    const call = await dial();
    await confirmAccount(call);
    expect((await call.nextPrompt()).text).toContain('Your account is verified');
    expect((await call.nextPrompt()).text).toContain('Goodbye');
    expect(await call.waitForEnd()).toMatchObject({ kind: 'hungUpByApp' });
  });
});
