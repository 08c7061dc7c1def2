// Owns the shape of a flow's opening-hours schedules: a time zone, weekly hours, closed dates and special hours.
import * as z from '../zod-mini';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const DAY = `(?:${WEEKDAYS.join('|')})`;
/** `mon`, `mon-fri` (a range may wrap: `fri-mon`), or a comma list of either: `mon-wed,fri`. */
export const DAY_SET = new RegExp(`^${DAY}(?:-${DAY})?(?:,${DAY}(?:-${DAY})?)*$`);
/** `09:00-13:00`, on a 24-hour clock; `24:00` ends a range at midnight. A range ends after it starts, on the same day. */
export const TIME_RANGE = /^([01]\d|2[0-3]):([0-5]\d)-(([01]\d|2[0-3]):([0-5]\d)|24:00)$/;
/** A calendar date in the schedule's own time zone. */
export const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

const ranges = z.array(z.string().check(z.regex(TIME_RANGE, 'must be a time range such as 09:00-13:00 (24-hour clock)')));
const date = z.string().check(z.regex(DATE, 'must be a date such as 2026-12-25'));

export const scheduleSchema = z.strictObject({
  /** An IANA zone (`Europe/Madrid`): wall-clock hours, daylight saving included, are read in it. */
  timeZone: z.string().check(z.minLength(1)),
  /** Keys are day sets (`DAY_SET`); the validator checks them, since a record's key error loses its message. */
  weekly: z.record(z.string(), ranges),
  /** Whole days closed, whatever the weekly hours say (holidays). */
  closed: z._default(z.array(date), []),
  /** Hours that replace the weekly ones on a date; an empty list closes that day. */
  special: z._default(z.record(z.string(), ranges), {}),
});
export type Schedule = z.output<typeof scheduleSchema>;
