// Owns the soak's account of a flagged call, from its first event to its last: what the caller heard and did, every
// callback and how the app answered it, every ACS request, every storage try on its partition, the rows it left and
// the app's log lines about it. A finding that cannot be explained from this needs more recording, not a rerun.
import type { TableEntityResult } from '@azure/data-tables';
import type { AcsEmulator } from '../acs-emulator/index.js';
import type { CallState } from '../../src/domain/call-state';
import type { StorageTrace } from './storage-trace';

/** Enough for the longest scripted call with its faults, duplicates and redeliveries. */
const MAX_LINES_PER_SOURCE = 120;

export function explainCall(
  emulator: AcsEmulator,
  callId: string,
  rows: readonly TableEntityResult<Record<string, unknown>>[],
  trace: StorageTrace,
  logs: readonly string[],
): string[] {
  const call = emulator.caller.get(callId);
  if (!call) return [`  ? call ${callId}: the emulator has no such call`];
  const dialedAt = Date.parse(call.timeline[0]?.at ?? new Date().toISOString());
  const since = (at: string | number) => `${String((typeof at === 'number' ? at : Date.parse(at)) - dialedAt).padStart(6)} ms`;
  const partition = call.callConnectionId ?? '';
  const own = rows.filter((row) => row.partitionKey === partition);
  const state = own.find((row) => row.rowKey === 'state');
  const ids = [call.correlationId, call.callConnectionId].filter((id): id is string => id !== undefined);
  const timeline = call.timeline.map((entry) => `      ${since(entry.at)} ${entry.kind}: ${describeEntry(entry.kind, entry.summary, entry.details)}`);
  // Storage tries are timed from the trace's start; the dial's own time puts them on the call's clock.
  const storage = trace.of(partition).map(
    (t) => `      ${since(trace.startedAt + t.atMs)} ${t.operation} ${t.rowKeys.join('+')} -> ${t.outcome}${t.reached ? ` (stored ${t.stored ?? '?'})` : ' (never reached storage)'} in ${t.durationMs} ms`,
  );
  return [
    `  ? ${call.callId} (${call.callConnectionId ?? 'never answered'}): row ${state ? describeState(state) : 'none'}, ended ${call.ended?.kind ?? 'no'}`,
    '    timeline (from the dial):',
    ...capped(timeline),
    `    rows of its partition: ${own.map((row) => `${String(row.rowKey)}${typeof row['at'] === 'string' ? ` at ${row['at']}` : ''}`).join(', ') || 'none'}`,
    '    storage tries on its partition:',
    ...capped(storage),
    '    app log:',
    ...capped(logs.filter((line) => ids.some((id) => line.includes(id))).map((line) => `      ${line.slice(0, 400)}`)),
  ];
}

function describeState(row: TableEntityResult<Record<string, unknown>>): string {
  const state = JSON.parse(String(row['state'])) as CallState;
  return `${JSON.stringify(state.phase)} since ${String(row['updatedAt'])}, path ${state.path.join(' > ')}`;
}

/** The dial's summary names the caller's number, which no report may show. */
function describeEntry(kind: string, summary: string, details: Record<string, unknown>): string {
  if (kind === 'dialed') return 'the caller dials';
  if (kind === 'callback') {
    const parts = [
      `event ${String(details['eventId'])}`,
      Number(details['attempt']) > 0 ? `attempt ${Number(details['attempt'])}` : '',
      details['duplicate'] === true ? 'duplicate' : '',
      typeof details['error'] === 'string' ? `error ${details['error']}` : '',
      `answered ${String(details['responseBody']).slice(0, 120)}`,
      `in ${String(details['durationMs'])} ms`,
    ];
    return `${summary}; ${parts.filter(Boolean).join(', ')}`;
  }
  if (kind === 'request') return `${summary}${details['faultInjected'] === true ? ' (fault injected)' : ''}${details['replayed'] === true ? ' (replayed)' : ''}`;
  return summary;
}

function capped(lines: string[]): string[] {
  if (lines.length <= MAX_LINES_PER_SOURCE) return lines.length === 0 ? ['      none'] : lines;
  return [...lines.slice(0, MAX_LINES_PER_SOURCE), `      ... and ${lines.length - MAX_LINES_PER_SOURCE} more`];
}
