// The terminal phone of `npm start`, typed at through streams: a whole call, the help, and the answers to mistakes.
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { HOTLINE_NUMBER, startLocalStack, type LocalStack } from '../../tools/local/local-stack';
import { loadFlow } from '../../src/app/flow-file';
import { TerminalPhone } from '../../tools/local/terminal-phone';

let stack: LocalStack;
beforeAll(async () => {
  // Slow enough that a person typing (this test) is never outrun by a silence timeout on a busy machine.
  stack = await startLocalStack({
    tablesConnectionString: inject('tablesConnectionString'),
    queuesConnectionString: inject('queuesConnectionString'),
    timeScale: 0.2,
  });
});
afterAll(async () => stack?.stop());

/** `typing`: the input is a person at a terminal while the output is piped (`npm start | tee call.log`). */
function phone(options: { typing?: boolean } = {}) {
  const input = Object.assign(new PassThrough(), options.typing ? { isTTY: true } : {});
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  const running = new TerminalPhone({ caller: stack.emulator.caller, hotlineNumber: HOTLINE_NUMBER, input, output, terminal: false, flow: loadFlow(), hostUrl: stack.host.url }).run();
  return {
    type: (line: string) => input.write(`${line}\n`),
    /** Waits until the output has `text` after everything printed before the call. */
    seen: (text: string) => vi.waitFor(() => expect(printed).toContain(text), { timeout: 30_000, interval: 20 }),
    get printed() {
      return printed;
    },
    running,
  };
}

describe('the terminal phone', () => {
  it('takes a reminder call: remind, the phone rings, answer, confirm by key', async () => {
    const p = phone();
    p.type('answer');
    await p.seen('Nothing is ringing');
    p.type('remind +12065550142 --time "3 PM"');
    await p.seen('Reminder requested');
    await p.seen(`The phone rings: ${HOTLINE_NUMBER} is calling +12065550142. Type answer or decline.`);
    p.type('answer');
    await p.seen('"Hello, This is a reminder for your appointment at 3 PM');
    p.type('1');
    await p.seen('"Thank you. Your appointment at 3 PM is confirmed.');
    await p.seen('The call is over (the hotline hung up).');
    p.type('remind +12065550143');
    await p.seen('is calling +12065550143');
    p.type('decline');
    await p.seen('The phone stopped ringing (the callee declined).');
    p.type('quit');
    await p.running;
  });

  it('calls the hotline: keys, speech, the timeline, quit', async () => {
    const p = phone();
    p.type('dial');
    await p.seen('hotline (en-US): "Welcome to Contoso.');
    p.type('2');
    await p.seen('caller presses 2');
    await p.seen('"Please enter your account number, then press the pound key."');
    p.type('press 1234#');
    await p.seen('caller presses 1234#');
    await p.seen('"You entered 1 2 3 4.');
    p.type('say yes');
    await p.seen('caller says "yes"');
    await p.seen('call ended: the hotline hung up');
    await p.seen('The call is over (the hotline hung up). Type dial to call again, or quit.');
    expect(p.printed).not.toContain('app -> ACS');

    p.type('timeline');
    await p.seen('app -> ACS: POST :answer -> 200');
    p.type('quit');
    await p.running;
  });

  it('dials at a time: on Christmas Day the operator option says when the line reopens', async () => {
    const p = phone();
    p.type('dial --at 2026-12-25T10:00-05:00');
    await p.seen('hotline (en-US): "Welcome to Contoso.');
    p.type('0');
    await vi.waitFor(() => expect(p.printed.replace(/\s/g, ' ')).toContain('"Our operators are away right now. We open again Saturday, December 26 at 9:00 AM, New York time."'), {
      timeout: 10_000,
      interval: 20,
    });
    p.type('quit');
    await p.running;
  });

  it('answers mistakes with a hint, and hangs up a live call on quit', async () => {
    const p = phone();
    p.type('press 1');
    await p.seen('No call in progress: type dial.');
    p.type('pres 1');
    await p.seen('unknown step "pres"');
    p.type('help');
    await p.seen('say <words> [--lang es-ES]');
    p.type('details');
    p.type('dial +14255550199');
    await p.seen('caller +14255550199 dials');
    await p.seen('app -> ACS: POST :recognize -> 202');
    p.type('dial');
    await p.seen('A call is in progress: hangup first.');
    p.type('expect "Welcome"');
    await p.seen('expect is for call scripts (npm run call)');
    p.type('say hola --lang spanish');
    await p.seen('say: --lang must be a language tag such as es-ES; type help for the steps');
    p.type('quit');
    await p.running;
    await p.seen('call ended: the caller hung up');
  });

  it('shows the caller> prompt to a person typing while the output is piped, and nothing of it to a script', async () => {
    const typed = phone({ typing: true });
    await typed.seen('caller> ');
    typed.type('quit');
    await typed.running;
    const scripted = phone();
    scripted.type('quit');
    await scripted.running;
    expect(scripted.printed).not.toContain('caller>');
  });

  it('says what a low confidence did: below the menu minimum the hotline reprompts as no match', async () => {
    const p = phone();
    p.type('dial');
    await p.seen('"Welcome to Contoso.');
    p.type('say account --confidence 0.2');
    await p.seen(`caller says "account" (confidence 0.2): below menu main's minimum 0.5: the hotline treats it as no match`);
    await p.seen('"Sorry, that is not one of the options."');
    p.type('say account --confidence 0.7');
    await p.seen(`caller says "account" (confidence 0.7): at least menu main's minimum 0.5: taken as heard`);
    await p.seen('"Please enter your account number, then press the pound key."');
    p.type('quit');
    await p.running;
  });
});
