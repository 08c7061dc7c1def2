// A call dialed "at" another time: its callbacks are stamped from that time on, its IncomingCall keeps the real one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLER, HOTLINE, startHarness, type Harness } from './harness.js';

const CHRISTMAS = '2026-12-25T10:00:00-05:00';
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ callsAt: CHRISTMAS });
});
afterAll(async () => {
  await h.close();
});

describe('dialing at a time', () => {
  it('stamps the callbacks from callsAt onward, and the IncomingCall with the real time (the ring window is real)', async () => {
    const before = Date.now();
    const { id } = await h.connectedCall();
    const connected = await h.waitForCallback(id, 'CallConnected');
    const stamped = Date.parse(String(connected.event['time']));
    expect(stamped - Date.parse(CHRISTMAS)).toBeGreaterThanOrEqual(0);
    expect(stamped - Date.parse(CHRISTMAS)).toBeLessThan(Date.now() - before + 1_000);
    const incoming = h.eventGridPosts.at(-1)?.body[0];
    expect(Math.abs(Date.parse(String(incoming?.['eventTime'])) - Date.now())).toBeLessThan(60_000);
  });

  it('refuses a time without an offset, which would mean the machine\'s zone', async () => {
    await expect(h.emulator.caller.dial({ from: CALLER, to: HOTLINE, at: '2026-12-25T10:00' })).rejects.toThrow(
      '"2026-12-25T10:00" is not a time with an offset, such as 2026-12-25T10:00+01:00',
    );
  });
});
