// Owns a front door for several local hosts: each request goes to one of them, as Azure spreads load over instances.
import { createServer, request as forward } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LISTEN_BACKLOG } from './functions-host';

export interface SpreadProxy {
  readonly url: string;
  /** Requests sent to each backend, in the order the backends were given. */
  readonly served: readonly number[];
  close(): Promise<void>;
}

/**
 * Listens on `port` and forwards each request, whole, to the backend `pick` chooses (an index into `backends`).
 * Nothing ties a call to one backend, so consecutive callbacks of one call land on different instances.
 */
export async function startSpreadProxy(port: number, backends: readonly string[], pick: () => number): Promise<SpreadProxy> {
  const served = backends.map(() => 0);
  const server = createServer((incoming, outgoing) => {
    const index = Math.min(backends.length - 1, Math.floor(pick() * backends.length));
    served[index] = (served[index] ?? 0) + 1;
    const target = new URL(incoming.url ?? '/', backends[index]);
    const upstream = forward(target, { method: incoming.method, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    upstream.on('error', (error) => {
      if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'text/plain' });
      outgoing.end(`backend ${index} failed: ${error.message}`);
    });
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', backlog: LISTEN_BACKLOG }, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
