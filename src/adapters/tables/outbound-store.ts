// Owns outbound requests in Table Storage: one row per request (ETag-guarded), and the rate limiter's time slots.
import { odata, TableClient, type TableEntity } from '@azure/data-tables';
import type { OutboundRequest, OutboundRequests, RequestStatus, StoredRequest } from '../../app/ports';
import { statusOf } from '../rest-errors';
import { deleteIfPresent } from './storage-failure';

const REQUEST_ROW = 'request';
const requestPartition = (id: string) => `outbound|${id}`;
const RATE_PARTITION = 'outbound-rate';
const OPERATION_TIMEOUT_MS = 2_000;
const SWEEP_TIMEOUT_MS = 10_000;

interface RequestEntity {
  request: string;
  status: string;
  updatedAt: string;
}

export class OutboundStore implements OutboundRequests {
  constructor(private readonly table: TableClient) {}

  /** Insert-if-absent: a repeated idempotency key finds the first request's row. */
  async create(request: OutboundRequest): Promise<'created' | 'exists'> {
    try {
      await this.table.createEntity(this.entity(request), this.options());
      return 'created';
    } catch (error) {
      if (statusOf(error) === 409) return 'exists';
      throw error;
    }
  }

  async load(id: string): Promise<StoredRequest | undefined> {
    try {
      const entity = await this.table.getEntity<RequestEntity>(requestPartition(id), REQUEST_ROW, this.options());
      return { request: JSON.parse(entity.request) as OutboundRequest, etag: entity.etag ?? '' };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** `conflict`: someone else changed the request since it was read; the caller reads again and decides afresh. */
  async replace(previous: StoredRequest, next: OutboundRequest): Promise<StoredRequest | 'conflict'> {
    try {
      const result = await this.table.updateEntity(this.entity(next), 'Replace', { ...this.options(), etag: previous.etag });
      return { request: next, etag: result.etag ?? '' };
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 || status === 404) return 'conflict';
      throw error;
    }
  }

  delete(id: string): Promise<void> {
    return deleteIfPresent(this.table, requestPartition(id), REQUEST_ROW, this.options().abortSignal);
  }

  /** Requests in one of these statuses, last changed before `before`: what the sweep checks for lost messages. */
  async findStale(statuses: readonly RequestStatus[], before: string): Promise<OutboundRequest[]> {
    const wanted = statuses.map((status) => odata`status eq ${status}`).join(' or ');
    const rows = this.table.listEntities<RequestEntity>({
      queryOptions: { filter: `${odata`RowKey eq ${REQUEST_ROW} and updatedAt lt ${before}`} and (${wanted})` },
      abortSignal: AbortSignal.timeout(SWEEP_TIMEOUT_MS),
    });
    const found: OutboundRequest[] = [];
    for await (const row of rows) found.push(JSON.parse(row.request) as OutboundRequest);
    return found;
  }

  /**
   * Takes one time slot of the rate limiter, if nobody has: an insert-if-absent is atomic across instances, so each
   * slot (1 / callsPerSecond long) starts at most one createCall anywhere.
   */
  async takeSlot(slot: number, at: string): Promise<boolean> {
    try {
      await this.table.createEntity({ partitionKey: RATE_PARTITION, rowKey: String(slot).padStart(16, '0'), at }, this.options());
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw error;
    }
  }

  private entity(request: OutboundRequest): TableEntity<RequestEntity> {
    return { partitionKey: requestPartition(request.id), rowKey: REQUEST_ROW, request: JSON.stringify(request), status: request.status, updatedAt: request.updatedAt };
  }

  private options() {
    return { abortSignal: AbortSignal.timeout(OPERATION_TIMEOUT_MS) };
  }
}
