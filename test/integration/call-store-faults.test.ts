// The store under injected storage faults (R-14 lost responses), claim takeover, the watchdog's query and retention.
import { TableTransaction } from '@azure/data-tables';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { CallStore, StateTooLarge } from '../../src/adapters/tables/call-store';
import type { WaitingPhase } from '../../src/app/ports';
import { newCallState, type CallPhase, type CallState } from '../../src/domain/call-state';
import { StorageFaults } from '../../tools/local/storage-faults';
import { allRows, freshTable } from '../support/tables';

const at = '2026-11-22T10:00:00.000Z';
const call = (id: string, phase: CallPhase = { name: 'connecting' }): CallState => ({
  ...newCallState({ callConnectionId: id, correlationId: `corr-${id}`, callerPseudonym: 'p', callerSealed: 's', language: 'en-US', nonce: 'k0123456789abcdef' }),
  phase,
});
const claim = (correlationId: string) => ({ correlationId, eventId: 'eg-1', callerPseudonym: 'p', callerSealed: 's', status: 'answering' as const });
const RETRY = { retryOptions: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 20 } };

async function faultyStore() {
  const faults = new StorageFaults();
  const table = await freshTable({ ...RETRY, additionalPolicies: [faults.extraPolicy] });
  return { faults, table, store: new CallStore(table) };
}

describe('a write that landed while the client saw a 503 (R-14)', () => {
  it('is recognised as our own commit by the writer id in the marker: committed once, not a duplicate', async () => {
    const { faults, table, store } = await faultyStore();
    await store.create(call('c1'), at);
    const loaded = await store.load('c1');
    faults.inject({ fault: 'lostResponse', operations: ['transaction'] });
    expect(await store.commit(loaded!, { ...loaded!.state, sequence: 1 }, 'event-1', at)).toBe('committed');
    expect(faults.count('lostResponse')).toBe(1);
    expect((await store.load('c1'))?.state.sequence).toBe(1);
    expect(await allRows(table)).toEqual([
      ['c1', 'evt|event-1'],
      ['c1', 'state'],
    ]);
    // The same event again (a redelivery) is still a duplicate.
    const again = await store.load('c1');
    expect(await store.commit(again!, { ...again!.state, sequence: 2 }, 'event-1', at)).toBe('duplicate');
  });

  // The four ways the soak's burst lost a transition's actions (issue 13): the commit landed, but what the client got
  // in the end was an error, so the callback answered 503 and the redelivery found the event already applied.
  it.each([
    ['then the retry hangs', [{ fault: 'hang', operations: ['transaction'] }]],
    ['then the retry is refused (412) and the marker read hangs', [{ fault: 'hang', operations: ['read'] }]],
    ['then every retry gets a 503', [{ fault: 'unavailable', operations: ['transaction'], times: 2 }]],
    ['then a reset, then the refused retry’s answer is lost too', [{ fault: 'reset', operations: ['transaction'] }, { fault: 'lostResponse', operations: ['transaction'] }]],
  ] as const)('is recognised as our own commit when the client saw a lost response %s', async (_, after) => {
    const { faults, table, store } = await faultyStore();
    await store.create(call('c2'), at);
    const loaded = await store.load('c2');
    faults.inject({ fault: 'lostResponse', operations: ['transaction'] });
    for (const rule of after) faults.inject(rule);
    expect(await store.commit(loaded!, { ...loaded!.state, sequence: 1 }, 'event-1', at)).toBe('committed');
    expect(faults.count()).toBe(1 + after.reduce((sum, rule) => sum + ('times' in rule ? rule.times : 1), 0));
    expect(await allRows(table)).toEqual([
      ['c2', 'evt|event-1'],
      ['c2', 'state'],
    ]);
  });

  it('still fails, and writes nothing, when storage never took the write (503s throughout)', async () => {
    const { faults, table, store } = await faultyStore();
    await store.create(call('c3'), at);
    const loaded = await store.load('c3');
    faults.inject({ fault: 'unavailable', operations: ['transaction'], times: 3 });
    await expect(store.commit(loaded!, { ...loaded!.state, sequence: 1 }, 'event-1', at)).rejects.toMatchObject({ statusCode: 503 });
    expect(await allRows(table)).toEqual([['c3', 'state']]);
    expect((await store.load('c3'))?.state.sequence).toBe(0);
  });

  it('is a duplicate, not ours, when the marker that landed is another delivery’s', async () => {
    const { faults, store } = await faultyStore();
    await store.create(call('c4'), at);
    const loaded = await store.load('c4');
    expect(await store.commit(loaded!, { ...loaded!.state, sequence: 1 }, 'event-1', at)).toBe('committed');
    // A late copy of the same event whose own write never reached storage.
    faults.inject({ fault: 'unavailable', operations: ['transaction'], times: 3 });
    expect(await store.commit(loaded!, { ...loaded!.state, sequence: 1 }, 'event-1', at)).toBe('duplicate');
  });

  it('claims an incoming call whose insert landed behind a lost response', async () => {
    const { faults, store } = await faultyStore();
    faults.inject({ fault: 'lostResponse', operations: ['insert'] });
    expect(await store.claimIncomingCall(claim('corr-1'), at)).toBe('claimed');
    expect(await store.claimIncomingCall(claim('corr-1'), at)).toBe('duplicate');
  });
});

describe('claims of incoming calls', () => {
  it('are tried again here when the insert hangs, rather than waiting 10 s for Event Grid', async () => {
    const { faults, store } = await faultyStore();
    faults.inject({ fault: 'hang', operations: ['insert'] });
    expect(await store.claimIncomingCall(claim('corr-hang'), at)).toBe('claimed');
    expect(faults.count('hang')).toBe(1);
    expect(await store.claimIncomingCall(claim('corr-hang'), at)).toBe('duplicate');
  });


  it("are taken over only after their owner's deadline (the owner died), by exactly one redelivery (issue 13, item 5)", async () => {
    const store = new CallStore(await freshTable());
    const owned = { ...claim('corr-2'), deadline: '2026-11-22T10:00:23.000Z' };
    expect(await store.claimIncomingCall(owned, '2026-11-22T10:00:00.000Z')).toBe('claimed');
    // 12 s later (Event Grid's redelivery of an owner still hanging on ACS): the owner may still be answering.
    expect(await store.claimIncomingCall(claim('corr-2'), '2026-11-22T10:00:12.000Z')).toBe('duplicate');
    expect(await store.claimIncomingCall(claim('corr-2'), '2026-11-22T10:00:22.900Z')).toBe('duplicate');
    // Past the deadline, two redeliveries at once: one takes it over.
    const late = await Promise.all([1, 2].map(() => store.claimIncomingCall(claim('corr-2'), '2026-11-22T10:00:23.100Z')));
    expect(late.sort()).toEqual(['claimed', 'duplicate']);
  });

  it.each(['answerThrottled', 'answerTimedOut'] as const)('are taken over at once when the owner handed them over (%s)', async (status) => {
    const store = new CallStore(await freshTable());
    await store.claimIncomingCall({ ...claim('corr-4'), deadline: '2026-11-22T10:00:18.000Z' }, '2026-11-22T10:00:00.000Z');
    await store.updateClaim('corr-4', { status });
    expect(await store.claimIncomingCall(claim('corr-4'), '2026-11-22T10:00:12.000Z')).toBe('claimed');
  });

  it('are never taken over once the call was answered', async () => {
    const store = new CallStore(await freshTable());
    await store.claimIncomingCall(claim('corr-3'), '2026-11-22T10:00:00.000Z');
    await store.updateClaim('corr-3', { status: 'answered', callConnectionId: 'c3' });
    expect(await store.claimIncomingCall(claim('corr-3'), '2026-11-22T10:01:00.000Z')).toBe('duplicate');
  });
});

describe('the size of a state row (R-26)', () => {
  it('is checked before writing, since Azurite would accept what the service refuses', async () => {
    const table = await freshTable();
    const store = new CallStore(table);
    await store.create(call('big'), at);
    const loaded = await store.load('big');
    const huge = { ...loaded!.state, collected: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`menu${i}`, { kind: 'speech' as const, text: 'x'.repeat(1_000) }])) };
    await expect(store.commit(loaded!, huge, 'event-big', at)).rejects.toThrow(StateTooLarge);
    expect((await allRows(table)).some(([, row]) => row === 'evt|event-big')).toBe(false);
  });
});

describe("the watchdog's query", () => {
  it('finds the calls waiting in a phase since before that phase’s cutoff, and nothing else', async () => {
    const store = new CallStore(await freshTable());
    const awaiting: CallPhase = { name: 'awaitingInput', menuId: 'main', attempt: 1, inputType: 'dtmf', operationContext: 'main:1:1' };
    const transferring: CallPhase = { name: 'transferring', operationContext: 'transfer:2', menuId: 'main' };
    await store.create(call('old-awaiting', awaiting), '2026-11-22T10:00:00.000Z');
    await store.create(call('new-awaiting', awaiting), '2026-11-22T10:00:50.000Z');
    await store.create(call('old-transferring', transferring), '2026-11-22T10:00:00.000Z');
    await store.create(call('ended', { name: 'ended', outcome: 'completed' }), '2026-11-22T09:00:00.000Z');
    await store.create(call('transferred', { name: 'transferred' }), '2026-11-22T09:00:00.000Z');
    const cutoff = '2026-11-22T10:00:30.000Z';
    const cutoffs: Record<WaitingPhase, string> = { connecting: cutoff, awaitingInput: cutoff, playing: cutoff, hangingUp: cutoff, transferring: '2026-11-22T09:59:00.000Z' };
    expect(await store.findWaiting(cutoffs)).toEqual([
      { callConnectionId: 'old-awaiting', phase: 'awaitingInput', operationContext: 'main:1:1', menuId: 'main', updatedAt: '2026-11-22T10:00:00.000Z' },
    ]);
  });
});

describe('retention (R-28)', () => {
  it('deletes 1,000 expired calls with their markers and old claims in per-partition transactions of at most 100, and leaves live calls alone', async () => {
    const batches: string[] = [];
    const recordBatches: PipelinePolicy = {
      name: 'recordBatches',
      sendRequest: (request, next) => {
        if (request.url.endsWith('$batch') && typeof request.body === 'string') batches.push(request.body);
        return next(request);
      },
    };
    const table = await freshTable({ additionalPolicies: [{ policy: recordBatches, position: 'perCall' }] });
    const store = new CallStore(table);
    const old = '2026-11-20T10:00:00.000Z';
    const awaiting: CallPhase = { name: 'awaitingInput', menuId: 'main', attempt: 1, inputType: 'dtmf', operationContext: 'main:1:1' };
    // The rows the store writes (a state row with phase and updatedAt columns, marker rows), 100 per transaction.
    const seed = async (id: string, phase: CallPhase, updatedAt: string, markers: number) => {
      const rows = [
        { partitionKey: id, rowKey: 'state', state: JSON.stringify(call(id, phase)), phase: phase.name, updatedAt },
        ...Array.from({ length: markers }, (_, i) => ({ partitionKey: id, rowKey: `evt|e${i}`, writer: 'w', at: updatedAt })),
      ];
      for (let start = 0; start < rows.length; start += 100) {
        const transaction = new TableTransaction();
        for (const row of rows.slice(start, start + 100)) transaction.createEntity(row);
        await table.submitTransaction(transaction.actions);
      }
    };
    const expired = Array.from({ length: 1_000 }, (_, i) => `expired-${String(i).padStart(4, '0')}`);
    for (let i = 0; i < expired.length; i += 25) {
      await Promise.all(expired.slice(i, i + 25).map((id, j) => seed(id, j % 2 ? { name: 'ended', outcome: 'completed' } : { name: 'transferred' }, old, 3)));
    }
    await seed('expired-chatty', { name: 'ended', outcome: 'abandoned' }, old, 250);
    await seed('abandoned-live-row', awaiting, '2026-11-01T10:00:00.000Z', 2);
    await seed('live-old-phase', awaiting, old, 4); // waiting, quiet for a day: not ours to delete yet
    await seed('ended-recently', { name: 'ended', outcome: 'completed' }, '2026-11-22T09:30:00.000Z', 2);
    await store.claimIncomingCall(claim('corr-old'), old);
    await store.claimIncomingCall(claim('corr-new'), '2026-11-22T09:30:00.000Z');
    batches.length = 0;

    const result = await store.deleteFinished('2026-11-21T10:00:00.000Z', '2026-11-15T10:00:00.000Z');

    expect(result).toEqual({ calls: 1_002, claims: 1, rows: 1_000 * 4 + 251 + 3 + 1 });
    expect(await allRows(table)).toEqual([
      ['ended-recently', 'evt|e0'],
      ['ended-recently', 'evt|e1'],
      ['ended-recently', 'state'],
      ['incoming|corr-new', 'claim'],
      ['live-old-phase', 'evt|e0'],
      ['live-old-phase', 'evt|e1'],
      ['live-old-phase', 'evt|e2'],
      ['live-old-phase', 'evt|e3'],
      ['live-old-phase', 'state'],
    ]);
    for (const body of batches) {
      expect(body.match(/^DELETE /gm)?.length ?? 0).toBeLessThanOrEqual(100);
      expect(new Set([...body.matchAll(/PartitionKey='([^']*)'/g)].map((m) => m[1])).size).toBe(1);
    }
    expect(batches.some((body) => (body.match(/^DELETE /gm)?.length ?? 0) === 100)).toBe(true);
  }, 60_000);
});
