// Schedules in detail: every place a flow can name one, and the special dates and ranges the validator checks.
import { describe, expect, it } from 'vitest';
import { problemsIn } from '../support/flow-problems';
import { scheduleReferences, type ScheduleUsers } from '../../src/flow/validate-schedules';

const say = (text: string) => ({ kind: 'text', text });

describe('scheduleReferences', () => {
  it('given a schedule named in every place a flow can name one, then each is found where it is, in order', () => {
    const flow = {
      messages: {
        hours: say('Open {{office.hours}}.'),
        perLanguage: { kind: 'text', text: { 'en-US': 'Open {{office.hours}}.', 'es-ES': 'Abrimos {{shop.reopens}}.' } },
        styled: { kind: 'ssml', ssml: '<speak>{{lab.hours}}</speak>' },
        recorded: { kind: 'file', audioUrl: 'https://example.test/{{office.hours}}.wav' },
        plain: say('No schedule here {{menu}}.'),
      },
      reprompts: { noInput: say('Still {{office.reopens}}.'), wrongKey: 'hours' },
      goodbye: say('Bye {{g.hours}}.'),
      apology: say('Sorry {{a.hours}}.'),
      onMaxAttempts: { kind: 'say', say: say('{{m.hours}}'), next: { kind: 'schedule', schedule: 'office', open: { kind: 'goodbye', goodbye: true }, closed: { kind: 'say', say: say('{{c.hours}}'), next: { kind: 'goodbye', goodbye: true } } } },
      menus: {
        main: {
          prompt: say('Hello {{p.hours}}.'),
          reprompts: { noMatch: say('Again {{r.hours}}.') },
          onMaxAttempts: { kind: 'schedule', schedule: 'late', open: { kind: 'menu', menu: 'main' }, closed: { kind: 'goodbye', goodbye: true } },
          routes: [
            { when: { kind: 'open', open: 'office' }, then: { kind: 'transfer', transfer: 'operator' } },
            { when: { kind: 'closed', closed: 'shop' }, then: { kind: 'say', say: say('{{t.reopens}}'), next: { kind: 'goodbye', goodbye: true } } },
            { when: { kind: 'tones', tones: '1' }, then: { kind: 'menu', menu: 'main' } },
          ],
        },
      },
    } as unknown as ScheduleUsers;
    expect(scheduleReferences(flow)).toEqual([
      { where: 'messages.hours', id: 'office' },
      { where: 'messages.perLanguage', id: 'office' },
      { where: 'messages.perLanguage', id: 'shop' },
      { where: 'messages.styled', id: 'lab' },
      { where: 'reprompts.noInput', id: 'office' },
      { where: 'goodbye', id: 'g' },
      { where: 'apology', id: 'a' },
      { where: 'onMaxAttempts.say', id: 'm' },
      { where: 'onMaxAttempts.next.schedule', id: 'office' },
      { where: 'onMaxAttempts.next.closed.say', id: 'c' },
      { where: 'menus.main.prompt', id: 'p' },
      { where: 'menus.main.reprompts.noMatch', id: 'r' },
      { where: 'menus.main.onMaxAttempts.schedule', id: 'late' },
      { where: 'menus.main.routes.0.when.open', id: 'office' },
      { where: 'menus.main.routes.1.when.closed', id: 'shop' },
      { where: 'menus.main.routes.1.then.say', id: 't' },
    ]);
  });

  it('given a menu left out of the outline, then it is skipped, not a crash', () => {
    const flow = { messages: {}, reprompts: {}, menus: { gone: undefined } } as unknown as ScheduleUsers;
    expect(scheduleReferences(flow)).toEqual([]);
  });
});

/** A flow whose one schedule is used by a route; each case changes its hours. */
const withHours = (weekly: Record<string, string[]>, special: Record<string, string[]> = {}, closed: string[] = []) => ({
  voices: { 'en-US': 'en-US-NancyNeural' },
  start: 'main',
  goodbye: { text: 'Bye.' },
  apology: { text: 'Sorry.' },
  schedules: { office: { timeZone: 'Europe/Madrid', weekly, closed, special } },
  menus: {
    main: {
      prompt: { text: 'Press 1.' },
      input: { type: 'dtmf', maxTonesToCollect: 1 },
      routes: [
        { when: { open: 'office' }, then: { transfer: 'operator' } },
        { when: { tones: '1' }, then: { goodbye: true } },
      ],
    },
  },
});
const problemsOf = problemsIn;

describe('parseFlow: hours in detail', () => {
  it('given special hours on a real date, not closed, then nothing is wrong with them', () => {
    expect(problemsOf(withHours({ 'mon-fri': ['09:00-17:00'] }, { '2026-12-24': ['09:00-12:00', '13:00-14:00'] }, ['2026-12-25']))).toEqual([]);
  });

  it('given special hours on a date the calendar lacks, then that is the one problem', () => {
    expect(problemsOf(withHours({ 'mon-fri': ['09:00-17:00'] }, { '2026-02-30': ['09:00-12:00'] }))).toEqual([
      { path: 'schedules.office.special.2026-02-30', message: '2026-02-30 is not a date in the calendar' },
    ]);
  });

  it('given special hours that end before they start, then the range is named by its date and index', () => {
    expect(problemsOf(withHours({ 'mon-fri': ['09:00-17:00'] }, { '2026-12-24': ['10:00-11:00', '12:00-09:00'] }))).toEqual([
      { path: 'schedules.office.special.2026-12-24.1', message: '"12:00-09:00" ends before it starts; split a range past midnight into two days' },
    ]);
  });

  it('given ranges out of order, then only the two that overlap are named, earliest first', () => {
    expect(problemsOf(withHours({ sat: ['15:00-18:00', '09:00-13:00', '12:00-14:00'] }))).toEqual([
      { path: 'schedules.office.weekly', message: 'sat: 09:00-13:00 overlaps 12:00-14:00' },
    ]);
  });

  it('given a broken range beside a good one on the same day, then the broken one is named and the good one kept', () => {
    expect(problemsOf(withHours({ sat: ['22:00-02:00', '10:00-11:00'], sun: ['10:00-11:00'] }))).toEqual([
      { path: 'schedules.office.weekly.sat.0', message: '"22:00-02:00" ends before it starts; split a range past midnight into two days' },
    ]);
  });
});
