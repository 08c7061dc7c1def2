// Owns the soak's verdict: from what the emulator saw, what the app stored and what it tracked, the figures that say
// whether any call was lost, any ACS action doubled, any call stuck, any transition lost, anything private leaked.
import type { TableEntityResult } from '@azure/data-tables';
import type { CallHandle, RecordedRequest } from '../acs-emulator/index.js';
import type { CallState } from '../../src/domain/call-state';
import { ACCOUNT_NUMBER, SCRIPTED_END, type CallerResult } from './callers';

export interface Tracked {
  readonly name: string;
  readonly properties: Readonly<Record<string, string>>;
}

export interface Audit {
  readonly calls: number;
  readonly completed: number;
  readonly completedAsScripted: number;
  /** Calls that ended consistently, but not as their scenario planned (e.g. a re-prompt counted as an attempt). */
  readonly offScript: string[];
  readonly lostCalls: string[];
  readonly lostTransitions: string[];
  readonly doubledActions: string[];
  readonly stuckCalls: string[];
  /**
   * Callback events whose transition was saved (their marker is there) but that no delivery was answered `applied`
   * for: the invocation that saved it never carried out its actions or reported its milestones, and a caller left
   * waiting for a prompt waited for the watchdog.
   */
  readonly unactedTransitions: string[];
  /**
   * Events answered `applied` after the table was read, whose marker the listing could not show: the caller reads
   * each by key, and those still missing are lost transitions.
   */
  readonly lateMarkers: Array<{ readonly callId: string; readonly partitionKey: string; readonly rowKey: string; readonly finding: string }>;
  /** The emulator's call ids of every call any finding above names, for the report to explain from their start. */
  readonly flaggedCalls: string[];
  readonly fiveHundredsByCause: Record<string, number>;
  readonly deliveriesByStatus: Record<string, number>;
  readonly duplicateDeliveries: number;
  readonly redeliveries: number;
  readonly watchdogRecoveries: number;
  /** The watchdog's recoveries by the phase each call was stalled in. */
  readonly recoveriesByPhase: Record<string, number>;
  /** The emulator's call ids of the calls the watchdog recovered or that ended off script: not failures, but each one waited. */
  readonly rescuedCalls: string[];
  readonly acsFaultsInjected: number;
  readonly acsRequests: number;
  readonly callbackLatencyMs: { p50: number; p95: number; max: number };
}

/** What the audit reads of the emulator: each call's timeline, and every REST request it was sent. */
export interface AuditedEmulator {
  readonly caller: { readonly calls: readonly Pick<CallHandle, 'callId' | 'callConnectionId' | 'timeline'>[] };
  readonly requests: readonly RecordedRequest[];
}

/** The outcomes the app may record for each way the emulator saw a call end. */
const CONSISTENT: Readonly<Record<string, readonly string[]>> = {
  hungUpByApp: ['completed', 'failed'],
  transferred: ['transferred'],
  // A caller hanging up during the goodbye is a finished call.
  callerHungUp: ['abandoned', 'completed', 'failed'],
  missed: [],
};

/**
 * `rows` is the whole table, read once by the caller from `listedAt` (epoch ms) on (Azurite scans every row for each
 * page of a listing).
 */
export function audit(
  emulator: AuditedEmulator,
  rows: Iterable<TableEntityResult<Record<string, unknown>>>,
  listedAt: number,
  results: readonly CallerResult[],
  telemetry: readonly Tracked[],
): Audit {
  const states = new Map<string, CallState>();
  const markers = new Set<string>();
  for (const row of rows) {
    if (row.rowKey === 'state' && typeof row['state'] === 'string') states.set(row.partitionKey ?? '', JSON.parse(row['state']) as CallState);
    if (row.rowKey?.startsWith('evt|')) markers.add(`${row.partitionKey ?? ''}/${row.rowKey}`);
  }
  const flagged = new Set<string>();
  const flag = (callId: string, findings: string[], finding: string) => {
    flagged.add(callId);
    findings.push(finding);
  };

  const lostCalls: string[] = [];
  const lostTransitions: string[] = [];
  const stuckCalls: string[] = [];
  const offScript: string[] = [];
  const rescued = new Set<string>();
  let completed = 0;
  let completedAsScripted = 0;
  for (const result of results) {
    const label = `${result.scenario} call ${result.callId}`;
    if (result.stuck) flag(result.callId, stuckCalls, `${label}: ${result.stuck}`);
    const state = result.callConnectionId ? states.get(result.callConnectionId) : undefined;
    if (!result.end || !state) {
      flag(result.callId, lostCalls, `${label}: ${!result.callConnectionId ? 'never answered' : !result.end ? 'never ended' : 'no state row'}`);
      continue;
    }
    if (state.phase.name !== 'ended') {
      flag(result.callId, lostTransitions, `${label}: ended (${result.end.kind}) but its row says ${state.phase.name}`);
      continue;
    }
    if (!CONSISTENT[result.end.kind]?.includes(state.phase.outcome)) {
      flag(result.callId, lostCalls, `${label}: ended ${result.end.kind} but recorded ${state.phase.outcome}`);
      continue;
    }
    completed += 1;
    const scripted = SCRIPTED_END[result.scenario];
    if (result.end.kind !== scripted.kind || state.phase.outcome !== scripted.outcome) {
      rescued.add(result.callId);
      offScript.push(`${label}: ${result.end.kind}, recorded ${state.phase.outcome}, last failure ${state.lastFailure ?? 'none'}, path ${state.path.join(' > ')}`);
    } else {
      completedAsScripted += 1;
      const account = state.collected['account'];
      if (result.scenario === 'account' && (account?.kind !== 'dtmf' || account.tones !== ACCOUNT_NUMBER)) {
        flag(result.callId, lostTransitions, `${label}: the account number the caller entered is not in its row`);
      }
    }
  }

  const deliveriesByStatus: Record<string, number> = {};
  const latencies: number[] = [];
  let duplicateDeliveries = 0;
  let redeliveries = 0;
  const unactedTransitions: string[] = [];
  const lateMarkers: Audit['lateMarkers'] = [];
  for (const call of emulator.caller.calls) {
    // Per event: whether some delivery was answered `applied`, or went unanswered (then nobody knows).
    const answered = new Map<string, { type: string; acted: boolean }>();
    for (const entry of call.timeline) {
      // A try that got no reply says why (a reset, a timeout): those are the ones a burst makes.
      const noReply = entry.details['status'] === 0 && typeof entry.details['error'] === 'string' ? ` (${entry.details['error']})` : '';
      if (entry.kind === 'incomingCallDelivered') count(deliveriesByStatus, `IncomingCall ${String(entry.details['status'])}${noReply}`);
      if (entry.kind !== 'callback') continue;
      const details = entry.details;
      const status = Number(details['status']);
      count(deliveriesByStatus, `callback ${status}`);
      if (details['duplicate'] === true) duplicateDeliveries += 1;
      if (Number(details['attempt']) > 0) redeliveries += 1;
      latencies.push(Number(details['durationMs']));
      const eventId = String(details['eventId']);
      const applied = status === 200 && outcomesOf(String(details['responseBody']))[0] === 'applied';
      const seen = answered.get(eventId) ?? { type: String(details['type']), acted: false };
      answered.set(eventId, { ...seen, acted: seen.acted || applied || status === 0 });
      // An event the app says it applied must have left its marker: otherwise the transition was lost.
      if (applied && !markers.has(`${call.callConnectionId ?? ''}/evt|${eventId}`)) {
        const finding = `call ${call.callId}: ${String(details['type'])} ${eventId} acknowledged as applied, but no marker`;
        // Its marker was written before the answer; an answer before the listing began must have shown it.
        if (Date.parse(entry.at) >= listedAt) lateMarkers.push({ callId: call.callId, partitionKey: call.callConnectionId ?? '', rowKey: `evt|${eventId}`, finding });
        else flag(call.callId, lostTransitions, finding);
      }
    }
    for (const [eventId, { type, acted }] of answered) {
      if (!acted && markers.has(`${call.callConnectionId ?? ''}/evt|${eventId}`)) {
        flag(call.callId, unactedTransitions, `call ${call.callId}: ${type} ${eventId} saved, but no delivery was answered applied: what follows its commit (ACS actions, milestones) never ran`);
      }
    }
  }

  const fiveHundredsByCause: Record<string, number> = {};
  for (const event of telemetry) {
    if (event.name === 'CallbackFailed' || event.name === 'IncomingCallFailed') count(fiveHundredsByCause, `${event.name === 'CallbackFailed' ? 'callback' : 'IncomingCall'}: ${event.properties['cause'] ?? '?'}`);
    if (event.name === 'CallbackRejected' && event.properties['status'] === '503') count(fiveHundredsByCause, 'callback: signing keys unavailable');
    // The trigger throws on purpose when an answer throttled or cut off could not extend its claim, so that Event Grid redelivers.
    if (event.name === 'CallNotAnswered' && event.properties['reason'] === 'throttled') count(fiveHundredsByCause, 'IncomingCall: answer throttled');
    if (event.name === 'CallNotAnswered' && event.properties['reason'] === 'timedOut') count(fiveHundredsByCause, 'IncomingCall: answer timed out');
  }

  const recoveriesByPhase: Record<string, number> = {};
  const stuck = new Set<string>();
  for (const event of telemetry) {
    if (event.name !== 'CallStuck') continue;
    count(recoveriesByPhase, event.properties['phase'] ?? '?');
    stuck.add(event.properties['callConnectionId'] ?? '');
  }
  for (const call of emulator.caller.calls) if (call.callConnectionId && stuck.has(call.callConnectionId)) rescued.add(call.callId);

  const doubledActions = doubled(emulator.requests);
  for (const call of emulator.caller.calls) {
    if (call.callConnectionId && doubledActions.some((action) => action.startsWith(`${call.callConnectionId ?? ''} `))) flagged.add(call.callId);
  }

  latencies.sort((a, b) => a - b);
  return {
    calls: results.length,
    completed,
    completedAsScripted,
    offScript,
    lostCalls,
    lostTransitions,
    doubledActions,
    stuckCalls,
    unactedTransitions,
    lateMarkers,
    flaggedCalls: [...flagged],
    fiveHundredsByCause,
    deliveriesByStatus,
    duplicateDeliveries,
    redeliveries,
    watchdogRecoveries: telemetry.filter((event) => event.name === 'CallStuck').length,
    recoveriesByPhase,
    rescuedCalls: [...rescued].filter((callId) => !flagged.has(callId)),
    acsFaultsInjected: emulator.requests.filter((request) => request.faultInjected).length,
    acsRequests: emulator.requests.length,
    callbackLatencyMs: { p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), max: latencies.at(-1) ?? 0 },
  };
}

/** The same action (type and operationContext; hang-ups per call) carried out by ACS more than once. */
function doubled(requests: readonly RecordedRequest[]): string[] {
  const performed = new Map<string, number>();
  for (const request of requests) {
    if (request.status < 200 || request.status >= 300 || request.replayed || !request.callConnectionId) continue;
    const action = request.method === 'DELETE' ? 'hangUp' : /:(\w+)$/.exec(request.path)?.[1];
    if (!action || action === 'answer') continue;
    const context = action === 'hangUp' || action === 'terminate' ? '' : String((request.body as { operationContext?: unknown } | undefined)?.operationContext);
    const key = `${request.callConnectionId} ${action === 'terminate' ? 'hangUp' : action} ${context}`;
    performed.set(key, (performed.get(key) ?? 0) + 1);
  }
  return [...performed].filter(([, times]) => times > 1).map(([key, times]) => `${key} x${times}`);
}

function outcomesOf(body: string): string[] {
  try {
    return (JSON.parse(body) as { outcomes?: string[] }).outcomes ?? [];
  } catch {
    return [];
  }
}

function count(tally: Record<string, number>, key: string): void {
  tally[key] = (tally[key] ?? 0) + 1;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0);
}
