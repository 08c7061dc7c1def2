// Owns storage fault injection for tests and the soak: a pipeline policy on the Table Storage client that fails chosen
// operations the way the service and the network do (Azurite never does). Local tooling only; never in src.
import { createHttpHeaders, RestError, type PipelinePolicy, type PipelineRequest, type PipelineResponse, type SendRequest } from '@azure/core-rest-pipeline';
import type { ExtraPolicy } from '../../src/app/composition-root';

export type StorageOperation = 'read' | 'query' | 'insert' | 'update' | 'delete' | 'transaction';

/**
 * - `unavailable`: 503 Server Busy before the request reaches storage (nothing written).
 * - `lostResponse`: the request reaches storage and takes effect, then the client sees a 503 (the SDK retries it).
 * - `hang`: no answer until the operation's abort signal fires.
 * - `reset`: the connection drops before the request is sent (ECONNRESET, retried by the SDK).
 */
export type StorageFault = 'unavailable' | 'lostResponse' | 'hang' | 'reset';

export interface StorageFaultRule {
  readonly fault: StorageFault;
  /** Which operations it hits; all of them when omitted. */
  readonly operations?: readonly StorageOperation[];
  /** How many matching tries fail; default 1, or unlimited with `probability`. */
  readonly times?: number;
  /** Each matching try fails with this probability (0-1) instead of always. */
  readonly probability?: number;
  /** Let this many matching tries through first (e.g. the claim's insert, to fail the state row's insert after it). */
  readonly skip?: number;
}

interface ActiveRule {
  readonly rule: StorageFaultRule;
  remaining: number;
  skip: number;
}

/** A hung request that nobody aborts still ends, so a forgotten fault cannot keep a test process alive. */
const LONGEST_HANG_MS = 60_000;

export class StorageFaults {
  private rules: ActiveRule[] = [];
  /** Faults injected so far, by kind and by operation. */
  readonly injected = new Map<string, number>();
  /** Tries of storage operations the policy saw, faulted or not. */
  tries = 0;

  constructor(private readonly random: () => number = Math.random) {}

  /** Per retry, so each of the SDK's tries can fail on its own, as on the wire. */
  readonly extraPolicy: ExtraPolicy = {
    position: 'perRetry',
    policy: { name: 'storageFaultInjection', sendRequest: (request, next) => this.send(request, next) } satisfies PipelinePolicy,
  };

  inject(rule: StorageFaultRule): void {
    if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) throw new Error('probability must be between 0 and 1');
    this.rules.push({ rule, remaining: rule.times ?? (rule.probability === undefined ? 1 : Infinity), skip: rule.skip ?? 0 });
  }

  clear(): void {
    this.rules = [];
  }

  count(fault?: StorageFault): number {
    let total = 0;
    for (const [key, value] of this.injected) if (fault === undefined || key.startsWith(`${fault} `)) total += value;
    return total;
  }

  private async send(request: PipelineRequest, next: SendRequest): Promise<PipelineResponse> {
    const operation = operationOf(request);
    if (operation) this.tries += 1;
    const active = operation && this.take(operation);
    if (!operation || !active) return next(request);
    const key = `${active.rule.fault} ${operation}`;
    this.injected.set(key, (this.injected.get(key) ?? 0) + 1);
    switch (active.rule.fault) {
      case 'unavailable':
        return serverBusy(request);
      case 'lostResponse':
        await next(request);
        return serverBusy(request);
      case 'reset':
        throw new RestError('read ECONNRESET', { code: 'ECONNRESET', request });
      case 'hang':
        return hang(request);
    }
  }

  private take(operation: StorageOperation): ActiveRule | undefined {
    const found = this.rules.find((active) => {
      if (active.rule.operations !== undefined && !active.rule.operations.includes(operation)) return false;
      if (active.skip > 0) {
        active.skip -= 1;
        return false;
      }
      return active.rule.probability === undefined || this.random() < active.rule.probability;
    });
    if (found && --found.remaining <= 0) this.rules = this.rules.filter((active) => active !== found);
    return found;
  }
}

/** Which Table Storage operation a request is; table management (`/Tables`) is never faulted. */
export function operationOf(request: PipelineRequest): StorageOperation | undefined {
  const path = decodeURIComponent(new URL(request.url).pathname);
  if (/\/Tables(\(|$)/.test(path)) return undefined;
  if (path.endsWith('/$batch')) return 'transaction';
  const entity = /\(PartitionKey='.*',RowKey='.*'\)$/.test(path);
  switch (request.method) {
    case 'GET':
      return entity ? 'read' : 'query';
    case 'POST':
      return 'insert';
    case 'PUT':
    case 'PATCH':
      return 'update';
    case 'DELETE':
      return 'delete';
    case 'HEAD':
    case 'OPTIONS':
    case 'TRACE':
      return undefined;
  }
}

function serverBusy(request: PipelineRequest): PipelineResponse {
  const body = JSON.stringify({ 'odata.error': { code: 'ServerBusy', message: { lang: 'en-US', value: 'The server is busy.' } } });
  return { request, status: 503, headers: createHttpHeaders({ 'content-type': 'application/json;odata=minimalmetadata', 'x-ms-error-code': 'ServerBusy' }), bodyAsText: body };
}

function hang(request: PipelineRequest): Promise<never> {
  return new Promise((_, reject) => {
    const aborted = () => {
      clearTimeout(timer);
      reject(Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' }));
    };
    const timer = setTimeout(aborted, LONGEST_HANG_MS);
    if (request.abortSignal?.aborted) aborted();
    request.abortSignal?.addEventListener('abort', aborted, { once: true });
  });
}
