// The validator on schedules: zones, ranges, dates, and schedules named but missing or defined but unused.
import { describe, expect, it } from 'vitest';
import type { FlowProblem } from '../../src/flow/validate-flow';
import { problemsAfter } from '../support/flow-problems';

/** A valid flow with one schedule, used by a route, a step and a prompt; each case breaks it in one place. */
const base = () => ({
  voices: { 'en-US': 'en-US-NancyNeural' },
  start: 'main',
  goodbye: { text: 'Bye.' },
  apology: { text: 'Sorry.' },
  messages: { hours: { text: 'We are open {{office.hours}}.' }, closedNow: { text: 'We open again {{office.reopens}}.' } },
  schedules: {
    office: {
      timeZone: 'Europe/Madrid',
      weekly: { 'mon-fri': ['09:00-13:00', '15:00-18:00'] } as Record<string, string[]>,
      closed: ['2026-12-25'],
      special: {} as Record<string, string[]>,
    },
  } as Record<string, unknown>,
  menus: {
    main: {
      prompt: { text: 'Press 1 for hours or 0 for a person.' },
      input: { type: 'dtmf', maxTonesToCollect: 1 },
      routes: [
        { when: { tones: '1' }, then: { say: 'hours', next: { goodbye: true } } },
        { when: { tones: '0' }, then: { schedule: 'office', open: { transfer: 'operator' }, closed: { say: 'closedNow', next: { goodbye: true } } } },
        { when: { closed: 'office' }, then: { goodbye: true } },
      ] as unknown[],
    },
  },
});
type Draft = ReturnType<typeof base>;
const office = (flow: Draft) => flow.schedules['office'] as { weekly: Record<string, string[]>; special: Record<string, string[]>; closed: string[]; timeZone: string };

const problemsOf = (change: (flow: Draft) => void): FlowProblem[] => problemsAfter(base, change);

describe('parseFlow: schedules', () => {
  it('accepts a flow whose schedule is used by a route, a step and prompts', () => {
    expect(problemsOf(() => undefined)).toEqual([]);
  });

  it.each<[string, (flow: Draft) => void, string, RegExp]>([
    ['an unknown time zone', (f) => (office(f).timeZone = 'Europe/Atlantis'), 'schedules.office.timeZone', /not an IANA time zone/],
    ['a fixed offset instead of a zone', (f) => (office(f).timeZone = '+01:00'), 'schedules.office.timeZone', /not an IANA time zone/],
    ['overlapping ranges in one day', (f) => (office(f).weekly['mon-fri'] = ['09:00-13:00', '12:00-18:00']), 'schedules.office.weekly', /mon: 09:00-13:00 overlaps 12:00-18:00/],
    ['overlap across two day sets', (f) => (office(f).weekly['fri'] = ['17:00-20:00']), 'schedules.office.weekly', /fri: 15:00-18:00 overlaps 17:00-20:00/],
    ['overlapping special hours', (f) => (office(f).special['2026-12-24'] = ['09:00-12:00', '11:00-13:00']), 'schedules.office.special', /2026-12-24: 09:00-12:00 overlaps 11:00-13:00/],
    ['a range that ends before it starts', (f) => (office(f).weekly['sat'] = ['22:00-02:00']), 'schedules.office.weekly.sat.0', /ends before it starts/],
    ['an empty range', (f) => (office(f).weekly['sat'] = ['10:00-10:00']), 'schedules.office.weekly.sat.0', /ends before it starts/],
    ['a range that is not a range', (f) => (office(f).weekly['sat'] = ['9-5']), 'schedules.office.weekly.sat.0', /time range/],
    ['an hour past 24', (f) => (office(f).weekly['sat'] = ['10:00-25:00']), 'schedules.office.weekly.sat.0', /time range/],
    ['a special date that is not a date', (f) => (office(f).special['24 Dec'] = ['10:00-11:00']), 'schedules.office.special.24 Dec', /date such as/],
    ['a day that is not a day', (f) => (office(f).weekly['weekdays'] = ['10:00-11:00']), 'schedules.office.weekly.weekdays', /days such as/],
    ['a closed date that is not a date', (f) => (office(f).closed = ['25/12/2026']), 'schedules.office.closed.0', /date such as/],
    ['a closed date not in the calendar', (f) => (office(f).closed = ['2026-02-30']), 'schedules.office.closed.0', /not a date in the calendar/],
    ['a date both closed and special', (f) => (office(f).special['2026-12-25'] = ['10:00-12:00']), 'schedules.office.special.2026-12-25', /either closed or has special hours/],
    ['a route naming no schedule', (f) => (f.menus.main.routes[2] = { when: { open: 'shop' }, then: { goodbye: true } }), 'menus.main.routes.2.when.open', /schedule "shop"/],
    ['a step naming no schedule', (f) => (f.menus.main.routes[1] = { when: { tones: '0' }, then: { schedule: 'shop', open: { goodbye: true }, closed: { goodbye: true } } }), 'menus.main.routes.1.then.schedule', /schedule "shop"/],
    ['a prompt naming no schedule', (f) => (f.messages.hours = { text: 'We are open {{shop.hours}}.' }), 'messages.hours', /schedule "shop"/],
    ['a step branch naming no menu', (f) => (f.menus.main.routes[1] = { when: { tones: '0' }, then: { schedule: 'office', open: { menu: 'nowhere' }, closed: { goodbye: true } } }), 'menus.main.routes.1.then.open.menu', /menu "nowhere"/],
  ])('reports %s at %s', (_, change, path, message) => {
    const problems = problemsOf(change);
    expect(problems).toContainEqual({ path, message: expect.stringMatching(message) as string });
  });

  it('reports a schedule problem beside a shape problem elsewhere, in one pass', () => {
    const problems = problemsOf((f) => {
      office(f).timeZone = 'Europe/Atlantis';
      (f.menus.main.input as Record<string, unknown>)['maxTonesToCollect'] = 0;
    });
    expect(problems.map((problem) => problem.path)).toEqual(expect.arrayContaining(['menus.main.input.maxTonesToCollect', 'schedules.office.timeZone']));
  });

  it('reports a schedule that nothing uses', () => {
    const problems = problemsOf((f) => (f.schedules['spare'] = { timeZone: 'UTC', weekly: { mon: ['10:00-11:00'] } }));
    expect(problems).toEqual([{ path: 'schedules.spare', message: 'is not used by any route, step or prompt' }]);
  });

  it('lets ranges touch (13:00-15:00 after 09:00-13:00) and a night end at 24:00', () => {
    expect(problemsOf((f) => (office(f).weekly['mon-fri'] = ['09:00-13:00', '13:00-15:00', '22:00-24:00']))).toEqual([]);
  });

  it('follows both branches of a schedule step to find reachable menus', () => {
    const problems = problemsOf((f) => {
      (f.menus as Record<string, unknown>)['after'] = { prompt: { text: 'Later.' }, input: { type: 'dtmf', maxTonesToCollect: 1 }, routes: [{ when: { any: true }, then: { goodbye: true } }] };
      f.menus.main.routes[1] = { when: { tones: '0' }, then: { schedule: 'office', open: { transfer: 'operator' }, closed: { menu: 'after' } } };
    });
    expect(problems).toEqual([]);
  });
});
