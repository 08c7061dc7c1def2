import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { CachedCallStore } from '../../src/adapters/tables/cached-call-store';
import { CallStore } from '../../src/adapters/tables/call-store';
import { newCallState, type CallState } from '../../src/domain/call-state';
import { StorageFaults } from '../../tools/local/storage-faults';
import { freshTable } from '../support/tables';

const at = '2026-11-22T10:00:00.0000000Z';
const call = (id: string): CallState =>
  newCallState({ callConnectionId: id, correlationId: `corr-${id}`, callerPseudonym: 'p', callerSealed: 's', language: 'en-US', nonce: 'k0123456789abcdef' });
const advanced = (state: CallState, sequence: number): CallState => ({ ...state, sequence });

/** A table client that counts the reads it sends, so a test sees which loads reached the table. */
async function countedTable(faults?: StorageFaults) {
  const reads = { count: 0 };
  const policy: PipelinePolicy = {
    name: 'countReads',
    sendRequest: (request, next) => {
      if (request.method === 'GET') reads.count++;
      return next(request);
    },
  };
  const table = await freshTable({
    retryOptions: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 20 },
    additionalPolicies: [...(faults ? [faults.extraPolicy] : []), { policy, position: 'perRetry' }],
  });
  return { table, reads };
}

describe('CachedCallStore against Azurite', () => {
  it('goes on from its own writes without reading: the kept ETag is the one the table holds', async () => {
    const { table, reads } = await countedTable();
    const store = new CachedCallStore(table);
    await store.create(call('k1'), at);
    const first = await store.load('k1');
    expect(await store.commit(first!, advanced(first!.state, 1), 'event-1', at)).toBe('committed');
    const second = await store.load('k1');
    expect(second?.state.sequence).toBe(1);
    expect(await store.commit(second!, advanced(second!.state, 2), 'event-2', at)).toBe('committed');
    expect(reads.count).toBe(0);
    expect(store.stats).toMatchObject({ hits: 2, misses: 0 });
    expect((await new CallStore(table).load('k1'))?.state.sequence).toBe(2);
  });

  it('refuses a write on a copy another instance overtook, then reads the row', async () => {
    const table = await freshTable();
    const mine = new CachedCallStore(table);
    const other = new CachedCallStore(table);
    await mine.create(call('k2'), at);
    const theirs = await other.load('k2');
    expect(await other.commit(theirs!, advanced(theirs!.state, 1), 'event-a', at)).toBe('committed');

    const stale = await mine.load('k2');
    expect(stale?.state.sequence).toBe(0);
    expect(await mine.commit(stale!, advanced(stale!.state, 5), 'event-b', at)).toBe('conflict');
    expect(mine.stats.refused).toBe(1);
    const fresh = await mine.load('k2');
    expect(fresh?.state.sequence).toBe(1);
    expect(await mine.commit(fresh!, advanced(fresh!.state, 2), 'event-b', at)).toBe('committed');
    // The overtaken instance's replay of the other's event is a duplicate, not a second application.
    const again = await other.load('k2');
    expect(await other.commit(again!, advanced(again!.state, 3), 'event-a', at)).toBe('duplicate');
    expect((await new CallStore(table).load('k2'))?.state.sequence).toBe(2);
  });

  it('drops the copy of a call that ended: only a late duplicate would read it, and that one reads the row', async () => {
    const { table, reads } = await countedTable();
    const store = new CachedCallStore(table);
    await store.create(call('k4'), at);
    const live = await store.load('k4');
    const ended: CallState = { ...advanced(live!.state, 1), phase: { name: 'ended', outcome: 'abandoned' } };
    expect(await store.commit(live!, ended, 'event-end', at)).toBe('committed');
    expect(store.size.entries).toBe(0);
    const late = await store.load('k4');
    expect(late?.state.phase.name).toBe('ended');
    expect(reads.count).toBe(1);
  });

  it('distrusts only copies it handed out, and reads the row after distrusting one', async () => {
    const { table, reads } = await countedTable();
    const store = new CachedCallStore(table);
    await store.create(call('k3'), at);
    const kept = await store.load('k3');
    expect(store.distrust(kept!)).toBe(true);
    const read = await store.load('k3');
    expect(reads.count).toBe(1);
    expect(store.distrust(read!)).toBe(false);
    expect(new CallStore(table).distrust(read!)).toBe(false);
  });

  it('keeps at most its entry and byte limits, dropping the least recently used', async () => {
    const table = await freshTable();
    const byEntries = new CachedCallStore(table, { maxEntries: 2, maxBytes: 1_000_000 });
    for (const id of ['e1', 'e2', 'e3']) await byEntries.create(call(id), at);
    expect(byEntries.size.entries).toBe(2);
    await byEntries.load('e1');
    expect(byEntries.stats).toMatchObject({ hits: 0, misses: 1 });

    const oneState = 2 * (JSON.stringify(call('b1')).length + 40);
    const byBytes = new CachedCallStore(table, { maxEntries: 100, maxBytes: 2.5 * oneState });
    for (const id of ['b1', 'b2', 'b3', 'b4']) await byBytes.create(call(id), at);
    expect(byBytes.size.entries).toBe(2);
    expect(byBytes.size.bytes).toBeLessThanOrEqual(2.5 * oneState);
  });
});

describe('CachedCallStore when a commit landed but the client saw it fail', () => {
  it('says committed (the marker is its own), keeps no copy of unknown ETag, and goes on from the row', async () => {
    const faults = new StorageFaults();
    const { table, reads } = await countedTable(faults);
    const store = new CachedCallStore(table);
    await store.create(call('u1'), at);
    const kept = await store.load('u1');
    // Issue 13's burst: the write lands behind a lost response, and the SDK's retries all get a 503.
    faults.inject({ fault: 'lostResponse', operations: ['transaction'] });
    faults.inject({ fault: 'unavailable', operations: ['transaction'], times: 2 });
    expect(await store.commit(kept!, advanced(kept!.state, 1), 'event-1', at)).toBe('committed');
    const readsBefore = reads.count;
    const next = await store.load('u1');
    expect(next?.state.sequence).toBe(1);
    expect(reads.count).toBe(readsBefore + 1);
    expect(await store.commit(next!, advanced(next!.state, 2), 'event-2', at)).toBe('committed');
    // A redelivery of the first event, decided on a copy from before it, is a duplicate.
    expect(await store.commit(kept!, advanced(kept!.state, 1), 'event-1', at)).toBe('duplicate');
    expect((await new CallStore(table).load('u1'))?.state.sequence).toBe(2);
  });
});

describe('CachedCallStore with concurrent deliveries of one event', () => {
  it('keeps the copy the winner wrote when the losing copy comes back a duplicate', async () => {
    const { table, reads } = await countedTable();
    const store = new CachedCallStore(table);
    await store.create(call('d1'), at);
    const [first, second] = await Promise.all([store.load('d1'), store.load('d1')]);
    expect(await store.commit(first!, advanced(first!.state, 1), 'event-x', at)).toBe('committed');
    expect(await store.commit(second!, advanced(second!.state, 1), 'event-x', at)).toBe('duplicate');
    const readsBefore = reads.count;
    const next = await store.load('d1');
    expect(next?.state.sequence).toBe(1);
    expect(reads.count).toBe(readsBefore);
    expect(await store.commit(next!, advanced(next!.state, 2), 'event-y', at)).toBe('committed');
  });
});
