// Opening hours read at an instant: the edges of each range, both daylight-saving changes, midnight, closed and special days.
import { describe, expect, it } from 'vitest';
import { instantOf, isOpen, nextOpening } from '../../src/domain/opening-hours';
import { speakNextOpening, speakWeeklyHours } from '../../src/domain/opening-hours-speech';
import type { Schedule } from '../../src/flow/schedule-schema';

const office: Schedule = {
  timeZone: 'Europe/Madrid',
  weekly: { 'mon-fri': ['09:00-13:00', '15:00-18:00'], sat: ['10:00-14:00'] },
  closed: ['2026-12-25'],
  special: { '2026-12-24': ['09:00-12:00'] },
};

describe('isOpen at the edges of each range (Madrid, winter: UTC+1)', () => {
  it.each([
    ['2026-12-21T07:59:59Z', false, 'Monday 08:59:59, a second before opening'],
    ['2026-12-21T08:00:00Z', true, 'Monday 09:00, opening'],
    ['2026-12-21T11:59:59Z', true, 'Monday 12:59:59'],
    ['2026-12-21T12:00:00Z', false, 'Monday 13:00, the lunch break starts'],
    ['2026-12-21T13:59:59Z', false, 'Monday 14:59:59'],
    ['2026-12-21T14:00:00Z', true, 'Monday 15:00, back from lunch'],
    ['2026-12-21T16:59:59Z', true, 'Monday 17:59:59'],
    ['2026-12-21T17:00:00Z', false, 'Monday 18:00, closing'],
    ['2026-12-19T09:00:00Z', true, 'Saturday 10:00'],
    ['2026-12-19T13:00:00Z', false, 'Saturday 14:00'],
    ['2026-12-20T10:00:00Z', false, 'Sunday, no hours'],
    ['2026-12-21T09:00:00+01:00', true, 'the same instant written with its offset'],
  ])('%s is %s (%s)', (at, open) => {
    expect(isOpen(office, at)).toBe(open);
  });

  it('is closed all day on a closed date inside a weekly window (Friday 25 December)', () => {
    for (const hour of ['08:00', '10:00', '14:00', '16:00']) expect(isOpen(office, `2026-12-25T${hour}:00Z`)).toBe(false);
    expect(isOpen(office, '2026-12-18T10:00:00Z')).toBe(true);
  });

  it('keeps special hours instead of the weekly ones on their date (Thursday 24 December, 09:00-12:00)', () => {
    expect(isOpen(office, '2026-12-24T08:00:00Z')).toBe(true);
    expect(isOpen(office, '2026-12-24T10:59:59Z')).toBe(true);
    expect(isOpen(office, '2026-12-24T11:00:00Z')).toBe(false);
    expect(isOpen(office, '2026-12-24T15:00:00Z')).toBe(false);
  });

  it('is closed for a time that is not a time', () => {
    expect(isOpen(office, 'not a time')).toBe(false);
  });
});

describe('daylight-saving changes', () => {
  it('spring (Madrid, 29 March 2026, 02:00 jumps to 03:00): wall-clock hours the day after, and the day before', () => {
    expect(isOpen(office, '2026-03-27T08:00:00Z')).toBe(true); // Friday 09:00 CET
    expect(isOpen(office, '2026-03-30T06:59:59Z')).toBe(false); // Monday 08:59:59 CEST
    expect(isOpen(office, '2026-03-30T07:00:00Z')).toBe(true); // Monday 09:00 CEST
    expect(isOpen(office, '2026-03-30T15:59:59Z')).toBe(true); // Monday 17:59:59 CEST
    expect(isOpen(office, '2026-03-30T16:00:00Z')).toBe(false); // Monday 18:00 CEST
  });

  it('spring: a range across the skipped hour is open on both sides of it, and an opening inside it happens at the jump', () => {
    const night: Schedule = { timeZone: 'Europe/Madrid', weekly: { sun: ['01:00-04:00'] }, closed: [], special: {} };
    expect(isOpen(night, '2026-03-29T00:59:59Z')).toBe(true); // 01:59:59 CET
    expect(isOpen(night, '2026-03-29T01:00:00Z')).toBe(true); // 03:00 CEST
    expect(isOpen(night, '2026-03-29T02:00:00Z')).toBe(false); // 04:00 CEST
    const skipped: Schedule = { timeZone: 'Europe/Madrid', weekly: { sun: ['02:30-05:00'] }, closed: [], special: {} };
    expect(nextOpening(skipped, '2026-03-28T20:00:00Z')?.toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect(instantOf('Europe/Madrid', '2026-03-29', 150)).toBe(Date.parse('2026-03-29T01:00:00Z'));
  });

  it('autumn (Madrid, 25 October 2026, 03:00 falls back to 02:00): the repeated hour is open both times, and opens at its first showing', () => {
    const night: Schedule = { timeZone: 'Europe/Madrid', weekly: { sun: ['02:00-03:00'] }, closed: [], special: {} };
    expect(isOpen(night, '2026-10-24T23:59:59Z')).toBe(false); // 01:59:59 CEST
    expect(isOpen(night, '2026-10-25T00:00:00Z')).toBe(true); // 02:00 CEST
    expect(isOpen(night, '2026-10-25T01:00:00Z')).toBe(true); // 02:00 CET, again
    expect(isOpen(night, '2026-10-25T01:59:59Z')).toBe(true); // 02:59:59 CET
    expect(isOpen(night, '2026-10-25T02:00:00Z')).toBe(false); // 03:00 CET
    const repeated: Schedule = { timeZone: 'Europe/Madrid', weekly: { sun: ['02:30-04:00'] }, closed: [], special: {} };
    expect(nextOpening(repeated, '2026-10-24T20:00:00Z')?.toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it('autumn: office hours the Monday after keep to the wall clock (09:00 CET is 08:00 UTC again)', () => {
    expect(isOpen(office, '2026-10-23T06:59:59Z')).toBe(false); // Friday 08:59:59 CEST
    expect(isOpen(office, '2026-10-23T07:00:00Z')).toBe(true); // Friday 09:00 CEST
    expect(isOpen(office, '2026-10-26T07:00:00Z')).toBe(false); // Monday 08:00 CET
    expect(isOpen(office, '2026-10-26T08:00:00Z')).toBe(true); // Monday 09:00 CET
  });

  it('another zone, other dates (New York, 8 March and 1 November 2026)', () => {
    const ny: Schedule = { timeZone: 'America/New_York', weekly: { 'mon-fri': ['09:00-17:00'] }, closed: [], special: {} };
    expect(isOpen(ny, '2026-03-06T14:00:00Z')).toBe(true); // Friday 09:00 EST
    expect(isOpen(ny, '2026-03-09T12:59:59Z')).toBe(false); // Monday 08:59:59 EDT
    expect(isOpen(ny, '2026-03-09T13:00:00Z')).toBe(true); // Monday 09:00 EDT
    expect(isOpen(ny, '2026-11-02T13:00:00Z')).toBe(false); // Monday 08:00 EST
    expect(isOpen(ny, '2026-11-02T14:00:00Z')).toBe(true); // Monday 09:00 EST
  });
});

describe('midnight', () => {
  const lateShift: Schedule = { timeZone: 'America/New_York', weekly: { fri: ['22:00-24:00'], sat: ['00:00-02:00'] }, closed: [], special: {} };

  it('a night split over two days is open through midnight and closes at the end of the second range', () => {
    expect(isOpen(lateShift, '2026-12-19T04:59:59Z')).toBe(true); // Friday 23:59:59 EST
    expect(isOpen(lateShift, '2026-12-19T05:00:00Z')).toBe(true); // Saturday 00:00 EST
    expect(isOpen(lateShift, '2026-12-19T06:59:59Z')).toBe(true); // Saturday 01:59:59
    expect(isOpen(lateShift, '2026-12-19T07:00:00Z')).toBe(false); // Saturday 02:00
  });

  it('the local date, not the UTC one, decides the weekday (Friday 21:00 in New York is Saturday in UTC)', () => {
    expect(isOpen(lateShift, '2026-12-19T02:00:00Z')).toBe(false); // Friday 21:00 EST
    expect(isOpen(lateShift, '2026-12-19T03:00:00Z')).toBe(true); // Friday 22:00 EST
  });

  it('a range may wrap past Sunday (fri-mon)', () => {
    const weekend: Schedule = { timeZone: 'UTC', weekly: { 'fri-mon': ['10:00-11:00'] }, closed: [], special: {} };
    expect(['2026-12-18', '2026-12-19', '2026-12-20', '2026-12-21', '2026-12-22'].map((day) => isOpen(weekend, `${day}T10:30:00Z`))).toEqual([true, true, true, true, false]);
  });
});

describe('nextOpening', () => {
  it('is now when open', () => {
    expect(nextOpening(office, '2026-12-21T09:30:00Z')?.toISOString()).toBe('2026-12-21T09:30:00.000Z');
  });

  it('after lunch, the afternoon range the same day', () => {
    expect(nextOpening(office, '2026-12-21T12:30:00Z')?.toISOString()).toBe('2026-12-21T14:00:00.000Z');
  });

  it('skips the closed date and the Sunday: from Christmas Eve afternoon to Saturday 26 at 10:00', () => {
    expect(nextOpening(office, '2026-12-24T13:00:00Z')?.toISOString()).toBe('2026-12-26T09:00:00.000Z');
  });

  it('from Saturday afternoon to Monday 09:00, across the spring change', () => {
    expect(nextOpening(office, '2026-03-28T15:00:00Z')?.toISOString()).toBe('2026-03-30T07:00:00.000Z');
  });

  it('is undefined for a schedule that never opens', () => {
    expect(nextOpening({ timeZone: 'UTC', weekly: {}, closed: [], special: {} }, '2026-12-21T09:30:00Z')).toBeUndefined();
  });
});

describe('saying a schedule in the caller\'s language', () => {
  const spaces = (text: string) => text.replace(/\s/g, ' ');
  it('reads the weekly hours with day names, clock times and the conjunction of the language', () => {
    const english = spaces(speakWeeklyHours(office, 'en-US'));
    expect(english).toMatch(/^Monday – Friday, 9:00 AM – 1:00 PM and 3:00 – 6:00 PM; Saturday, 10:00 AM – 2:00 PM$/);
    const spanish = spaces(speakWeeklyHours(office, 'es-ES'));
    expect(spanish).toMatch(/^lunes – viernes, 9:00 ?– ?13:00 y 15:00 ?– ?18:00; sábado, 10:00 ?– ?14:00$/);
  });

  it('reads each schedule and each language for itself, however often it is asked (the text is worked out once)', () => {
    const weekends = { ...office, weekly: { sat: office.weekly.sat ?? [] } };
    expect(spaces(speakWeeklyHours(office, 'en-US'))).toMatch(/^Monday – Friday/);
    expect(spaces(speakWeeklyHours(weekends, 'en-US'))).toBe('Saturday, 10:00 AM – 2:00 PM');
    expect(spaces(speakWeeklyHours(office, 'es-ES'))).toMatch(/^lunes – viernes/);
    expect(spaces(speakWeeklyHours(weekends, 'en-US'))).toBe('Saturday, 10:00 AM – 2:00 PM');
  });

  it('says when the line next opens, in the schedule\'s zone', () => {
    expect(spaces(speakNextOpening(office, '2026-12-24T13:00:00Z', 'en-US'))).toBe('Saturday, December 26 at 10:00 AM');
    expect(spaces(speakNextOpening(office, '2026-12-24T13:00:00Z', 'es-ES'))).toMatch(/^sábado, 26 de diciembre,? 10:00$/);
  });
});
