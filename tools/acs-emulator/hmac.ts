// Owns HMAC-SHA256 request verification exactly as the SDK signs (acs-wire.md section 2).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type HmacVerdict = { ok: true } | { ok: false; reason: string };

const AUTH_PATTERN = /^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=(.+)$/;

export function contentHash(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('base64');
}

/**
 * `requestUrl` is the raw request target (path + query) as received; it is re-serialised the way
 * the SDK does (`URLSearchParams.toString()`), so an equivalent encoding still verifies.
 */
export function verifyHmac(
  method: string,
  requestUrl: string,
  headers: IncomingHttpHeaders,
  rawBody: string,
  accessKeyBase64: string,
): HmacVerdict {
  const authorization = headerValue(headers, 'authorization');
  const date = headerValue(headers, 'x-ms-date');
  const claimedHash = headerValue(headers, 'x-ms-content-sha256');
  // The signature covers the Host header the client sent, not the address we bound to.
  const host = headerValue(headers, 'host');
  if (authorization === undefined) return { ok: false, reason: 'missing Authorization header' };
  const match = AUTH_PATTERN.exec(authorization);
  if (!match?.[1]) return { ok: false, reason: 'Authorization is not an HMAC-SHA256 signature' };
  if (date === undefined) return { ok: false, reason: 'missing x-ms-date header' };
  if (claimedHash === undefined) return { ok: false, reason: 'missing x-ms-content-sha256 header' };
  if (host === undefined) return { ok: false, reason: 'missing Host header' };
  if (claimedHash !== contentHash(rawBody)) return { ok: false, reason: 'x-ms-content-sha256 does not match the body' };

  const expected = signature(method, new URL(requestUrl, 'http://placeholder'), { date, host, hash: claimedHash }, accessKeyBase64);
  const given = Buffer.from(match[1], 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'signature does not match' };
  }
  return { ok: true };
}

/** Signs a request the way the SDK does; used by tests and tools that talk to the emulator without the SDK. */
export function signRequest(
  method: string,
  url: URL,
  rawBody: string,
  accessKeyBase64: string,
  date: Date = new Date(),
): Record<string, string> {
  const hash = contentHash(rawBody);
  const utcNow = date.toUTCString();
  const signed = signature(method, url, { date: utcNow, host: url.host, hash }, accessKeyBase64).toString('base64');
  return {
    'x-ms-date': utcNow,
    'x-ms-content-sha256': hash,
    authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signed}`,
  };
}

/** The string the SDK signs: method, path and query (re-serialised as the SDK does), then the three signed headers. */
function signature(method: string, url: URL, signed: { date: string; host: string; hash: string }, accessKeyBase64: string): Buffer {
  const query = url.searchParams.toString();
  const pathAndQuery = url.pathname + (query ? `?${query}` : '');
  const stringToSign = `${method.toUpperCase()}\n${pathAndQuery}\n${signed.date};${signed.host};${signed.hash}`;
  return createHmac('sha256', Buffer.from(accessKeyBase64, 'base64')).update(stringToSign, 'utf8').digest();
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
