// Owns what every local HTTP server here does alike: read a request body up to a limit, and send a reply.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The body as text, or `undefined` once it is larger than `limit` bytes (the rest is not read). */
export async function readCapped(request: IncomingMessage, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A whole reply at once, with its length; `headers` add to (or replace) the content headers. */
export function sendText(response: ServerResponse, status: number, contentType: string, text: string, headers: Readonly<Record<string, string>> = {}): void {
  response.writeHead(status, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(text)), ...headers }).end(text);
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  sendText(response, status, 'application/json; charset=utf-8', JSON.stringify(body), headers);
}
