// Owns the HTTP triggers' bodies: read up to a limit without buffering the rest, and answered as JSON.
import type { HttpRequest, HttpResponseInit } from '@azure/functions';

export const json = (status: number, body: unknown): HttpResponseInit => ({ status, jsonBody: body });

export type JsonBody = { readonly kind: 'json'; readonly value: unknown } | { readonly kind: 'tooLarge' } | { readonly kind: 'notJson' };

/** The body parsed as JSON, read up to `limit` bytes. */
export async function readJson(request: HttpRequest, limit: number): Promise<JsonBody> {
  const text = await readCapped(request, limit);
  if (text === undefined) return { kind: 'tooLarge' };
  try {
    return { kind: 'json', value: JSON.parse(text) as unknown };
  } catch {
    return { kind: 'notJson' };
  }
}

/** Reads at most `limit` bytes; `undefined` once the body is larger, without buffering the rest. */
async function readCapped(request: HttpRequest, limit: number): Promise<string | undefined> {
  if (!request.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
