// The soak's verdict on transitions (issue 13): an event answered `applied` must have left its marker, judged against
// the one listing only when it was answered before that listing began; a saved event no delivery was answered
// `applied` for never had its actions carried out.
import type { TableEntityResult } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../../tools/acs-emulator/calls';
import { audit, type AuditedEmulator } from '../../tools/soak/audit';
import type { CallerResult } from '../../tools/soak/callers';

const LISTED_AT = Date.parse('2026-12-21T15:01:00.000Z');
const before = '2026-12-21T15:00:30.000Z';
const after = '2026-12-21T15:01:00.500Z';

function callback(at: string, eventId: string, status: number, outcome?: string): TimelineEntry {
  return {
    at,
    elapsedMs: 0,
    kind: 'callback',
    summary: `PlayCompleted -> HTTP ${status}`,
    details: { eventId, type: 'PlayCompleted', status, attempt: 0, duplicate: false, durationMs: 5, responseBody: outcome ? JSON.stringify({ outcomes: [outcome] }) : '{"error":"retry"}' },
  };
}

const row = (partitionKey: string, rowKey: string): TableEntityResult<Record<string, unknown>> => ({ partitionKey, rowKey, etag: '' });

function auditOf(timeline: TimelineEntry[], markers: string[]) {
  const emulator: AuditedEmulator = { caller: { calls: [{ callId: 'call-1', callConnectionId: 'conn-1', timeline }] }, requests: [] };
  const noResults: CallerResult[] = [];
  return audit(emulator, markers.map((eventId) => row('conn-1', `evt|${eventId}`)), LISTED_AT, noResults, []);
}

describe('the soak audit of transitions', () => {
  it('calls an event lost when it was answered applied before the table was read and its marker is not there', () => {
    const figures = auditOf([callback(before, 'e1', 200, 'applied')], []);
    expect(figures.lostTransitions).toEqual(['call call-1: PlayCompleted e1 acknowledged as applied, but no marker']);
    expect(figures.flaggedCalls).toEqual(['call-1']);
    expect(figures.lateMarkers).toEqual([]);
  });

  it('leaves an event answered while the table was being read to a read of its own marker', () => {
    const figures = auditOf([callback(after, 'e1', 200, 'applied')], []);
    expect(figures.lostTransitions).toEqual([]);
    expect(figures.lateMarkers).toEqual([{ callId: 'call-1', partitionKey: 'conn-1', rowKey: 'evt|e1', finding: expect.stringContaining('e1 acknowledged as applied') as string }]);
  });

  it('finds a saved event that no delivery was answered applied for: its actions never ran', () => {
    const figures = auditOf([callback(before, 'e1', 503), callback(before, 'e1', 200, 'ignored')], ['e1']);
    expect(figures.unactedTransitions).toEqual(['call call-1: PlayCompleted e1 saved, but no delivery was answered applied: what follows its commit (ACS actions, milestones) never ran']);
    expect(figures.flaggedCalls).toEqual(['call-1']);
  });

  it('is content when one delivery of a saved event was answered applied, or one went unanswered', () => {
    const applied = auditOf([callback(before, 'e1', 503), callback(before, 'e1', 200, 'applied'), callback(before, 'e1', 200, 'duplicate')], ['e1']);
    expect(applied).toMatchObject({ unactedTransitions: [], lostTransitions: [], flaggedCalls: [] });
    // No reply (status 0): the app may well have acted, nobody can tell.
    expect(auditOf([callback(before, 'e2', 0), callback(before, 'e2', 200, 'ignored')], ['e2']).unactedTransitions).toEqual([]);
  });
});
