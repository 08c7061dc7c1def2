// Owns the in-process copy of call rows: the state and ETag this instance wrote last, the precondition of its next write.
import { LRUCache } from 'lru-cache';
import type { TableClient } from '@azure/data-tables';
import type { CallState } from '../../domain/call-state';
import type { CommitResult, StoredCall } from '../../app/ports';
import { statusOf } from '../rest-errors';
import { CallStore } from './call-store';

export interface CacheLimits {
  readonly maxEntries: number;
  /** Of the states' JSON, counted as UTF-16 code units (two bytes each). */
  readonly maxBytes: number;
}

/** A few thousand calls at a few hundred bytes each: well below a Flex instance's memory, and every live call fits. */
export const DEFAULT_CACHE_LIMITS: CacheLimits = { maxEntries: 5_000, maxBytes: 8 * 1024 * 1024 };

export interface CacheStats {
  hits: number;
  misses: number;
  /** Writes on a kept copy that another write had overtaken (412): the shell read the row and decided again. */
  refused: number;
  /** Ignores decided on a kept copy, decided again on the row. */
  rechecked: number;
}

/**
 * A call store that keeps the row each write left, so the next callback for that call on this instance decides and
 * writes without reading. Correctness stays with the ETag: when another instance wrote in between, the write is
 * refused (412), the copy is dropped and the shell reads the row and decides again. Only decisions that write
 * nothing are not guarded by the ETag, so those are made on the row (`distrust`).
 */
export class CachedCallStore extends CallStore {
  private readonly rows: LRUCache<string, StoredCall>;
  /** The objects `load` handed out from the cache, as opposed to read from the table. */
  private readonly handedOut = new WeakSet<StoredCall>();
  readonly stats: CacheStats = { hits: 0, misses: 0, refused: 0, rechecked: 0 };

  constructor(table: TableClient, limits: CacheLimits = DEFAULT_CACHE_LIMITS) {
    super(table);
    this.rows = new LRUCache<string, StoredCall>({
      max: limits.maxEntries,
      maxSize: limits.maxBytes,
      sizeCalculation: (stored) => 2 * (stateLength(stored.state) + stored.etag.length),
    });
  }

  override async load(callConnectionId: string): Promise<StoredCall | undefined> {
    const kept = this.rows.get(callConnectionId);
    if (kept) {
      this.stats.hits++;
      // A fresh object per hit, so that distrusting one hand-out never mistakes a later read for it.
      const handed = { ...kept };
      this.handedOut.add(handed);
      return handed;
    }
    this.stats.misses++;
    const loaded = await super.load(callConnectionId);
    if (loaded) this.keep(loaded);
    return loaded;
  }

  override async create(state: CallState, at: string): ReturnType<CallStore['create']> {
    const created = await super.create(state, at);
    if (created.kind === 'created') this.keep(created.stored);
    return created;
  }

  override async commit(previous: StoredCall, next: CallState, eventId: string, at: string): Promise<CommitResult> {
    let outcome: Awaited<ReturnType<CallStore['commitRow']>>;
    try {
      outcome = await this.commitRow(previous, next, eventId, at);
    } catch (error) {
      // Whether the write landed is unknown: the row, not the copy, must decide next time.
      this.forget(previous);
      // A kept copy whose row is gone (retention deleted it) is merely stale: the shell reads and finds no call.
      if (statusOf(error) === 404 && this.handedOut.has(previous)) return 'conflict';
      throw error;
    }
    const { result, stored } = outcome;
    if (result === 'committed' && stored) {
      this.keep(stored);
    } else {
      // Someone else's write (or ours behind a lost response, ETag unknown): the row is ahead of the copy written on.
      if (result === 'conflict' && this.handedOut.has(previous)) this.stats.refused++;
      this.forget(previous);
    }
    return result;
  }

  override distrust(stored: StoredCall): boolean {
    if (!this.handedOut.has(stored)) return false;
    this.handedOut.delete(stored);
    this.forget(stored);
    this.stats.rechecked++;
    return true;
  }

  /** How many calls are kept and their size as counted against `maxBytes`. */
  get size(): { readonly entries: number; readonly bytes: number } {
    return { entries: this.rows.size, bytes: this.rows.calculatedSize };
  }

  /**
   * Drops the call's copy if it is still the one `stored` came from. A newer one, kept meanwhile by a concurrent
   * invocation here (a duplicate delivery racing its original), stays: it is what this instance wrote last.
   */
  private forget(stored: StoredCall): void {
    const id = stored.state.callConnectionId;
    if (this.rows.peek(id)?.etag === stored.etag) this.rows.delete(id);
  }

  /**
   * An ended call's copy is dropped, not kept: nothing advances it any more, and at 500 callers the ended calls'
   * copies filled the cache (and the old space the collector marks) with rows only a late duplicate would read.
   */
  private keep(stored: StoredCall): void {
    if (stored.state.phase.name === 'ended') this.rows.delete(stored.state.callConnectionId);
    else this.rows.set(stored.state.callConnectionId, stored);
  }
}

/** One more serialisation per write: microseconds for a state of a few hundred characters. */
const stateLength = (state: CallState) => JSON.stringify(state).length;
