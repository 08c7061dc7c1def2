// Owns outgoing HTTP POSTs (callbacks, Event Grid): node:http without keep-alive, so close() leaves no sockets behind.
import http from 'node:http';
import https from 'node:https';
import { readAll } from './http-io.js';

export interface PostResult {
  status: number; // 0 when the request never got a response
  body: string;
  error?: string;
}

export class HttpPoster {
  private readonly inFlight = new Set<http.ClientRequest>();
  private closed = false;

  post(url: string, body: string, headers: Record<string, string>, timeoutMs = 30_000): Promise<PostResult> {
    if (this.closed) return Promise.resolve({ status: 0, body: '', error: 'emulator closed' });
    return new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        resolve({ status: 0, body: '', error: `invalid URL ${url}` });
        return;
      }
      const transport = target.protocol === 'https:' ? https : http;
      const req = transport.request(
        target,
        {
          method: 'POST',
          agent: false,
          headers: { ...headers, 'content-length': Buffer.byteLength(body).toString() },
          timeout: timeoutMs,
        },
        (res) => {
          void readAll(res).then(({ text, error }) => {
            this.inFlight.delete(req);
            resolve(
              error === undefined
                ? { status: res.statusCode ?? 0, body: text }
                : { status: res.statusCode ?? 0, body: '', error: error.message },
            );
          });
        },
      );
      this.inFlight.add(req);
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (err) => {
        this.inFlight.delete(req);
        resolve({ status: 0, body: '', error: err.message });
      });
      req.end(body);
    });
  }

  close(): void {
    this.closed = true;
    for (const req of this.inFlight) req.destroy(new Error('emulator closed'));
    this.inFlight.clear();
  }
}
