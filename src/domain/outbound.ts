// Owns what an outbound attempt's ending means: its outcome from ACS's codes and the call's course, and whether to try again.
import type { Campaign, OutboundFailure } from '../flow/flow-schema';
import type { CallOutcome, CallState } from './call-state';

/**
 * ACS reports a failed outbound call with the SIP status in `resultInformation.code` (and 560 + that status in the
 * subCode for PSTN calls): 486 Busy Here, 603 Decline, and 408/480/487 for a phone nobody picked up.
 */
export function unansweredOutcome(code: number): OutboundFailure {
  switch (code) {
    case 486:
    case 600:
      return 'busy';
    case 603:
      return 'declined';
    case 408:
    case 480:
    case 487:
      return 'noAnswer';
    default:
      return 'failed';
  }
}

/** A route's result wins (a callee who confirmed and then hung up has confirmed); otherwise how the call went. */
export function attemptOutcome(state: CallState, ended: CallOutcome): string {
  if (state.outbound?.unanswered) return state.outbound.unanswered.outcome;
  if (state.result !== undefined) return state.result;
  switch (ended) {
    case 'abandoned':
      return 'hungUp';
    case 'failed':
      return 'failed';
    case 'completed':
      return 'noResponse';
    case 'transferred':
      return 'transferred';
  }
}

export type NextAttempt = { readonly kind: 'retry'; readonly attempt: number; readonly delaySeconds: number } | { readonly kind: 'final' };

/** Whether the campaign's retry policy tries again after an attempt that ended this way. */
export function nextAttempt(campaign: Campaign, outcome: string, attempt: number): NextAttempt {
  const retries = (campaign.retry.on as readonly string[]).includes(outcome);
  if (!retries || attempt >= campaign.retry.maxAttempts) return { kind: 'final' };
  return { kind: 'retry', attempt: attempt + 1, delaySeconds: campaign.retry.spacingSeconds };
}
