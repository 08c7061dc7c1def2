// Owns binding each callback URL to its call: an HMAC of the call's correlation id in the URL given to answerCall.
// ACS's token covers neither the body nor the URL and is valid for every call of the resource for five minutes, so the
// token alone would let traffic taken from one call drive another. The signature is checked in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CallBindings } from '../../app/ports';
import { isSafeKey } from '../wire-id';

/** The query parameters of a callback URL. The Functions host strips query strings from its request telemetry. */
export const CALL_PARAMETER = 'call';
export const SIGNATURE_PARAMETER = 'sig';

/**
 * An outbound call's callbacks are bound to its request: its correlation id does not exist yet when createCall is given
 * the URL. The prefix cannot begin a correlation id (a GUID), so the two kinds of subject never meet.
 */
const OUTBOUND_PREFIX = 'outbound-request.';
export const outboundBindingSubject = (requestId: string) => `${OUTBOUND_PREFIX}${requestId}`;
/** The request an outbound binding names, or `undefined` for an answered call's binding. */
export const outboundRequestOf = (subject: string) => (subject.startsWith(OUTBOUND_PREFIX) ? subject.slice(OUTBOUND_PREFIX.length) : undefined);

export type BindingResult = { readonly ok: true; readonly correlationId: string } | { readonly ok: false; readonly reason: string };

export class CallbackBinding implements CallBindings {
  constructor(
    private readonly key: Buffer,
    /** The callback endpoint, without a query string. */
    private readonly endpoint: string,
  ) {}

  /** The URL ACS is told to post this call's callbacks to. */
  urlFor(correlationId: string): string {
    const query = new URLSearchParams({ [CALL_PARAMETER]: correlationId, [SIGNATURE_PARAMETER]: this.signature(correlationId) });
    return `${this.endpoint}?${query.toString()}`;
  }

  outboundRequestOf(subject: string): string | undefined {
    return outboundRequestOf(subject);
  }

  /** Which call a callback's URL was issued for, if its signature is ours. Never says why a signature was wrong. */
  verify(url: string): BindingResult {
    const query = new URL(url, 'http://callback.invalid').searchParams;
    const correlationId = query.get(CALL_PARAMETER);
    const signature = query.get(SIGNATURE_PARAMETER);
    if (correlationId === null || signature === null) return { ok: false, reason: 'callback URL without its call binding' };
    if (!isSafeKey(correlationId)) return { ok: false, reason: 'callback URL names a malformed call' };
    const expected = Buffer.from(this.signature(correlationId));
    const given = Buffer.from(signature);
    // The length of a signature is public; only its content is compared in constant time.
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'callback URL binding is invalid' };
    return { ok: true, correlationId };
  }

  private signature(correlationId: string): string {
    return createHmac('sha256', this.key).update(`callback:${correlationId}`).digest('base64url');
  }
}
