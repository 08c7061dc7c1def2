// The decision core routing by the clock: schedule steps, open/closed route conditions and schedule prompts, at the event's time.
import { describe, expect, it } from 'vitest';
import type { CallEvent } from '../../src/domain/call-event';
import type { CallState } from '../../src/domain/call-state';
import type { Flow } from '../../src/flow/flow-schema';
import { parseFlow } from '../../src/flow/validate-flow';
import { choice, defaultFlow, freshCall, heard, played, recognized, walk } from '../support/calls';

const json = {
  voices: { 'en-US': 'en-US-NancyNeural', 'es-ES': 'es-ES-ElviraNeural' },
  start: 'main',
  goodbye: { text: 'Bye.' },
  apology: { text: 'Sorry.' },
  messages: {
    hours: { text: { 'en-US': 'We are open {{office.hours}}.', 'es-ES': 'Abrimos {{office.hours}}.' } },
    closedNow: { text: { 'en-US': 'We are closed. We open again {{office.reopens}}.', 'es-ES': 'Estamos cerrados. Volvemos a abrir el {{office.reopens}}.' } },
  },
  schedules: { office: { timeZone: 'Europe/Madrid', weekly: { 'mon-fri': ['09:00-18:00'] }, closed: ['2026-12-25'] } },
  menus: {
    main: {
      prompt: { text: 'Say hours or operator.' },
      input: { type: 'choices', choices: [{ label: 'hours', phrases: ['hours'] }, { label: 'operator', phrases: ['operator'] }, { label: 'night', phrases: ['night'] }] },
      routes: [
        { when: { choice: 'hours' }, then: { say: 'hours', next: { goodbye: true } } },
        { when: { choice: 'operator' }, then: { schedule: 'office', open: { transfer: 'operator' }, closed: { say: 'closedNow', next: { goodbye: true } } } },
        { when: { open: 'office' }, then: { menu: 'day' } },
        { when: { closed: 'office' }, then: { menu: 'night' } },
      ],
    },
    day: { prompt: { text: 'Day menu.' }, input: { type: 'dtmf', maxTonesToCollect: 1 }, routes: [{ when: { any: true }, then: { goodbye: true } }] },
    night: { prompt: { text: 'Night menu.' }, input: { type: 'dtmf', maxTonesToCollect: 1 }, routes: [{ when: { any: true }, then: { goodbye: true } }] },
  },
};
const parsed = parseFlow(json);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const flow: Flow = parsed.flow;

/** The caller picks `label` at `at`: every event carries that time, as ACS stamps its callbacks. */
const pick = (label: string, at: string, language?: string) => [
  (): CallEvent => ({ type: 'callConnected', at }),
  (s: CallState): CallEvent => ({ ...recognized(s, choice(label), language ? { language } : {}), at }),
];

describe('decide with schedules', () => {
  it('a schedule step transfers while the office is open (Monday 17:59 in Madrid)', () => {
    const { state, last } = walk(flow, pick('operator', '2026-12-21T16:59:00Z'));
    expect(last).toEqual({ type: 'transferToOperator', operationContext: expect.any(String) as string });
    expect(state.phase.name).toBe('transferring');
  });

  it('the same step, at closing time, says when the line reopens instead of transferring', () => {
    const { state, last } = walk(flow, pick('operator', '2026-12-21T17:00:00Z'));
    expect(last?.type).toBe('play');
    expect(heard(last).replace(/\s/g, ' ')).toBe('We are closed. We open again Tuesday, December 22 at 9:00 AM.');
    expect(state.phase).toMatchObject({ name: 'playing', then: { goodbye: true } });
  });

  it('on a closed date inside the weekly hours (Friday 25 December, 10:00) the next opening is after it, in Spanish for a Spanish caller', () => {
    // A Spanish caller (identified earlier: this menu offers ACS no candidate languages, so one reported here is ignored).
    const { last } = walk(flow, pick('operator', '2026-12-25T09:00:00Z'), { ...freshCall(flow), language: 'es-ES' });
    expect(heard(last).replace(/\s/g, ' ')).toMatch(/^Estamos cerrados\. Volvemos a abrir el lunes, 28 de diciembre,? 9:00\.$/);
  });

  it('the time is the event\'s own: the same state decided at two times takes two ways', () => {
    const { state } = walk(flow, [() => ({ type: 'callConnected', at: '2026-12-21T10:00:00Z' })]);
    const answer = (at: string) => walk(flow, [(s) => ({ ...recognized(s, choice('night')), at })], state).state.phase;
    expect(answer('2026-12-21T10:00:00Z')).toMatchObject({ name: 'awaitingInput', menuId: 'day' });
    expect(answer('2026-12-21T20:00:00Z')).toMatchObject({ name: 'awaitingInput', menuId: 'night' });
  });

  it('routes on { open } and { closed } at the edges of the range', () => {
    const menuAt = (at: string) => walk(flow, pick('night', at)).state.phase;
    expect(menuAt('2026-12-21T07:59:59Z')).toMatchObject({ menuId: 'night' });
    expect(menuAt('2026-12-21T08:00:00Z')).toMatchObject({ menuId: 'day' });
    expect(menuAt('2026-12-25T10:00:00Z')).toMatchObject({ menuId: 'night' });
  });

  it('the hours message reads the schedule', () => {
    const { last } = walk(flow, pick('hours', '2026-12-21T10:00:00Z'));
    expect(heard(last).replace(/\s/g, ' ')).toBe('We are open Monday – Friday, 9:00 AM – 6:00 PM.');
  });
});

describe('the default hotline\'s office schedule (New York)', () => {
  const operatorAt = (at: string, language?: string) => walk(defaultFlow, pick('operator', at, language));

  it('puts the caller through in office hours (Monday 17:59)', () => {
    const { state } = operatorAt('2026-12-21T22:59:00Z');
    expect(state.phase).toMatchObject({ name: 'playing', then: { transfer: 'operator' } });
  });

  it('after hours says when the line reopens instead of transferring, then offers the main menu again', () => {
    const { state, last } = operatorAt('2026-12-21T23:00:00Z');
    expect(heard(last).replace(/\s/g, ' ')).toBe('Our operators are away right now. We open again Tuesday, December 22 at 8:00 AM, New York time.');
    expect(state.phase).toMatchObject({ name: 'playing', then: { menu: 'main' } });
    const next = walk(defaultFlow, [(s) => ({ ...played(s), at: '2026-12-21T23:00:10Z' })], state);
    expect(next.state.phase).toMatchObject({ name: 'awaitingInput', menuId: 'main' });
  });

  it('on Christmas Day, in Spanish for a caller who spoke Spanish, the next opening is Saturday', () => {
    const { last } = operatorAt('2026-12-25T15:00:00Z', 'es-ES');
    expect(heard(last).replace(/\s/g, ' ')).toMatch(/^Nuestros operadores no están disponibles ahora\. Volvemos a abrir el sábado, 26 de diciembre,? 9:00, hora de Nueva York\.$/);
  });

  it('reads the hours from the schedule in the caller\'s language', () => {
    const { last } = walk(defaultFlow, pick('hours', '2026-12-21T15:00:00Z', 'es-ES'));
    expect(heard(last).replace(/\s/g, ' ')).toMatch(/^Abrimos lunes – viernes, 8:00 ?– ?18:00; sábado, 9:00 ?– ?13:00, hora de Nueva York\.$/);
  });
});
