// Event Grid's delivery verdict in the emulator: the documented schedule, the replies never retried, the limits.
import { afterEach, describe, expect, it } from 'vitest';
import { afterDelivery, EVENT_GRID_RETRY_DELAYS_MS } from '../../tools/acs-emulator/index.js';
import { startHarness, type Harness } from './harness.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Only a wedged run reaches this; every wait below ends on a signal. */
const WAIT = { timeout: 20_000, interval: 10 };

describe('afterDelivery', () => {
  it('waits 10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, 3 h, 6 h and 12 h between tries, as Event Grid does', () => {
    expect(EVENT_GRID_RETRY_DELAYS_MS).toEqual([10_000, 30_000, MINUTE, 5 * MINUTE, 10 * MINUTE, 30 * MINUTE, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR]);
    let since = 0;
    const verdicts = EVENT_GRID_RETRY_DELAYS_MS.map((_, attempt) => {
      const verdict = afterDelivery(attempt, 500, since, EVENT_GRID_RETRY_DELAYS_MS);
      if (verdict.kind === 'retry') since += verdict.afterMs;
      return verdict;
    });
    expect(verdicts.map((verdict) => (verdict.kind === 'retry' ? verdict.afterMs : verdict.kind))).toEqual(EVENT_GRID_RETRY_DELAYS_MS);
    // The last try comes 22.8 h in; another 12 h would pass the event's 24 h time to live.
    expect(since).toBe(38_800_000 + 12 * HOUR);
    expect(afterDelivery(EVENT_GRID_RETRY_DELAYS_MS.length, 500, since, EVENT_GRID_RETRY_DELAYS_MS)).toMatchObject({ kind: 'dropped' });
  });

  it('counts only 200 to 204 as delivered, and never retries what a retry cannot fix', () => {
    for (const status of [200, 201, 202, 203, 204]) expect(afterDelivery(0, status, 0, EVENT_GRID_RETRY_DELAYS_MS)).toEqual({ kind: 'delivered' });
    for (const status of [400, 401, 403, 413]) {
      expect(afterDelivery(0, status, 0, EVENT_GRID_RETRY_DELAYS_MS)).toEqual({ kind: 'dropped', reason: `${status} is not retried` });
    }
    // No reply within 30 s (0), throttling, a missing endpoint, server errors, and odd successes are all retried.
    for (const status of [0, 205, 302, 404, 408, 429, 500, 502, 503]) {
      expect(afterDelivery(0, status, 0, EVENT_GRID_RETRY_DELAYS_MS)).toEqual({ kind: 'retry', afterMs: 10_000 });
    }
  });

  it('gives up when the time to live or the 30 tries would be exceeded', () => {
    expect(afterDelivery(0, 500, 24 * HOUR - 5_000, EVENT_GRID_RETRY_DELAYS_MS)).toMatchObject({ kind: 'dropped', reason: 'its time to live would pass' });
    const many = Array.from({ length: 40 }, () => 1);
    expect(afterDelivery(28, 500, 0, many)).toEqual({ kind: 'retry', afterMs: 1 });
    expect(afterDelivery(29, 500, 0, many)).toMatchObject({ kind: 'dropped', reason: '30 tries made' });
    expect(afterDelivery(0, 500, 0, [])).toMatchObject({ kind: 'dropped', reason: 'no retry left after 1 tries' });
  });
});

describe('IncomingCall redelivery on a scaled clock', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  // Event Grid's schedule at 1/100,000 (0.1 ms ... 432 ms): every try, in order, with the wait the schedule names.
  const scaled = EVENT_GRID_RETRY_DELAYS_MS.map((ms) => ms / 100_000);
  const deliveries = (harness: Harness, callId: string) =>
    harness.emulator.caller.get(callId)?.timeline.filter((entry) => entry.kind === 'incomingCallDelivered').map((entry) => entry.details) ?? [];

  it('retries a failing endpoint on every step of the schedule, then drops the event', async () => {
    h = await startHarness({ eventGridRetryDelaysMs: scaled });
    h.replyStatus = () => 500;
    const call = await h.emulator.caller.dial({ from: '+14255550123', to: '+18005550100' });
    await expect.poll(() => deliveries(h!, call.callId).at(-1)?.['next'], WAIT).toMatch(/^dropped/);
    const tries = deliveries(h, call.callId);
    expect(tries.map((details) => details['deliveryCount'])).toEqual(Array.from({ length: scaled.length + 1 }, (_, i) => i));
    expect(tries.map((details) => details['retryInMs'])).toEqual([...scaled, undefined]);
    expect(new Set(h.eventGridPosts.map((post) => post.body[0]?.['id'])).size).toBe(1);
  });

  it('retries after a 500 at the first step, and stops at the first 2xx', async () => {
    h = await startHarness({ eventGridRetryDelaysMs: scaled });
    h.replyStatus = (kind) => (kind === 'eventGrid' && h!.eventGridPosts.length === 1 ? 500 : 202);
    const call = await h.emulator.caller.dial({ from: '+14255550123', to: '+18005550100' });
    await expect.poll(() => deliveries(h!, call.callId).length, WAIT).toBe(2);
    expect(deliveries(h, call.callId).map((details) => [details['status'], details['next']])).toEqual([
      [500, `retry in ${scaled[0]} ms`],
      [202, 'delivered'],
    ]);
  });

  it('drops an event its endpoint refused with 400, without a retry', async () => {
    h = await startHarness({ eventGridRetryDelaysMs: scaled });
    h.replyStatus = () => 400;
    const call = await h.emulator.caller.dial({ from: '+14255550123', to: '+18005550100' });
    // The verdict is recorded with the try itself: nothing is scheduled that could arrive later.
    expect(deliveries(h, call.callId)).toEqual([{ status: 400, deliveryCount: 0, next: 'dropped: 400 is not retried' }]);
  });
});
