// Owns call state in Table Storage: one partition per call, ETag-guarded writes, per-event marker rows.
import { randomUUID } from 'node:crypto';
import { RestError, TableClient, TableTransaction, type TableEntity } from '@azure/data-tables';
import type { CallState } from '../../domain/call-state';

const STATE_ROW = 'state';
const CLAIM_ROW = 'claim';
const markerRow = (eventId: string) => `evt|${eventId}`;
/** Incoming-call claims live beside the calls, keyed by the call's correlation id (not a phone number). */
const claimPartition = (correlationId: string) => `incoming|${correlationId}`;

/** Keeps a hung socket from eating the callback's time budget; the SDK's retries still apply per try. */
const OPERATION_TIMEOUT_MS = 2_000;

export interface StoredCall {
  readonly state: CallState;
  readonly etag: string;
}

/** `mine` means our own write landed although the client saw an error (a lost response, then 409/412 on retry). */
export type CommitResult = 'committed' | 'duplicate' | 'conflict';

export interface IncomingCallClaim {
  readonly correlationId: string;
  readonly eventId: string;
  readonly callerPseudonym: string;
  readonly callerSealed: string;
  readonly status: 'answering' | 'answered' | 'answerFailed';
  readonly callConnectionId?: string;
}

/** Table keys forbid `/ \ # ?` and control characters; ids from the wire are checked before use. */
const FORBIDDEN_KEY_CHARACTER = /[/\\#?\p{Cc}]/u;
export const isSafeKey = (value: string) => value.length > 0 && value.length <= 512 && !FORBIDDEN_KEY_CHARACTER.test(value);

interface StateEntity {
  state: string;
  phase: string;
  updatedAt: string;
}

export class CallStore {
  constructor(private readonly table: TableClient) {}

  async load(callConnectionId: string): Promise<StoredCall | undefined> {
    const entity = await this.getEntity<StateEntity>(callConnectionId, STATE_ROW);
    return entity && { state: JSON.parse(entity.state) as CallState, etag: entity.etag ?? '' };
  }

  /** Insert-if-absent: the answer's response and an early callback may both try to start the call. */
  async create(state: CallState, at: string): Promise<'created' | 'exists'> {
    try {
      await this.table.createEntity(this.stateEntity(state, at), this.options());
      return 'created';
    } catch (error) {
      if (statusOf(error) === 409) return 'exists';
      throw error;
    }
  }

  /**
   * Saves the next state and the event's marker in one transaction, so a replayed event commits nothing
   * and a stale ETag rolls the marker back.
   */
  async commit(previous: StoredCall, next: CallState, eventId: string, at: string): Promise<CommitResult> {
    const writer = randomUUID();
    const transaction = new TableTransaction();
    transaction.updateEntity(this.stateEntity(next, at), 'Replace', { etag: previous.etag });
    transaction.createEntity({ partitionKey: next.callConnectionId, rowKey: markerRow(eventId), writer, at });
    try {
      const response = await this.table.submitTransaction(transaction.actions, this.options());
      const failed = response.subResponses.find((sub) => sub.status >= 300);
      if (failed) throw new RestError('transaction failed', { statusCode: failed.status });
      return 'committed';
    } catch (error) {
      const status = statusOf(error);
      if (status !== 409 && status !== 412) throw error;
      // A 409/412 after an SDK retry can hide our own landed write: the marker tells whose it is.
      const marker = await this.getEntity<{ writer?: string }>(next.callConnectionId, markerRow(eventId));
      if (marker) return marker.writer === writer ? 'committed' : 'duplicate';
      return 'conflict';
    }
  }

  async wasApplied(callConnectionId: string, eventId: string): Promise<boolean> {
    return (await this.getEntity(callConnectionId, markerRow(eventId))) !== undefined;
  }

  async claimIncomingCall(claim: IncomingCallClaim, at: string): Promise<'claimed' | 'duplicate'> {
    try {
      await this.table.createEntity({ partitionKey: claimPartition(claim.correlationId), rowKey: CLAIM_ROW, ...claim, at }, this.options());
      return 'claimed';
    } catch (error) {
      if (statusOf(error) === 409) return 'duplicate';
      throw error;
    }
  }

  async loadClaim(correlationId: string): Promise<IncomingCallClaim | undefined> {
    const entity = await this.getEntity<IncomingCallClaim & { at: string }>(claimPartition(correlationId), CLAIM_ROW);
    if (!entity) return undefined;
    const { correlationId: id, eventId, callerPseudonym, callerSealed, status, callConnectionId } = entity;
    return { correlationId: id, eventId, callerPseudonym, callerSealed, status, ...(callConnectionId ? { callConnectionId } : {}) };
  }

  /** Status changes of a claim are single-writer (the answering invocation), so a merge is enough. */
  async updateClaim(correlationId: string, change: Pick<IncomingCallClaim, 'status'> & { callConnectionId?: string }): Promise<void> {
    await this.table.updateEntity({ partitionKey: claimPartition(correlationId), rowKey: CLAIM_ROW, ...change }, 'Merge', this.options());
  }

  private stateEntity(state: CallState, at: string): TableEntity<StateEntity> {
    return { partitionKey: state.callConnectionId, rowKey: STATE_ROW, state: JSON.stringify(state), phase: state.phase.name, updatedAt: at };
  }

  private async getEntity<T extends object>(partitionKey: string, rowKey: string): Promise<(T & { etag?: string }) | undefined> {
    try {
      return await this.table.getEntity<T>(partitionKey, rowKey, this.options());
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  private options() {
    return { abortSignal: AbortSignal.timeout(OPERATION_TIMEOUT_MS) };
  }
}

export function statusOf(error: unknown): number | undefined {
  if (error instanceof RestError) return error.statusCode;
  if (typeof error === 'object' && error !== null && 'statusCode' in error && typeof error.statusCode === 'number') return error.statusCode;
  return undefined;
}
