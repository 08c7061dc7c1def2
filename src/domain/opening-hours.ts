// Owns reading a schedule at an instant: open or closed, and when it next opens, in the schedule's own time zone.
// Pure: the instant is given (an event's time); wall-clock time and daylight saving come from the platform's Intl data.
import { TIME_RANGE, WEEKDAYS, type Schedule, type Weekday } from '../flow/schedule-schema';

/** Minutes since local midnight, `end` exclusive (`24:00` is 1440). */
export interface OpenRange {
  readonly start: number;
  readonly end: number;
}

export interface LocalTime {
  /** `YYYY-MM-DD` in the schedule's zone. */
  readonly date: string;
  readonly weekday: Weekday;
  readonly minutes: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** A schedule that opens on none of the next 400 days never opens, as far as a caller is concerned. */
const SEARCH_DAYS = 400;

export function parseRange(range: string): OpenRange | undefined {
  const match = TIME_RANGE.exec(range);
  if (!match) return undefined;
  const end = match[3] === '24:00' ? 1_440 : Number(match[4]) * 60 + Number(match[5]);
  return { start: Number(match[1]) * 60 + Number(match[2]), end };
}

/** `mon-fri,sun` as the days it names; a range may wrap past Sunday (`fri-mon`). */
export function expandDays(days: string): Weekday[] {
  const result = new Set<Weekday>();
  for (const part of days.split(',')) {
    const [from, to = from] = part.split('-');
    const first = WEEKDAYS.indexOf(from as Weekday);
    const last = WEEKDAYS.indexOf(to as Weekday);
    if (first < 0 || last < 0) continue;
    for (let i = first; ; i = (i + 1) % 7) {
      result.add(WEEKDAYS[i] as Weekday);
      if (i === last) break;
    }
  }
  return WEEKDAYS.filter((day) => result.has(day));
}

/** The hours of one local date, sorted: the special hours of that date, none when closed, else the weekly ones. */
export function hoursOn(schedule: Schedule, date: string): OpenRange[] {
  if (schedule.closed.includes(date)) return [];
  const weekday = weekdayOf(date);
  const listed = schedule.special[date] ?? Object.entries(schedule.weekly).flatMap(([days, ranges]) => (expandDays(days).includes(weekday) ? ranges : []));
  return listed
    .map(parseRange)
    .filter((range): range is OpenRange => range !== undefined)
    .sort((a, b) => a.start - b.start);
}

export function isOpen(schedule: Schedule, at: string | number | Date): boolean {
  const instant = toMs(at);
  if (Number.isNaN(instant)) return false;
  const local = localTime(schedule.timeZone, instant);
  return hoursOn(schedule, local.date).some((range) => range.start <= local.minutes && local.minutes < range.end);
}

/** A schedule the flow does not define (validation prevents it) or an event without a time counts as closed. */
export const isOpenAt = (schedule: Schedule | undefined, at: string | undefined): boolean =>
  schedule !== undefined && at !== undefined && isOpen(schedule, at);

/** The first instant at or after `at` when the schedule is open (`at` itself when it is open now). */
export function nextOpening(schedule: Schedule, at: string | number | Date): Date | undefined {
  const instant = toMs(at);
  if (Number.isNaN(instant)) return undefined;
  if (isOpen(schedule, instant)) return new Date(instant);
  const today = localTime(schedule.timeZone, instant).date;
  for (let offset = 0; offset <= SEARCH_DAYS; offset++) {
    const date = addDays(today, offset);
    for (const range of hoursOn(schedule, date)) {
      const opens = instantOf(schedule.timeZone, date, range.start);
      if (opens > instant) return new Date(opens);
    }
  }
  return undefined;
}

/** Wall-clock date, weekday and minute of an instant in a zone. */
export function localTime(timeZone: string, instant: number): LocalTime {
  const parts = wallParts(timeZone, instant);
  const date = `${parts.year}-${pad(parts.month)}-${pad(parts.day)}`;
  return { date, weekday: weekdayOf(date), minutes: parts.hour * 60 + parts.minute };
}

/**
 * The instant a zone's clock shows `minutes` on `date`. A time the clock shows twice (the autumn change) is its first
 * showing; a time it skips (the spring change) is the moment the clock jumps past it.
 */
export function instantOf(timeZone: string, date: string, minutes: number): number {
  const [year = 0, month = 1, day = 1] = date.split('-').map(Number);
  const wall = Date.UTC(year, month - 1, day, 0, minutes);
  // The offsets either side of any change near this day: one of them is the one in force at the wall time.
  const candidates = [...new Set([offsetMs(timeZone, wall - DAY_MS), offsetMs(timeZone, wall + DAY_MS), offsetMs(timeZone, wall)])]
    .map((offset) => wall - offset)
    .filter((candidate) => wallMs(timeZone, candidate) === wall)
    .sort((a, b) => a - b);
  if (candidates[0] !== undefined) return candidates[0];
  // Skipped: search the minute the clock first reads past it, between the two offsets' readings.
  let low = wall - Math.max(offsetMs(timeZone, wall - DAY_MS), offsetMs(timeZone, wall + DAY_MS));
  let high = wall - Math.min(offsetMs(timeZone, wall - DAY_MS), offsetMs(timeZone, wall + DAY_MS));
  while (high - low > MINUTE_MS) {
    const middle = low + Math.floor((high - low) / 2 / MINUTE_MS) * MINUTE_MS;
    if (wallMs(timeZone, middle) >= wall) high = middle;
    else low = middle;
  }
  return high;
}

export function addDays(date: string, days: number): string {
  const [year = 0, month = 1, day = 1] = date.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

export function weekdayOf(date: string): Weekday {
  const [year = 0, month = 1, day = 1] = date.split('-').map(Number);
  // getUTCDay counts from Sunday; WEEKDAYS from Monday.
  return WEEKDAYS[(new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7] as Weekday;
}

/** Whether the platform knows an IANA zone name. */
export function isKnownTimeZone(timeZone: string): boolean {
  // Node 22's Intl also takes a fixed offset ("+01:00"), which has no daylight-saving rules: a schedule needs a zone name.
  if (/^[+-]/.test(timeZone)) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

const toMs = (at: string | number | Date) => (typeof at === 'string' ? Date.parse(at) : typeof at === 'number' ? at : at.getTime());
const pad = (n: number) => String(n).padStart(2, '0');

/** The wall-clock reading of an instant, as if it were UTC: the difference to the instant is the zone's offset. */
const wallMs = (timeZone: string, instant: number) => {
  const p = wallParts(timeZone, instant);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
};
const offsetMs = (timeZone: string, instant: number) => wallMs(timeZone, Math.floor(instant / MINUTE_MS) * MINUTE_MS) - Math.floor(instant / MINUTE_MS) * MINUTE_MS;

function wallParts(timeZone: string, instant: number) {
  const values: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) if (part.type !== 'literal') values[part.type] = Number(part.value);
  return { year: values['year'] ?? 0, month: values['month'] ?? 1, day: values['day'] ?? 1, hour: (values['hour'] ?? 0) % 24, minute: values['minute'] ?? 0 };
}

/** Formatters are costly to build and the zones few: one per zone, built on first use. */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}
