// Owns the soak's record of every storage try, by the call partition it touched: what the app asked for, whether it
// reached Azurite and what came back, so a flagged call's report shows its writes next to its callbacks.
import type { PipelinePolicy, PipelineRequest } from '@azure/core-rest-pipeline';
import type { ExtraPolicy } from '../../src/app/composition-root';
import { operationOf, type StorageOperation } from '../local/storage-faults';

export interface StorageTry {
  /** Milliseconds since the trace started. */
  readonly atMs: number;
  readonly operation: StorageOperation;
  /** Row keys the try names: the entity's, or every sub-operation's in a transaction. */
  readonly rowKeys: readonly string[];
  /** What the app's client got: an HTTP status (a transaction's failed sub-response's, when one failed), or an error. */
  outcome: string;
  /** Whether the try reached Azurite (a fault can stop it before, or lose Azurite's answer after). */
  reached: boolean;
  /** What Azurite itself answered, when the try reached it. */
  stored?: string;
  durationMs: number;
}

/**
 * Two policies around the fault injection: the outer one sees what the app sees, the inner one what Azurite did. A
 * retry resends the same request object, so each try is paired through it.
 */
export class StorageTrace {
  /** When the trace started (epoch ms): each try's `atMs` counts from here. */
  readonly startedAt = Date.now();
  private readonly tries = new Map<string, StorageTry[]>();
  private readonly current = new WeakMap<PipelineRequest, StorageTry>();

  /** Goes before the fault injection in the client's policies. */
  readonly outer: ExtraPolicy = {
    position: 'perRetry',
    policy: {
      name: 'soakStorageTraceOuter',
      sendRequest: async (request, next) => {
        const operation = operationOf(request);
        const keys = operation && keysOf(request);
        if (!operation || !keys) return next(request);
        const entry: StorageTry = { atMs: Date.now() - this.startedAt, operation, rowKeys: keys.rowKeys, outcome: 'pending', reached: false, durationMs: 0 };
        this.current.set(request, entry);
        const list = this.tries.get(keys.partitionKey) ?? [];
        list.push(entry);
        this.tries.set(keys.partitionKey, list);
        try {
          const response = await next(request);
          entry.outcome = statusOf(response.status, response.bodyAsText);
          return response;
        } catch (error) {
          entry.outcome = error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 80) : 'error';
          throw error;
        } finally {
          entry.durationMs = Date.now() - this.startedAt - entry.atMs;
        }
      },
    } satisfies PipelinePolicy,
  };

  /** Goes after the fault injection: only tries that reach Azurite pass through it. */
  readonly inner: ExtraPolicy = {
    position: 'perRetry',
    policy: {
      name: 'soakStorageTraceInner',
      sendRequest: async (request, next) => {
        const entry = this.current.get(request);
        if (entry) entry.reached = true;
        const response = await next(request);
        if (entry) entry.stored = statusOf(response.status, response.bodyAsText);
        return response;
      },
    } satisfies PipelinePolicy,
  };

  /** Every try that touched the partition, in the order they started. */
  of(partitionKey: string): readonly StorageTry[] {
    return this.tries.get(partitionKey) ?? [];
  }
}

/** A transaction's status is 202 whatever happened; its failed sub-response says what did. */
function statusOf(status: number, body: string | null | undefined): string {
  if (status !== 202 || !body) return String(status);
  const failed = /HTTP\/1\.1 ([3-5]\d\d)/.exec(body);
  return failed ? `202/${failed[1]}` : '202';
}

function keysOf(request: PipelineRequest): { partitionKey: string; rowKeys: string[] } | undefined {
  const path = decodeURIComponent(new URL(request.url).pathname);
  const entity = /\(PartitionKey='(.*)',RowKey='(.*)'\)$/.exec(path);
  if (entity) return { partitionKey: unquote(entity[1] ?? ''), rowKeys: [unquote(entity[2] ?? '')] };
  if (typeof request.body !== 'string') return undefined;
  // A transaction's body: each sub-operation names its keys in its URL (update, delete) or its JSON (insert).
  const partitionKeys = [...request.body.matchAll(/"PartitionKey":"((?:[^"\\]|\\.)*)"|PartitionKey='((?:[^']|'')*)'/g)].map((m) => m[1] ?? unquote(m[2] ?? ''));
  const rowKeys = [...request.body.matchAll(/"RowKey":"((?:[^"\\]|\\.)*)"|RowKey='((?:[^']|'')*)'/g)].map((m) => m[1] ?? unquote(decodeURIComponent(m[2] ?? '')));
  const partitionKey = partitionKeys[0];
  return partitionKey === undefined ? undefined : { partitionKey: decodeURIComponent(partitionKey), rowKeys: [...new Set(rowKeys)] };
}

const unquote = (key: string) => key.replace(/''/g, "'");
