// Owns counting the Table Storage and ACS requests each invocation sends, attributed through an async context.
import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';

export interface RequestCounts {
  tableReads: number;
  /** Inserts, updates and entity-group transactions: each is one request. */
  tableWrites: number;
  /** Writes the service refused (409 exists, 412 stale ETag): sent, but nothing written. */
  tableWritesRejected: number;
  acs: number;
}

export const noRequests = (): RequestCounts => ({ tableReads: 0, tableWrites: 0, tableWritesRejected: 0, acs: 0 });

const current = new AsyncLocalStorage<RequestCounts>();

/** Runs one invocation with its own counters; requests it sends, however deep, land in `counts`. */
export const countingInto = <T>(counts: RequestCounts, invoke: () => Promise<T>): Promise<T> => current.run(counts, invoke);

/**
 * Leaves nothing running between counted windows: on Node 20 an async context costs every promise something, and
 * timed windows must not pay for the benchmark's bookkeeping (the app's own use of one stays, as in production).
 */
export const stopCounting = () => current.disable();

/**
 * Table reads of the whole process, attributed or not: a plain counter costs timed windows nothing, so the load levels
 * can report reads per advancing callback without an async context.
 */
export const processTotals = { tableReads: 0 };

/** Placed on the TableClient per retry, so every attempt that goes on the wire is counted. */
export const tableRequestCounter: PipelinePolicy = {
  name: 'benchTableRequestCounter',
  sendRequest: async (request, next) => {
    if (request.method === 'GET') processTotals.tableReads += 1;
    const counts = current.getStore();
    if (counts && request.method === 'GET') counts.tableReads += 1;
    if (!counts || request.method === 'GET') return next(request);
    counts.tableWrites += 1;
    const response = await next(request);
    // A transaction answers 202 and reports a refused change inside its body, in the one sub-response that failed.
    if (response.status >= 400 || (response.status === 202 && /HTTP\/1\.1 4\d\d/.test(response.bodyAsText ?? ''))) counts.tableWritesRejected += 1;
    return response;
  },
};

/**
 * The app's CallAutomationClient takes no extra policy from outside, so ACS requests are counted where they leave
 * the process: Node's own diagnostics channel for outgoing HTTP requests, filtered to the emulator's address.
 */
export function countRequestsTo(acsOrigin: string): void {
  const { host } = new URL(acsOrigin);
  subscribe('http.client.request.start', (message) => {
    const { request } = message as { request: ClientRequest };
    const counts = current.getStore();
    if (counts && request.getHeader('host') === host) counts.acs += 1;
  });
}
