// The watchdog's thresholds (derived from the flow) and the timer schedules the Functions runtime is given.
import { describe, expect, it } from 'vitest';
import { stallThresholdsMs } from '../../src/app/sweeps';
import { everySchedule, RETENTION_EVERY_SECONDS, WATCHDOG_EVERY_SECONDS } from '../../src/functions/timers';
import { defaultFlow } from '../support/calls';

describe('stallThresholdsMs', () => {
  it('is 45 s for the default flow (longest initial silence 20 s + 25 s), twice that for a transfer', () => {
    expect(stallThresholdsMs(defaultFlow, undefined)).toEqual({ connecting: 45_000, awaitingInput: 45_000, playing: 45_000, hangingUp: 45_000, transferring: 90_000 });
  });

  it('grows with a flow that waits longer for input', () => {
    const main = defaultFlow.menus['main'];
    if (!main) throw new Error('the default flow has a main menu');
    const patient = { ...defaultFlow, menus: { ...defaultFlow.menus, main: { ...main, input: { ...main.input, initialSilenceTimeoutSeconds: 120 } } } };
    expect(stallThresholdsMs(patient, undefined).awaitingInput).toBe(145_000);
  });

  it('takes WATCHDOG_STALL_SECONDS over the flow', () => {
    expect(stallThresholdsMs(defaultFlow, 10)).toMatchObject({ awaitingInput: 10_000, transferring: 20_000 });
  });

  it('with the 15 s sweep, leaves no call waiting more than a minute with the default flow', () => {
    expect(stallThresholdsMs(defaultFlow, undefined).awaitingInput + WATCHDOG_EVERY_SECONDS * 1_000).toBeLessThanOrEqual(60_000);
  });
});

describe('everySchedule', () => {
  it.each([
    [15, '*/15 * * * * *'],
    [WATCHDOG_EVERY_SECONDS, '*/15 * * * * *'],
    [300, '0 */5 * * * *'],
    [RETENTION_EVERY_SECONDS, '0 0 */1 * * *'],
    [6 * 3_600, '0 0 */6 * * *'],
  ])('every %i s is %s', (seconds, schedule) => {
    expect(everySchedule(seconds)).toBe(schedule);
  });

  it.each([7, 90, 7_000, 86_400])('refuses %i s, which no NCRONTAB step expresses', (seconds) => {
    expect(() => everySchedule(seconds)).toThrow(/no NCRONTAB schedule/);
  });
});
