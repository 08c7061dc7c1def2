// Owns saying a schedule aloud in the caller's language: the weekly hours, and when the line next opens.
// Day and month names, clock style and "and" come from the platform's locale data (Intl), not from word lists.
import { WEEKDAYS, type Schedule } from '../flow/schedule-schema';
import { hoursOn, nextOpening, type OpenRange } from './opening-hours';

/** 2024-01-01 was a Monday: the reference week that day names are formatted from. */
const referenceDay = (index: number) => new Date(Date.UTC(2024, 0, 1 + index));
const referenceTime = (minutes: number) => new Date(Date.UTC(2024, 0, 1, 0, minutes));

/**
 * Building three Intl formatters is ICU work (about 0.4 ms, most of an opening-hours callback's CPU), and the answer
 * depends on nothing but a schedule of the loaded flow and a language: each is worked out once.
 */
const spokenHours = new WeakMap<Schedule, Map<string, string>>();

/** "Monday – Friday, 9:00 AM – 1:00 PM and 3:00 PM – 6:00 PM; Saturday, 10:00 AM – 2:00 PM" (holidays aside). */
export function speakWeeklyHours(schedule: Schedule, language: string): string {
  let byLanguage = spokenHours.get(schedule);
  if (!byLanguage) spokenHours.set(schedule, (byLanguage = new Map<string, string>()));
  let spoken = byLanguage.get(language);
  if (spoken === undefined) byLanguage.set(language, (spoken = weeklyHours(schedule, language)));
  return spoken;
}

function weeklyHours(schedule: Schedule, language: string): string {
  const weekly = { ...schedule, closed: [], special: {} };
  // Any date of the reference week stands for its weekday in the weekly hours.
  const days = WEEKDAYS.map((_, index) => hoursOn(weekly, referenceDay(index).toISOString().slice(0, 10)));
  const groups: Array<{ first: number; last: number; ranges: OpenRange[] }> = [];
  days.forEach((ranges, index) => {
    const previous = groups.at(-1);
    if (previous && previous.last === index - 1 && sameRanges(previous.ranges, ranges)) previous.last = index;
    else groups.push({ first: index, last: index, ranges });
  });
  const dayName = new Intl.DateTimeFormat(language, { weekday: 'long', timeZone: 'UTC' });
  const clock = new Intl.DateTimeFormat(language, { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' });
  const and = new Intl.ListFormat(language, { type: 'conjunction' });
  return groups
    .filter((group) => group.ranges.length > 0)
    .map((group) => {
      const when = group.first === group.last ? dayName.format(referenceDay(group.first)) : dayName.formatRange(referenceDay(group.first), referenceDay(group.last));
      const hours = group.ranges.map((range) => clock.formatRange(referenceTime(range.start), referenceTime(range.end === 1_440 ? 1_439 : range.end)));
      return `${when}, ${and.format(hours)}`;
    })
    .join('; ');
}

/** "Monday, December 28 at 9:00 AM" in the schedule's zone; empty when the schedule never opens again. */
export function speakNextOpening(schedule: Schedule, at: string, language: string): string {
  const opens = nextOpening(schedule, at);
  if (!opens) return '';
  return new Intl.DateTimeFormat(language, {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZone: schedule.timeZone,
  }).format(opens);
}

const sameRanges = (a: readonly OpenRange[], b: readonly OpenRange[]) =>
  a.length === b.length && a.every((range, index) => range.start === b[index]?.start && range.end === b[index]?.end);
