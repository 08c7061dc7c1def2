// Every recognize failure end to end: its ACS result code, its own reprompt, and the operator after the third one.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CallHandle } from '../../tools/acs-emulator/index.js';
import { runCallScript } from '../../tools/local/call-runner';
import { parseScript } from '../../tools/local/call-script';
import { OPERATOR_NUMBER, startLocalStack, type LocalStack } from '../../tools/local/local-stack';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ tablesConnectionString: inject('tablesConnectionString'), timeScale: 0.05 });
});
afterAll(async () => stack?.stop());

const MAIN_MENU = { reach: [], prompt: 'Welcome to Contoso' };
const ACCOUNT_MENU = { reach: ['press 2', 'expect "Please enter your account number"'], prompt: 'Please enter your account number' };

const failures = [
  { code: 8510, what: 'no input', caller: 'silence', menu: MAIN_MENU, reprompt: "Sorry, I didn't hear anything." },
  { code: 8532, what: 'incomplete digits', caller: 'press 12', menu: ACCOUNT_MENU, reprompt: 'That number looks incomplete.' },
  { code: 8534, what: 'a wrong key', caller: 'press 9', menu: MAIN_MENU, reprompt: 'Sorry, that key is not an option.' },
  { code: 8547, what: 'no matching choice', caller: 'say banana bread', menu: MAIN_MENU, reprompt: 'Sorry, that is not one of the options.' },
  { code: 8563, what: 'speech not recognised', caller: 'mumble', menu: MAIN_MENU, reprompt: "Sorry, I couldn't understand that." },
];

/** The subCodes of the recognize results the app was sent, in order. */
const recognizeCodes = (call: CallHandle) =>
  call.timeline
    .filter((entry) => entry.kind === 'callback' && String(entry.details['type']).startsWith('Recognize'))
    .map((entry) => (entry.details['resultInformation'] as { subCode: number }).subCode);

describe('recognize failures', () => {
  it.each(failures)('$code ($what): reprompted twice, then the third goes to the operator', async ({ code, caller, menu, reprompt }) => {
    const failOnce = [caller, `expect "${reprompt}"`, `expect "${menu.prompt}"`];
    const script = parseScript(
      [
        'dial',
        'expect "Welcome to Contoso"',
        ...menu.reach,
        ...failOnce,
        ...failOnce,
        caller,
        'expect "Please hold while I connect you to an operator"',
        'expect-end transferred',
        'expect-outcome transferred',
      ].join('\n'),
      `${code}.call`,
    );
    const result = await runCallScript(stack, script);
    expect(result.ok ? 'passed' : `line ${result.line}: ${result.message}`).toBe('passed');
    expect(recognizeCodes(result.call!).filter((subCode) => subCode === code)).toHaveLength(3);
    expect(result.call!.ended).toMatchObject({ kind: 'transferred', target: OPERATOR_NUMBER });
  });
});
