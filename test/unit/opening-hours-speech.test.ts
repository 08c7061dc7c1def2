// Saying opening hours: which days are read together, and what is said when the line never opens again.
import { describe, expect, it } from 'vitest';
import { speakNextOpening, speakWeeklyHours } from '../../src/domain/opening-hours-speech';
import type { Schedule } from '../../src/flow/schedule-schema';

const spaces = (text: string) => text.replace(/\s/g, ' ');
const weekly = (hours: Schedule['weekly'], extra: Partial<Schedule> = {}): Schedule => ({ timeZone: 'Europe/Madrid', weekly: hours, closed: [], special: {}, ...extra });

describe('speakWeeklyHours', () => {
  it('given neighbouring days with the same hours, then they are read as one span of days', () => {
    expect(spaces(speakWeeklyHours(weekly({ 'mon-wed': ['09:00-17:00'] }), 'en-US'))).toBe('Monday – Wednesday, 9:00 AM – 5:00 PM');
  });

  it('given neighbouring days whose hours differ in their end, their start or their number, then each is read on its own', () => {
    expect(spaces(speakWeeklyHours(weekly({ mon: ['09:00-17:00'], tue: ['09:00-18:00'] }), 'en-US'))).toBe('Monday, 9:00 AM – 5:00 PM; Tuesday, 9:00 AM – 6:00 PM');
    expect(spaces(speakWeeklyHours(weekly({ mon: ['09:00-17:00'], tue: ['10:00-17:00'] }), 'en-US'))).toBe('Monday, 9:00 AM – 5:00 PM; Tuesday, 10:00 AM – 5:00 PM');
    expect(spaces(speakWeeklyHours(weekly({ mon: ['09:00-12:00'], tue: ['09:00-12:00', '14:00-16:00'] }), 'en-US'))).toBe(
      'Monday, 9:00 AM – 12:00 PM; Tuesday, 9:00 AM – 12:00 PM and 2:00 – 4:00 PM',
    );
  });

  it('given days with the same hours apart from each other, then they are read apart, and closed days not at all', () => {
    expect(spaces(speakWeeklyHours(weekly({ mon: ['09:00-12:00'], wed: ['09:00-12:00'] }), 'en-US'))).toBe('Monday, 9:00 AM – 12:00 PM; Wednesday, 9:00 AM – 12:00 PM');
  });

  it('given holidays and special days, then the weekly hours are read as if there were none', () => {
    const withDays = weekly({ mon: ['09:00-12:00'] }, { closed: ['2024-01-01'], special: { '2024-01-08': ['10:00-11:00'] } });
    expect(spaces(speakWeeklyHours(withDays, 'en-US'))).toBe('Monday, 9:00 AM – 12:00 PM');
  });
});

describe('speakNextOpening', () => {
  it('given a schedule that never opens, then nothing is said', () => {
    expect(speakNextOpening(weekly({}), '2026-12-21T09:30:00Z', 'en-US')).toBe('');
  });
});
