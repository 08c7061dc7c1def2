// Owns the timer triggers: the watchdog that unsticks calls and the retention sweep that deletes old rows.
import type { InvocationContext, Timer } from '@azure/functions';
import type { App } from '../app/composition-root';
import { invocationLog } from './invocation-log';

/** Every 15 s: with a 45 s stall threshold, no call waits more than a minute for a prompt that never started. */
export const WATCHDOG_EVERY_SECONDS = 15;
/** Hourly: retention is measured in hours, and each run deletes whatever expired since the last one. */
export const RETENTION_EVERY_SECONDS = 3_600;

export function watchdogHandler(app: () => Promise<App>) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const log = invocationLog(context);
    const { hotline, outbound } = await app();
    const result = await hotline.recoverStalledCalls(log);
    if (result.stalled > 0) log.warn('watchdog sweep', { ...result });
    const requests = await outbound?.calls.recoverRequests(log);
    if (requests && requests.resent + requests.ended > 0) log.warn('outbound request sweep', { ...requests });
  };
}

export function retentionHandler(app: () => Promise<App>) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const { hotline } = await app();
    await hotline.deleteExpiredCalls(invocationLog(context));
  };
}

/** NCRONTAB (`{second} {minute} {hour} {day} {month} {day-of-week}`) for "every n seconds", n dividing a minute, hour or day. */
export function everySchedule(seconds: number): string {
  const divides = (unit: number, n: number) => Number.isInteger(n) && n >= 1 && unit % n === 0;
  if (seconds < 60 && divides(60, seconds)) return `*/${seconds} * * * * *`;
  if (seconds < 3_600 && divides(60, seconds / 60)) return `0 */${seconds / 60} * * * *`;
  if (seconds < 86_400 && divides(24, seconds / 3_600)) return `0 0 */${seconds / 3_600} * * *`;
  throw new Error(`no NCRONTAB schedule for every ${seconds} s`);
}
