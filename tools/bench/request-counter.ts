// Owns counting the Table Storage and ACS requests each invocation sends, attributed through an async context.
import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';

export interface RequestCounts {
  tableReads: number;
  /** Inserts, updates and entity-group transactions: each is one request. */
  tableWrites: number;
  acs: number;
}

export const noRequests = (): RequestCounts => ({ tableReads: 0, tableWrites: 0, acs: 0 });

const current = new AsyncLocalStorage<RequestCounts>();

/** Runs one invocation with its own counters; requests it sends, however deep, land in `counts`. */
export const countingInto = <T>(counts: RequestCounts, invoke: () => Promise<T>): Promise<T> => current.run(counts, invoke);

/** Placed on the TableClient per retry, so every attempt that goes on the wire is counted. */
export const tableRequestCounter: PipelinePolicy = {
  name: 'benchTableRequestCounter',
  sendRequest: (request, next) => {
    const counts = current.getStore();
    if (counts) {
      if (request.method === 'GET') counts.tableReads += 1;
      else counts.tableWrites += 1;
    }
    return next(request);
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
