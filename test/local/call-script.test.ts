// The call-script language: every step, its options, and the one-line error for each kind of mistake.
import { describe, expect, it } from 'vitest';
import { parseScript, parseStep } from '../../tools/local/call-script';

describe('parseStep', () => {
  it.each([
    ['dial', { kind: 'dial', from: undefined }],
    ['dial +14255550123', { kind: 'dial', from: '+14255550123' }],
    ['dial --at 2026-12-25T10:00+01:00', { kind: 'dial', from: undefined, at: '2026-12-25T10:00+01:00' }],
    ['dial +14255550123 --at 2026-12-21T15:00:00Z', { kind: 'dial', from: '+14255550123', at: '2026-12-21T15:00:00Z' }],
    ['press 1234#', { kind: 'press', keys: '1234#' }],
    ['press 1 2 *', { kind: 'press', keys: '12*' }],
    ['say yes', { kind: 'say', text: 'yes', options: {} }],
    ["say I can't log in", { kind: 'say', text: "I can't log in", options: {} }],
    ["say 'cuenta' --lang es-ES", { kind: 'say', text: 'cuenta', options: { language: 'es-ES' } }],
    ['say "it broke again" --sentiment negative --confidence 0.4', { kind: 'say', text: 'it broke again', options: { sentiment: 'negative', confidence: 0.4 } }],
    ['mumble', { kind: 'mumble' }],
    ['silence', { kind: 'silence' }],
    ['hangup', { kind: 'hangup' }],
    ['expect "Welcome to Contoso"', { kind: 'expect', text: 'Welcome to Contoso' }],
    ['expect Welcome to Contoso', { kind: 'expect', text: 'Welcome to Contoso' }],
    ['expect-end transferred', { kind: 'expectEnd', end: 'transferred' }],
    ['expect-outcome abandoned', { kind: 'expectOutcome', outcome: 'abandoned' }],
    ['remind +12065550100', { kind: 'remind', to: '+12065550100', time: '2 PM', language: undefined }],
    ['remind +12065550100 --time "10:30 AM" --lang es-ES', { kind: 'remind', to: '+12065550100', time: '10:30 AM', language: 'es-ES' }],
    ['answer', { kind: 'answer' }],
    ['decline', { kind: 'decline' }],
    ['no-answer', { kind: 'noAnswer' }],
    ['expect-request confirmed', { kind: 'expectRequest', outcome: 'confirmed' }],
    ['expect-end notConnected', { kind: 'expectEnd', end: 'notConnected' }],
  ])('%s', (line, step) => {
    expect(parseStep(line)).toEqual(step);
  });

  it.each([
    ['pres 2', 'unknown step "pres" (steps: dial, press, say, remind, answer, decline, no-answer, expect-request, mumble, silence, hangup, expect, expect-end, expect-outcome)'],
    ['remind 2065550100', 'remind: the number must be E.164, such as +14255550123'],
    ['remind +12065550100 --sentiment negative', 'remind: takes only --time and --lang (got --sentiment)'],
    ['expect-request maybe', 'expect-request: must be one of confirmed, cancelled, noAnswer, busy, declined, failed, hungUp, noResponse'],
    ['answer now', 'answer: takes no arguments'],
    ['press', 'press: needs keys to press, such as 2 or 1234#'],
    ['press 12x', 'press: keys are 0-9, *, # and A-D'],
    ['dial 4255550123', 'dial: the caller number must be E.164, such as +14255550123'],
    ['dial --at 2026-12-25T10:00', 'dial: --at must be a time with an offset, such as 2026-12-25T10:00+01:00'],
    ['dial --at tomorrow', 'dial: --at must be a time with an offset, such as 2026-12-25T10:00+01:00'],
    ['dial --at 2026-13-45T10:00Z', 'dial: --at must be a time with an offset, such as 2026-12-25T10:00+01:00'],
    ['dial --lang es-ES', 'dial: takes only --at (got --lang)'],
    ['press 1 --at 2026-12-25T10:00Z', 'press: takes no option (got --at)'],
    ['say', 'say: needs what the caller says'],
    ['say hola --lang spanish', 'say: --lang must be a language tag such as es-ES'],
    ['say grr --sentiment furious', 'say: --sentiment must be one of positive, negative, neutral, mixed'],
    ['say hm --confidence 2', 'say: --confidence must be a number from 0 to 1'],
    ['say hi --volume 11', "say: Unknown option '--volume'"],
    ['hangup --lang es-ES', 'hangup: takes no option (got --lang)'],
    ['mumble loudly', 'mumble: takes no arguments'],
    ['expect "Welcome', 'unterminated quote in "Welcome'],
    ['expect-end vanished', 'expect-end: must be one of hungUpByApp, transferred, callerHungUp, missed, notConnected'],
    ['expect-outcome', 'expect-outcome: needs exactly one outcome (completed, transferred, abandoned, failed)'],
  ])('rejects %s', (line, message) => {
    expect(() => parseStep(line)).toThrow(message);
  });
});

describe('parseScript', () => {
  it('skips blank lines and # comments, and keeps each step with its line', () => {
    const script = parseScript('# a comment\n\ndial\n  press #  \nexpect-end hungUpByApp\n', 'a.call');
    expect(script.steps.map(({ line, source }) => [line, source])).toEqual([
      [3, 'dial'],
      [4, 'press #'],
      [5, 'expect-end hungUpByApp'],
    ]);
  });

  it('names the script and line of a bad step', () => {
    expect(() => parseScript('dial\n\npress nine\n', 'calls/x.call')).toThrow('calls/x.call:3: press: keys are 0-9, *, # and A-D');
  });

  it('wants one dial, first', () => {
    expect(() => parseScript('# nothing\n', 'empty.call')).toThrow('empty.call:1: a call script starts with dial (or remind, for a reminder call)');
    expect(() => parseScript('expect "Welcome"\ndial\n', 'late.call')).toThrow('late.call:1: a call script starts with dial');
    expect(() => parseScript('dial\nhangup\ndial\n', 'twice.call')).toThrow('twice.call:3: one call a script: dial or remind only once, first');
    expect(() => parseScript('remind +12065550100\ndial\n', 'both.call')).toThrow('both.call:2: one call a script: dial or remind only once, first');
    expect(() => parseScript('dial\nanswer\n', 'phone.call')).toThrow('phone.call:2: answer is for a reminder call: start the script with remind');
  });

  it('names every mistake of a script at once, in line order', () => {
    expect(() => parseScript('say hello\npress nine\n\ndial\nsay hola --lang spanish\nexpect-end vanished\n', 'calls/many.call')).toThrow(
      [
        'calls/many.call:1: a call script starts with dial (or remind, for a reminder call)',
        'calls/many.call:2: press: keys are 0-9, *, # and A-D',
        'calls/many.call:4: one call a script: dial or remind only once, first',
        'calls/many.call:5: say: --lang must be a language tag such as es-ES',
        'calls/many.call:6: expect-end: must be one of hungUpByApp, transferred, callerHungUp, missed, notConnected',
      ].join('\n'),
    );
  });
});
