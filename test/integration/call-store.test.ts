import type { TableClient } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { CallStore } from '../../src/adapters/tables/call-store';
import { newCallState, type CallState } from '../../src/domain/call-state';
import { allRows, freshTable } from '../support/tables';

const at = '2026-11-22T10:00:00.0000000Z';
const call = (id: string): CallState =>
  newCallState({ callConnectionId: id, correlationId: `corr-${id}`, callerPseudonym: 'p', callerSealed: 's', language: 'en-US', nonce: 'k0123456789abcdef' });
const advanced = (state: CallState, sequence: number): CallState => ({ ...state, sequence });
/** Whether the event's marker row is there: what makes a replay of it change nothing. */
const marked = async (table: TableClient, callConnectionId: string, eventId: string) =>
  (await allRows(table)).some(([partition, row]) => partition === callConnectionId && row === `evt|${eventId}`);

describe('CallStore against Azurite', () => {
  it('creates a call once, with the ETag a load would read; a second create reports it exists', async () => {
    const store = new CallStore(await freshTable());
    const created = await store.create(call('c1'), at);
    expect(created).toEqual({ kind: 'created', stored: { state: call('c1'), etag: expect.any(String) as string } });
    expect(await store.create(advanced(call('c1'), 9), at)).toEqual({ kind: 'exists' });
    const loaded = await store.load('c1');
    expect(loaded?.state.sequence).toBe(0);
    expect(created.kind === 'created' && created.stored.etag).toBe(loaded?.etag);
  });

  it('commits state and marker together; a replayed event commits nothing', async () => {
    const table = await freshTable();
    const store = new CallStore(table);
    await store.create(call('c2'), at);
    const loaded = await store.load('c2');
    expect(await store.commit(loaded!, advanced(loaded!.state, 1), 'event-1', at)).toBe('committed');
    const again = await store.load('c2');
    expect(await store.commit(again!, advanced(again!.state, 2), 'event-1', at)).toBe('duplicate');
    expect((await store.load('c2'))?.state.sequence).toBe(1);
    expect(await marked(table, 'c2', 'event-1')).toBe(true);
  });

  it('reports a conflict on a stale ETag and rolls the marker back', async () => {
    const table = await freshTable();
    const store = new CallStore(table);
    await store.create(call('c3'), at);
    const stale = await store.load('c3');
    expect(await store.commit(stale!, advanced(stale!.state, 1), 'event-a', at)).toBe('committed');
    expect(await store.commit(stale!, advanced(stale!.state, 5), 'event-b', at)).toBe('conflict');
    expect(await marked(table, 'c3', 'event-b')).toBe(false);
    expect((await store.load('c3'))?.state.sequence).toBe(1);
  });

  it('lets exactly one of 20 concurrent writers with the same ETag win', async () => {
    const store = new CallStore(await freshTable());
    await store.create(call('c4'), at);
    const base = await store.load('c4');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.commit(base!, advanced(base!.state, i + 1), `event-${i}`, at)),
    );
    expect(results.filter((r) => r === 'committed')).toHaveLength(1);
    expect(results.filter((r) => r === 'conflict')).toHaveLength(19);
  });

  it('claims an incoming call once', async () => {
    const store = new CallStore(await freshTable());
    const claim = { correlationId: 'corr-9', eventId: 'eg-1', callerPseudonym: 'p', callerSealed: 's', status: 'answering' as const };
    const results = await Promise.all([store.claimIncomingCall(claim, at), store.claimIncomingCall(claim, at)]);
    expect(results.sort()).toEqual(['claimed', 'duplicate']);
    await store.updateClaim('corr-9', { status: 'answered', callConnectionId: 'c9' });
    expect(await store.loadClaim('corr-9')).toMatchObject({ status: 'answered', callConnectionId: 'c9', callerSealed: 's' });
  });
});
