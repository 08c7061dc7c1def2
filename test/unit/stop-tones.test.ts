import { describe, expect, it } from 'vitest';
import type { CallState } from '../../src/domain/call-state';
import { decide } from '../../src/domain/decide';
import { parseFlow } from '../../src/flow/validate-flow';
import type { Flow } from '../../src/flow/flow-schema';
import { connected, freshCall, heard, keys, recognized, transitionOf, walk } from '../support/calls';

/** A PIN menu ending with # or *, a route on exact digits, and a read-back of what was entered. */
function pinFlow(inputType: 'dtmf' | 'speechOrDtmf'): Flow {
  const parsed = parseFlow({
    voices: { 'en-US': 'en-US-NancyNeural' },
    start: 'pin',
    goodbye: { text: 'Goodbye.' },
    apology: { text: 'Sorry.' },
    reprompts: { incompleteDigits: { text: 'Please enter the digits first.' } },
    menus: {
      pin: {
        prompt: { text: 'Enter your PIN, then press pound.' },
        input: { type: inputType, maxTonesToCollect: 6, stopTones: ['#', '*'] },
        routes: [
          { when: { tones: '12' }, then: { say: { text: 'Special PIN {{pin}}.' }, next: { goodbye: true } } },
          { when: { any: true }, then: { say: { text: 'You entered {{pin}}.' }, next: { goodbye: true } } },
        ],
      },
    },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.flow;
}

const atPin = (flow: Flow): CallState => walk(flow, [() => connected]).state;

describe.each(['dtmf', 'speechOrDtmf'] as const)('decide, %s with stop tones: ACS may or may not report the stop tone', (inputType) => {
  const flow = pinFlow(inputType);

  it.each([
    ['with the stop tone, as ACS reports it', '12#'],
    ['with the other stop tone', '12*'],
    ['without it, as some deliveries have it', '12'],
  ])('given the PIN menu, when the caller enters 12 %s, then the exact-digits route matches', (_, tones) => {
    const given = atPin(flow);
    const then = transitionOf(decide(flow, given, recognized(given, keys(tones))));
    expect(heard(then.actions[0])).toBe('Special PIN 1 2.');
    expect(then.state.collected['pin']).toEqual(keys('12'));
  });

  it.each([
    ['with the stop tone', '4270#'],
    ['without it', '4270'],
  ])('given the PIN menu, when the caller enters 4270 %s, then the read-back has the digits only', (_, tones) => {
    const given = atPin(flow);
    const then = transitionOf(decide(flow, given, recognized(given, keys(tones))));
    expect(heard(then.actions[0])).toBe('You entered 4 2 7 0.');
  });

  it('given the PIN menu, when the caller presses only the stop tone, then the digits are asked for again', () => {
    const given = atPin(flow);
    const then = transitionOf(decide(flow, given, recognized(given, keys('#'))));
    expect(then.state.phase).toMatchObject({ name: 'awaitingInput', menuId: 'pin', attempt: 2 });
    expect(heard(then.actions[0])).toBe('Please enter the digits first. | Enter your PIN, then press pound.');
    expect(then.state.collected).toEqual({});
    expect(then.milestones).toContainEqual(expect.objectContaining({ name: 'RecognizeCompleted', menuId: 'pin' }));
  });

  it('given the PIN menu, when a stop tone is pressed inside the digits, then only trailing ones are dropped', () => {
    const given = atPin(flow);
    const then = transitionOf(decide(flow, given, recognized(given, keys('1#2#'))));
    expect(then.state.collected['pin']).toEqual(keys('1#2'));
  });
});

describe('decide, a DTMF menu without stop tones', () => {
  it('given no stop tones, when the caller presses #, then # is a digit like any other', () => {
    const parsed = parseFlow({
      voices: { 'en-US': 'en-US-NancyNeural' },
      start: 'star',
      goodbye: { text: 'Goodbye.' },
      apology: { text: 'Sorry.' },
      menus: {
        star: {
          prompt: { text: 'Press pound.' },
          input: { type: 'dtmf', maxTonesToCollect: 1 },
          routes: [{ when: { tones: '#' }, then: { goodbye: true } }],
        },
      },
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const given = walk(parsed.flow, [() => connected], freshCall(parsed.flow)).state;
    const then = transitionOf(decide(parsed.flow, given, recognized(given, keys('#'))));
    expect(heard(then.actions[0])).toBe('Goodbye.');
  });
});
