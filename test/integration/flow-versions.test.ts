// Flow versions in the call-state table (Azurite): written once per version, read by a cold instance, retired by retention.
import { describe, expect, it } from 'vitest';
import { CallStore } from '../../src/adapters/tables/call-store';
import { FlowTooLarge, FlowVersionStore } from '../../src/adapters/tables/flow-versions';
import { FlowLibrary } from '../../src/app/flow-library';
import type { Log } from '../../src/app/ports';
import { newCallState } from '../../src/domain/call-state';
import type { Flow } from '../../src/flow/flow-schema';
import { canonicalJson, flowVersion } from '../../src/flow/flow-version';
import { defaultFlow } from '../support/calls';
import { allRows, freshTable } from '../support/tables';

const quiet: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };
const HOUR = 3_600_000;

function clockAt(start: string) {
  let now = Date.parse(start);
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}

const changed: Flow = { ...defaultFlow, maxAttempts: 2 };

describe('FlowVersionStore and FlowLibrary', () => {
  it('stores the current version once per instance and hour, and a cold instance of another deploy reads it back', async () => {
    const table = await freshTable();
    const clock = clockAt('2026-12-21T10:00:00Z');
    const old = new FlowLibrary(defaultFlow, flowVersion(defaultFlow), new FlowVersionStore(table), clock);
    await Promise.all([old.ensureCurrentStored(), old.ensureCurrentStored()]);
    expect(await allRows(table)).toEqual([[`flow|${old.currentVersion}`, 'flow']]);

    const cold = new FlowLibrary(changed, flowVersion(changed), new FlowVersionStore(table), clock);
    const state = { ...newCallState({ callConnectionId: 'c1', correlationId: 'k1', callerPseudonym: 'p', callerSealed: 's', language: 'en-US', nonce: 'k0123456789abcdef' }), flowVersion: old.currentVersion };
    expect(await cold.flowFor(state, quiet)).toEqual({ kind: 'found', flow: defaultFlow });
    expect(await cold.flowFor({ ...state, flowVersion: 'feedfeedfeedfeed' }, quiet)).toEqual({ kind: 'missing', version: 'feedfeedfeedfeed' });
  });

  it('splits a large flow over several properties and refuses one beyond a row', async () => {
    const store = new FlowVersionStore(await freshTable());
    const large = 'x'.repeat(100_000);
    await store.save('1111111111111111', large, '2026-12-21T10:00:00Z');
    expect(await store.load('1111111111111111')).toBe(large);
    await expect(store.save('2222222222222222', 'x'.repeat(500_000), '2026-12-21T10:00:00Z')).rejects.toBeInstanceOf(FlowTooLarge);
  });

  it('treats a stored version this deploy cannot validate as missing', async () => {
    const table = await freshTable();
    await new FlowVersionStore(table).save('3333333333333333', canonicalJson({ ...defaultFlow, start: 'nowhere' }), '2026-12-21T10:00:00Z');
    const library = new FlowLibrary(defaultFlow, flowVersion(defaultFlow), new FlowVersionStore(table), clockAt('2026-12-21T10:00:00Z'));
    const state = { ...newCallState({ callConnectionId: 'c1', correlationId: 'k1', callerPseudonym: 'p', callerSealed: 's', language: 'en-US', nonce: 'k0123456789abcdef' }), flowVersion: '3333333333333333' };
    expect(await library.flowFor(state, quiet)).toEqual({ kind: 'missing', version: '3333333333333333' });
  });

  it('retires only versions that no call row names, that are not current, and that nobody served within the period', async () => {
    const table = await freshTable();
    const versions = new FlowVersionStore(table);
    const calls = new CallStore(table);
    const clock = clockAt('2026-12-21T10:00:00Z');
    await versions.save('aaaaaaaaaaaaaaaa', '{}', '2026-12-19T10:00:00Z'); // old, unused: retired
    await versions.save('bbbbbbbbbbbbbbbb', '{}', '2026-12-19T10:00:00Z'); // old, but a live call runs on it
    await versions.save('cccccccccccccccc', '{}', '2026-12-21T09:00:00Z'); // unused, but served an hour ago
    const live = { ...newCallState({ callConnectionId: 'live', correlationId: 'k', callerPseudonym: 'p', callerSealed: 's', language: 'en-US', nonce: 'k0123456789abcdef' }), flowVersion: 'bbbbbbbbbbbbbbbb' };
    await calls.create(live, '2026-12-19T10:00:00Z');
    const library = new FlowLibrary(defaultFlow, flowVersion(defaultFlow), versions, clock);
    await library.ensureCurrentStored();
    clock.advance(48 * HOUR);
    await library.ensureCurrentStored(); // a running instance says again that it serves its version
    expect((await library.retireUnused('2026-12-20T10:00:00Z')).retired).toEqual(['aaaaaaaaaaaaaaaa']);
    expect((await versions.list()).map((stored) => stored.version).sort()).toEqual(['bbbbbbbbbbbbbbbb', 'cccccccccccccccc', library.currentVersion].sort());
  });
});
