// Owns Event Grid's delivery verdict: which replies are a delivery, which are retried and when, and when it gives up.
// Source: Microsoft Learn, "Event Grid message delivery and retry" (docs/acs-facts.md quotes the figures).

/**
 * The documented schedule, each a wait after the failed try before it: 10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h,
 * 3 h, 6 h, then every 12 h up to the event's 24 h time to live (the only 12 h step that fits, after 10.8 h of
 * retries). Event Grid calls it best effort with "a small randomization"; the emulator keeps to the figures.
 */
export const EVENT_GRID_RETRY_DELAYS_MS: readonly number[] = [
  10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000,
];

/** How long Event Grid waits for a reply: past it the try failed and the event is queued for retry. */
export const EVENT_GRID_RESPONSE_TIMEOUT_MS = 30_000;

/** The subscription's default retry policy: whichever limit comes first ends the event. */
export const EVENT_TIME_TO_LIVE_MS = 24 * 3_600_000;
export const MAX_DELIVERY_ATTEMPTS = 30;

/** Webhook replies that a retry cannot fix: the event is dead-lettered or dropped at once. */
const NOT_RETRIED = new Set([400, 401, 403, 413]);

export type DeliveryVerdict =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'retry'; readonly afterMs: number }
  | { readonly kind: 'dropped'; readonly reason: string };

/**
 * What Event Grid does after try number `attempt` (0 for the first) replied `status` (0: no reply in time, a reset),
 * `sinceFirstMs` after the event was first delivered, when its retries wait `delaysMs` (the schedule, or a test's).
 */
export function afterDelivery(attempt: number, status: number, sinceFirstMs: number, delaysMs: readonly number[]): DeliveryVerdict {
  // Only these five count as delivered (the page's older revision lists them); a 205 or a 3xx is a failure.
  if (status >= 200 && status <= 204) return { kind: 'delivered' };
  if (NOT_RETRIED.has(status)) return { kind: 'dropped', reason: `${status} is not retried` };
  const afterMs = delaysMs[attempt];
  if (afterMs === undefined) return { kind: 'dropped', reason: `no retry left after ${attempt + 1} tries` };
  if (attempt + 1 >= MAX_DELIVERY_ATTEMPTS) return { kind: 'dropped', reason: `${MAX_DELIVERY_ATTEMPTS} tries made` };
  if (sinceFirstMs + afterMs > EVENT_TIME_TO_LIVE_MS) return { kind: 'dropped', reason: 'its time to live would pass' };
  return { kind: 'retry', afterMs };
}
