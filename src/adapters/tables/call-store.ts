// Owns call state in Table Storage: one partition per call, ETag-guarded writes, per-event marker rows.
import { randomUUID } from 'node:crypto';
import { SharedDeadline } from '../../app/shared-deadline';
import { odata, RestError, TableClient, TableTransaction, type TableEntity, type TableTransactionEntityResponse } from '@azure/data-tables';
import type { CallStorage, CleanupResult, CommitResult, IncomingCallClaim, StoredCall, WaitingCall, WaitingPhase } from '../../app/ports';
import type { CallState } from '../../domain/call-state';
import { isTimeout, statusOf } from '../rest-errors';
import { deleteIfPresent, isTableMissing, storageFailure, TableMissing } from './storage-failure';

const STATE_ROW = 'state';
const CLAIM_ROW = 'claim';
const markerRow = (eventId: string) => `evt|${eventId}`;
/** Incoming-call claims live beside the calls, keyed by the call's correlation id (not a phone number). */
const claimPartition = (correlationId: string) => `incoming|${correlationId}`;

/** Keeps a hung socket from eating the callback's time budget; the SDK's retries still apply per try. */
const OPERATION_TIMEOUT_MS = 2_000;
const OPERATION_DEADLINE = new SharedDeadline(OPERATION_TIMEOUT_MS);
/** Table Storage holds at most 64 KiB of UTF-16 in one string property: 32K characters. */
const MAX_STATE_CHARS = 32_000;
/** Reads of an event's marker when a commit's outcome is in doubt (each up to OPERATION_TIMEOUT_MS). */
const MARKER_READS = 2;
/** Tries of an incoming-call claim whose insert timed out (each up to OPERATION_TIMEOUT_MS). */
const CLAIM_ATTEMPTS = 3;
/** A sweep's whole scan must end, or one hung page would stall every later sweep (timer runs never overlap). */
const WATCHDOG_SCAN_TIMEOUT_MS = 10_000;
const RETENTION_SCAN_TIMEOUT_MS = 5 * 60_000;
/** An entity-group transaction holds at most 100 operations. */
const MAX_TRANSACTION_OPERATIONS = 100;
/** Calls cleaned up at once by retention: enough to finish a backlog, few enough not to flood the partition servers. */
const CLEANUP_CONCURRENCY = 25;

/** A call's state that no longer fits its row: a flow or input far beyond what the hotline is built for. */
export class StateTooLarge extends Error {
  constructor(callConnectionId: string, length: number) {
    super(`state of call ${callConnectionId} is ${length} characters, more than the ${MAX_STATE_CHARS} a row property holds`);
    this.name = 'StateTooLarge';
  }
}

interface StateEntity {
  state: string;
  phase: string;
  updatedAt: string;
  /** The call's flow version as a column, so retention can see which versions live calls use without reading states. */
  flowVersion?: string;
}

type ClaimEntity = IncomingCallClaim & { writer: string; at: string };

const WAITING_PHASES: readonly WaitingPhase[] = ['connecting', 'awaitingInput', 'playing', 'transferring', 'hangingUp'];

export class CallStore implements CallStorage {
  constructor(private readonly table: TableClient) {}

  async load(callConnectionId: string): Promise<StoredCall | undefined> {
    const entity = await this.getEntity<StateEntity>(callConnectionId, STATE_ROW);
    return entity && { state: JSON.parse(entity.state) as CallState, etag: entity.etag ?? '' };
  }

  /**
   * Insert-if-absent: the answer's response and an early callback may both try to start the call. The insert's
   * response carries the row's ETag, so the caller needs no read to go on from what it created.
   */
  async create(state: CallState, at: string): Promise<{ readonly kind: 'created'; readonly stored: StoredCall } | { readonly kind: 'exists' }> {
    try {
      const created = await this.table.createEntity(this.stateEntity(state, at), this.options());
      return { kind: 'created', stored: { state, etag: created.etag ?? '' } };
    } catch (error) {
      if (statusOf(error) === 409) return { kind: 'exists' };
      throw error;
    }
  }

  /**
   * Saves the next state and the event's marker in one transaction, so a replayed event commits nothing
   * and a stale ETag rolls the marker back.
   */
  async commit(previous: StoredCall, next: CallState, eventId: string, at: string): Promise<CommitResult> {
    return (await this.commitRow(previous, next, eventId, at)).result;
  }

  /** `commit`, with the row as written when the response names its new ETag (a cache can go on from it unread). */
  protected async commitRow(previous: StoredCall, next: CallState, eventId: string, at: string): Promise<{ readonly result: CommitResult; readonly stored?: StoredCall }> {
    const writer = randomUUID();
    const transaction = new TableTransaction();
    transaction.updateEntity(this.stateEntity(next, at), 'Replace', { etag: previous.etag });
    transaction.createEntity({ partitionKey: next.callConnectionId, rowKey: markerRow(eventId), writer, at });
    try {
      // The state row's update is the transaction's first operation, so its sub-response comes first.
      const etag = (await this.submit(transaction))[0]?.etag;
      return { result: 'committed', ...(etag ? { stored: { state: next, etag } } : {}) };
    } catch (error) {
      const refused = isRefusal(error);
      if (!refused && !mayHaveLanded(error)) throw error;
      // A 409/412 after an SDK retry can hide our own landed write, and so can a timeout or a 5xx that ended the
      // retries: the marker tells whose it is. Unresolved, the callback would answer 503 and its redelivery find the
      // event already applied and ignore it, so the transition's actions would never run (issue 13's burst soak).
      const marker = await this.markerOf(next.callConnectionId, eventId);
      if (marker) return { result: marker.writer === writer ? 'committed' : 'duplicate' };
      if (refused) return { result: 'conflict' };
      throw error;
    }
  }

  /**
   * The event's marker, read more than once: it is read when storage is already failing, and a read that fails too
   * would leave a landed commit unknown (its actions never run). Each read has its own deadline.
   */
  private async markerOf(callConnectionId: string, eventId: string): Promise<{ writer?: string } | undefined> {
    for (let read = 1; ; read++) {
      try {
        return await this.getEntity<{ writer?: string }>(callConnectionId, markerRow(eventId));
      } catch (error) {
        if (read >= MARKER_READS || isTableMissing(error) || storageFailure(error) === undefined) throw error;
      }
    }
  }

  /**
   * Whether `stored` is a kept copy rather than the row as read: a decision that writes nothing (an ignored event)
   * has no ETag to guard it, so it must be made on the row. A kept copy is dropped here; this store keeps none.
   */
  distrust(stored: StoredCall): boolean {
    void stored;
    return false;
  }

  /**
   * Insert-if-absent, so a redelivered IncomingCall is not answered twice. Two cases look like a duplicate but are
   * not: our own insert landed behind a lost response (the writer id says so), and an owner that died before
   * answering, whose claim is still `answering` after its deadline (at `at`). A claim whose owner handed it over
   * (throttled, timed out) is taken at once.
   */
  async claimIncomingCall(claim: IncomingCallClaim, at: string): Promise<'claimed' | 'duplicate'> {
    const entity: TableEntity<ClaimEntity> = { partitionKey: claimPartition(claim.correlationId), rowKey: CLAIM_ROW, ...claim, writer: randomUUID(), at };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.table.createEntity(entity, this.options());
        return 'claimed';
      } catch (error) {
        if (statusOf(error) === 409) break;
        // Event Grid's own retry is 10 s away, a third of the ring: a hung insert is tried again here instead. It may
        // have landed, which the writer id shows on the next try.
        if (!isTimeout(error) || attempt >= CLAIM_ATTEMPTS) throw error;
      }
    }
    const existing = await this.getEntity<ClaimEntity>(entity.partitionKey, CLAIM_ROW);
    if (existing?.writer === entity.writer) return 'claimed';
    const ownerGone = existing?.status === 'answering' && (existing.deadline ?? legacyDeadline(existing.at)) < at;
    const handedOver = existing?.status === 'answerThrottled' || existing?.status === 'answerTimedOut';
    if (!existing || (!ownerGone && !handedOver)) return 'duplicate';
    try {
      await this.table.updateEntity(entity, 'Replace', { ...this.options(), etag: existing.etag ?? '' });
      return 'claimed';
    } catch (error) {
      const status = statusOf(error);
      if ((status !== 412 && status !== 404) || isTableMissing(error)) throw error;
      return (await this.getEntity<ClaimEntity>(entity.partitionKey, CLAIM_ROW))?.writer === entity.writer ? 'claimed' : 'duplicate';
    }
  }

  async loadClaim(correlationId: string): Promise<IncomingCallClaim | undefined> {
    const entity = await this.getEntity<ClaimEntity>(claimPartition(correlationId), CLAIM_ROW);
    if (!entity) return undefined;
    const { correlationId: id, eventId, callerPseudonym, callerSealed, status, callConnectionId, deadline } = entity;
    return { correlationId: id, eventId, callerPseudonym, callerSealed, status, ...(callConnectionId ? { callConnectionId } : {}), ...(deadline ? { deadline } : {}) };
  }

  /** Status changes of a claim are single-writer (the answering invocation), so a merge is enough. */
  async updateClaim(correlationId: string, change: Pick<IncomingCallClaim, 'status'> & { callConnectionId?: string; deadline?: string }): Promise<void> {
    await this.table.updateEntity({ partitionKey: claimPartition(correlationId), rowKey: CLAIM_ROW, ...change }, 'Merge', this.options());
  }

  /** Calls that have been waiting in a phase since before that phase's cutoff (an ISO time): the watchdog's query. */
  async findWaiting(cutoffs: Readonly<Record<WaitingPhase, string>>): Promise<WaitingCall[]> {
    const phases = WAITING_PHASES.map((phase) => odata`(phase eq ${phase} and updatedAt lt ${cutoffs[phase]})`).join(' or ');
    const found: WaitingCall[] = [];
    const rows = this.table.listEntities<StateEntity>({
      queryOptions: { filter: `${odata`RowKey eq ${STATE_ROW}`} and (${phases})` },
      abortSignal: AbortSignal.timeout(WATCHDOG_SCAN_TIMEOUT_MS),
    });
    for await (const row of rows) {
      const { phase, flowVersion } = JSON.parse(row.state) as CallState;
      if (!isWaitingPhase(phase.name)) continue;
      found.push({
        callConnectionId: row.partitionKey ?? '',
        phase: phase.name,
        operationContext: 'operationContext' in phase ? phase.operationContext : undefined,
        menuId: 'menuId' in phase ? phase.menuId : undefined,
        updatedAt: row.updatedAt,
        flowVersion,
      });
    }
    return found;
  }

  /**
   * Deletes every row of calls that ended (or went quiet) before `cutoff`, and incoming-call claims older than it.
   * Per partition, in transactions of at most 100 rows, the state row in the last one: a half-finished cleanup
   * still shows as finished and the next run completes it. Only calls the query found finished are touched; nothing
   * writes to a call a day after it finished, so no ETag guard is needed (transactions cannot carry one on a delete).
   */
  async deleteFinished(cutoff: string, abandonedBefore: string): Promise<CleanupResult> {
    let calls = 0;
    let rows = 0;
    const finished = odata`RowKey eq ${STATE_ROW} and updatedAt lt ${cutoff} and (phase eq ${'ended'} or phase eq ${'transferred'} or updatedAt lt ${abandonedBefore})`;
    for await (const page of this.pagesOf(finished)) {
      for (const deleted of await Promise.all(page.map((partitionKey) => this.deletePartition(partitionKey)))) {
        calls += 1;
        rows += deleted;
      }
    }
    let claims = 0;
    for await (const page of this.pagesOf(odata`RowKey eq ${CLAIM_ROW} and at lt ${cutoff}`)) {
      await Promise.all(page.map((partitionKey) => deleteIfPresent(this.table, partitionKey, CLAIM_ROW, this.options().abortSignal)));
      claims += page.length;
    }
    return { calls, claims, rows: rows + claims };
  }

  /** Partition keys of the rows a filter finds, a page at a time (a page is cleaned up concurrently). */
  private async *pagesOf(filter: string): AsyncGenerator<string[]> {
    const rows = this.table.listEntities({ queryOptions: { filter, select: ['PartitionKey'] }, abortSignal: AbortSignal.timeout(RETENTION_SCAN_TIMEOUT_MS) });
    for await (const page of rows.byPage({ maxPageSize: CLEANUP_CONCURRENCY })) yield page.map((row) => row.partitionKey ?? '');
  }

  private async deletePartition(partitionKey: string): Promise<number> {
    const rowKeys: string[] = [];
    for await (const row of this.table.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${partitionKey}`, select: ['RowKey'] }, ...this.options() })) {
      if (row.rowKey !== undefined && row.rowKey !== STATE_ROW) rowKeys.push(row.rowKey);
    }
    rowKeys.push(STATE_ROW);
    for (let start = 0; start < rowKeys.length; start += MAX_TRANSACTION_OPERATIONS) {
      const transaction = new TableTransaction();
      for (const rowKey of rowKeys.slice(start, start + MAX_TRANSACTION_OPERATIONS)) transaction.deleteEntity(partitionKey, rowKey);
      await this.submit(transaction);
    }
    return rowKeys.length;
  }

  /** A transaction's failure can come back as a sub-response instead of a thrown error. */
  private async submit(transaction: TableTransaction): Promise<readonly TableTransactionEntityResponse[]> {
    const response = await this.table.submitTransaction(transaction.actions, this.options());
    const failed = response.subResponses.find((sub) => sub.status >= 300);
    if (failed) throw new RestError('transaction failed', { statusCode: failed.status });
    return response.subResponses;
  }

  private stateEntity(state: CallState, at: string): TableEntity<StateEntity> {
    const json = JSON.stringify(state);
    // Azurite accepts what the service refuses (a string over 32K characters), so the limit is checked here.
    if (json.length > MAX_STATE_CHARS) throw new StateTooLarge(state.callConnectionId, json.length);
    return {
      partitionKey: state.callConnectionId,
      rowKey: STATE_ROW,
      state: json,
      phase: state.phase.name,
      updatedAt: at,
      ...(state.flowVersion === undefined ? {} : { flowVersion: state.flowVersion }),
    };
  }

  private async getEntity<T extends object>(partitionKey: string, rowKey: string): Promise<(T & { etag?: string }) | undefined> {
    try {
      return await this.table.getEntity<T>(partitionKey, rowKey, this.options());
    } catch (error) {
      if (isTableMissing(error)) throw new TableMissing(error);
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  private options() {
    return { abortSignal: OPERATION_DEADLINE.signal() };
  }
}

/** The table refused the write as it stood (a stale ETag, an existing marker): nothing of this try landed. */
const isRefusal = (error: unknown) => statusOf(error) === 409 || statusOf(error) === 412;

/**
 * A write that failed this way may still have been carried out: it timed out, or the connection broke, or the service
 * answered 5xx (an earlier try may have landed behind a lost response, the SDK's later tries failing). A missing table
 * is an outage in which nothing was written.
 */
const mayHaveLanded = (error: unknown) => {
  const failure = storageFailure(error);
  return failure !== undefined && failure !== 'tableMissing';
};

/** Claims written before owners recorded their deadline were taken over 10 s after they were made. */
const legacyDeadline = (at: string) => new Date(Date.parse(at) + 10_000).toISOString();

const isWaitingPhase = (phase: string): phase is WaitingPhase => (WAITING_PHASES as readonly string[]).includes(phase);
