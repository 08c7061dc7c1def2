// Owns checking a flow's schedules: known time zones, well-formed and non-overlapping hours, real dates, and that
// every schedule named exists and every schedule defined is used.
import { expandDays, isKnownTimeZone, parseRange, type OpenRange } from '../domain/opening-hours';
import { SCHEDULE_TEMPLATE } from '../domain/prompts';
import type { Prompt, PromptRef, RouteCondition, Step } from './flow-schema';
import { DATE, DAY_SET, WEEKDAYS, type Schedule } from './schedule-schema';

type Report = (where: string, message: string) => void;

/**
 * The parts of a flow that name schedules, as far as they are well formed: a part the schema refused (already
 * reported) is undefined and checked no further. With `schedules` undefined, which names exist is unknown.
 */
export interface ScheduleUsers {
  readonly schedules?: Readonly<Record<string, Schedule>> | undefined;
  readonly messages: Readonly<Record<string, Prompt | undefined>>;
  readonly reprompts: Readonly<Partial<Record<string, PromptRef | undefined>>>;
  readonly goodbye?: PromptRef | undefined;
  readonly apology?: PromptRef | undefined;
  readonly onMaxAttempts?: Step | undefined;
  readonly menus?:
    | Readonly<
        Record<
          string,
          | {
              readonly prompt?: PromptRef | undefined;
              readonly reprompts?: Readonly<Partial<Record<string, PromptRef | undefined>>> | undefined;
              readonly onMaxAttempts?: Step | undefined;
              readonly routes: ReadonlyArray<{ readonly when?: RouteCondition | undefined; readonly then?: Step | undefined }>;
            }
          | undefined
        >
      >
    | undefined;
}

export function checkSchedules(flow: ScheduleUsers, report: Report): void {
  const schedules = flow.schedules;
  if (schedules === undefined) return;
  for (const [id, schedule] of Object.entries(schedules)) checkSchedule(`schedules.${id}`, schedule, report);

  const used = new Set<string>();
  for (const { where, id } of scheduleReferences(flow)) {
    used.add(id);
    if (!schedules[id]) report(where, `names schedule "${id}", which schedules does not define`);
  }
  for (const id of Object.keys(schedules)) {
    if (!used.has(id)) report(`schedules.${id}`, 'is not used by any route, step or prompt');
  }
}

function checkSchedule(where: string, schedule: Schedule, report: Report): void {
  if (!isKnownTimeZone(schedule.timeZone)) report(`${where}.timeZone`, `"${schedule.timeZone}" is not an IANA time zone this platform knows`);

  const byDay = new Map<string, Array<{ range: OpenRange; text: string }>>();
  for (const [days, ranges] of Object.entries(schedule.weekly)) {
    if (!DAY_SET.test(days)) report(`${where}.weekly.${days}`, 'must be days such as mon, mon-fri or sat,sun');
    for (const [index, text] of ranges.entries()) {
      const range = wellFormed(`${where}.weekly.${days}.${index}`, text, report);
      if (!range) continue;
      for (const day of expandDays(days)) byDay.set(day, [...(byDay.get(day) ?? []), { range, text }]);
    }
  }
  for (const day of WEEKDAYS) reportOverlaps(`${where}.weekly`, day, byDay.get(day) ?? [], report);

  for (const [index, date] of schedule.closed.entries()) if (!isCalendarDate(date)) report(`${where}.closed.${index}`, `${date} is not a date in the calendar`);
  for (const [date, ranges] of Object.entries(schedule.special)) {
    if (!DATE.test(date)) report(`${where}.special.${date}`, 'must be a date such as 2026-12-25');
    else if (!isCalendarDate(date)) report(`${where}.special.${date}`, `${date} is not a date in the calendar`);
    if (schedule.closed.includes(date)) report(`${where}.special.${date}`, 'is also in closed; a date is either closed or has special hours');
    const parsed = ranges.flatMap((text, index) => {
      const range = wellFormed(`${where}.special.${date}.${index}`, text, report);
      return range ? [{ range, text }] : [];
    });
    reportOverlaps(`${where}.special`, date, parsed, report);
  }
}

function wellFormed(where: string, text: string, report: Report): OpenRange | undefined {
  const range = parseRange(text);
  // The schema already refused what does not look like a range; what is left is a range that ends before it starts.
  if (range && range.end <= range.start) {
    report(where, `"${text}" ends before it starts; split a range past midnight into two days`);
    return undefined;
  }
  return range;
}

function reportOverlaps(where: string, day: string, ranges: ReadonlyArray<{ range: OpenRange; text: string }>, report: Report): void {
  const sorted = [...ranges].sort((a, b) => a.range.start - b.range.start);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1];
    const current = sorted[i];
    if (previous && current && current.range.start < previous.range.end) report(where, `${day}: ${previous.text} overlaps ${current.text}`);
  }
}

const isCalendarDate = (date: string) => {
  const parsed = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === date;
};

/** Every place a flow names a schedule: route conditions, schedule steps, and `{{id.hours}}` in prompts. */
export function scheduleReferences(flow: ScheduleUsers): Array<{ where: string; id: string }> {
  const found: Array<{ where: string; id: string }> = [];
  const inPrompt = (where: string, ref: PromptRef | undefined) => {
    const prompt: Prompt | undefined = typeof ref === 'string' ? undefined : ref;
    if (!prompt || 'audioUrl' in prompt) return;
    const value = 'text' in prompt ? prompt.text : prompt.ssml;
    for (const text of typeof value === 'string' ? [value] : Object.values(value)) {
      for (const match of text.matchAll(SCHEDULE_TEMPLATE)) found.push({ where, id: match[1] ?? '' });
    }
  };
  const inStep = (where: string, step: Step | undefined) => {
    if (step === undefined) return;
    if ('say' in step) {
      inPrompt(`${where}.say`, step.say);
      inStep(`${where}.next`, step.next);
    }
    if ('schedule' in step) {
      found.push({ where: `${where}.schedule`, id: step.schedule });
      inStep(`${where}.open`, step.open);
      inStep(`${where}.closed`, step.closed);
    }
  };
  for (const [name, prompt] of Object.entries(flow.messages)) inPrompt(`messages.${name}`, prompt);
  for (const [reason, ref] of Object.entries(flow.reprompts)) inPrompt(`reprompts.${reason}`, ref);
  inPrompt('goodbye', flow.goodbye);
  inPrompt('apology', flow.apology);
  inStep('onMaxAttempts', flow.onMaxAttempts);
  for (const [id, menu] of Object.entries(flow.menus ?? {})) {
    if (!menu) continue;
    inPrompt(`menus.${id}.prompt`, menu.prompt);
    for (const [reason, ref] of Object.entries(menu.reprompts ?? {})) inPrompt(`menus.${id}.reprompts.${reason}`, ref);
    inStep(`menus.${id}.onMaxAttempts`, menu.onMaxAttempts);
    menu.routes.forEach((route, index) => {
      const at = `menus.${id}.routes.${index}`;
      const when = route.when;
      if (when && 'open' in when) found.push({ where: `${at}.when.open`, id: when.open });
      if (when && 'closed' in when) found.push({ where: `${at}.when.closed`, id: when.closed });
      inStep(`${at}.then`, route.then);
    });
  }
  return found;
}
