// Owns the emulator's HTTP plumbing shared by every route: reading a body, sending a JSON reply, headers and paths.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Sends `reply` as JSON (no body for 204); does nothing once headers have gone out. */
export function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent) return;
  const headers: Record<string, string> = { ...reply.headers };
  let payload = '';
  if (reply.body !== undefined && reply.status !== 204) {
    payload = JSON.stringify(reply.body);
    headers['content-type'] = 'application/json; charset=utf-8';
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(reply.status, headers);
  res.end(payload);
}

/**
 * Reads a whole stream (a request or a response) as UTF-8. A stream that fails mid-way yields what arrived, with
 * the error: the emulator judges a cut body as it is rather than losing the request.
 */
export function readAll(stream: Readable): Promise<{ text: string; error?: Error }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve({ text: Buffer.concat(chunks).toString('utf8') }));
    stream.on('error', (error) => resolve({ text: Buffer.concat(chunks).toString('utf8'), error }));
  });
}

/** Parsed JSON, or the raw text when it is not JSON, or undefined when empty. */
export function parseMaybeJson(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

export function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A path segment decoded, or left as it is when it is not valid percent-encoding (the route then 404s on it). */
export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
