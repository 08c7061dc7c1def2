// Every way the code records a call as lost or a callback as unprocessed raises an alert. The events, and the
// closed sets of values their dimensions take, are read from src/ (support/telemetry-events.ts); each event, and
// each value, must be matched by one of the scheduled-query alerts in infra/modules/ops.bicep or be on the
// allow-list below with the reason it needs no alert. A new event or reason fails here until it is classified.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { arrayItems, parseBicepFile, property, repoRoot, stringLiteral, variables } from './support/bicep';
import { kqlStringLiterals } from './support/kusto';
import { emittedEvents, type EmittedEvent } from './support/telemetry-events';

/**
 * What no alert watches, and why. `Event` covers the event with every value; `Event.dimension=value` one value.
 * Keep the reason honest: it is what an operator reads when asking why nothing fired.
 */
const notAlerted: Record<string, string> = {
  // Another delivery of the same IncomingCall while the first is in hand: that delivery answers the call or is
  // itself counted as lost (answer-failures).
  'CallNotAnswered.reason=duplicate': 'the other delivery of a call already being answered',
  // Progress, not loss: the losses of these calls are the events the alerts watch.
  CallReceived: 'a call offered; it ends as CallAnswered or as one of the losses answer-failures counts',
  MenuEntered: 'progress through the menus (the workbook shows drop-off)',
  TransferStarted: 'a transfer that starts; one that fails is TransferFailed (calls-failed)',
  'CallEnded.outcome=completed': 'the call ran to its end',
  'CallEnded.outcome=transferred': 'handed to the operator',
  'CallEnded.outcome=abandoned': 'the caller hung up mid-menu: their choice, shown by the workbook drop-off, not a fault',
  // The call whose flow version is gone hears the apology and ends as CallEnded outcome=failed, which calls-failed
  // counts: alerting on both would count one call twice. The event says why, for whoever follows the alert.
  FlowVersionMissing: 'the same call ends as CallEnded outcome=failed (calls-failed)',
  // Outbound calls: progress, or a failure whose end is OutboundCallEnded failed (outbound-failures) once retries give up.
  OutboundCallRequested: 'a reminder queued; it ends as OutboundCallEnded',
  OutboundCallPlaced: 'an attempt placed; it ends as OutboundCallEnded',
  OutboundCallRejected: "a client's malformed request, answered 400 with every problem: the client's fault, not the hotline's",
  OutboundCallFailed: 'a createCall that failed: refused for good it ends the attempt failed, else the queue retries and poisons it (outbound-failures either way)',
  OutboundPlacementFailed: 'one failed try of a queue message: the fifth ends the request failed, code poisoned (outbound-failures)',
};

interface Alert {
  readonly key: string;
  readonly file: string;
  /** String literals in the KQL (the Kusto parser's tokens, so comments do not count). */
  readonly literals: ReadonlySet<string>;
}

let events: EmittedEvent[] = [];
let alerts: Alert[] = [];

beforeAll(async () => {
  events = emittedEvents();
  const ops = await parseBicepFile(path.join(repoRoot, 'infra/modules/ops.bicep'));
  alerts = arrayItems(variables(ops).get('alerts')).map((alert) => {
    const file = stringLiteral(property(alert, 'query')?.childForFieldName('arguments')?.namedChildren[0]) ?? '';
    const text = readFileSync(path.resolve(path.dirname(ops.abs), file), 'utf8');
    return { key: stringLiteral(property(alert, 'key')) ?? '', file, literals: new Set(kqlStringLiterals(text)) };
  });
}, 60_000);

/**
 * A query covers an event when it names it; it covers a value of a dimension when it names that value, or when it
 * names none of that dimension's values (then it does not filter on them and takes them all).
 */
function coveredBy(event: EmittedEvent, dimension?: string, value?: string): string[] {
  return alerts
    .filter((alert) => alert.literals.has(event.name))
    .filter((alert) => {
      if (!dimension || value === undefined) return true;
      const values = event.dimensions[dimension] ?? [];
      return alert.literals.has(value) || !values.some((candidate) => alert.literals.has(candidate));
    })
    .map((alert) => alert.key);
}

/** Every event and every (dimension, value) of it that is neither alerted nor allow-listed. */
function unclassified(): string[] {
  const missing: string[] = [];
  for (const event of events) {
    if (event.name in notAlerted) continue;
    if (coveredBy(event).length === 0) {
      missing.push(event.name);
      continue;
    }
    for (const [dimension, values] of Object.entries(event.dimensions)) {
      for (const value of values) {
        const key = `${event.name}.${dimension}=${value}`;
        if (!(key in notAlerted) && coveredBy(event, dimension, value).length === 0) missing.push(key);
      }
    }
  }
  return missing;
}

describe('alert coverage', () => {
  it('reads the events from the code, with the reasons calls are lost and callbacks go unprocessed', () => {
    const byName = new Map(events.map((event) => [event.name, event]));
    expect(byName.get('CallNotAnswered')?.dimensions.reason).toEqual(['answerFailed', 'duplicate', 'expired', 'ringWindow', 'throttled', 'timedOut']);
    expect(byName.get('IncomingCallFailed')?.dimensions.cause).toEqual(expect.arrayContaining(['storageUnavailable', 'unexpected']));
    expect(byName.get('CallbackRejected')?.dimensions.reason).toEqual(expect.arrayContaining(['auth', 'malformed']));
    expect(byName.get('CallEnded')?.dimensions.outcome).toEqual(['abandoned', 'completed', 'failed', 'transferred']);
    expect([...byName.keys()]).toEqual(expect.arrayContaining(['CallbackFailed', 'CallbackIgnored', 'ActionFailed', 'CallStuck']));
  });

  it('every event and reason is in an alert query or on the commented allow-list', () => {
    expect(unclassified(), unclassified().join(', ')).toEqual([]);
  });

  it('the ways a call goes unanswered are each in the answer-failures alert', () => {
    const notAnswered = events.find((event) => event.name === 'CallNotAnswered');
    const failed = events.find((event) => event.name === 'IncomingCallFailed');
    if (!notAnswered || !failed) throw new Error('CallNotAnswered / IncomingCallFailed not found in src/');
    for (const reason of ['answerFailed', 'expired', 'throttled']) expect(coveredBy(notAnswered, 'reason', reason), reason).toContain('answer-failures');
    for (const cause of failed.dimensions.cause ?? []) expect(coveredBy(failed, 'cause', cause), cause).toContain('answer-failures');
  });

  it('the allow-list names only events and values the code still emits', () => {
    const known = new Set(events.flatMap((event) => [event.name, ...Object.entries(event.dimensions).flatMap(([dimension, values]) => values.map((value) => `${event.name}.${dimension}=${value}`))]));
    expect(Object.keys(notAlerted).filter((key) => !known.has(key))).toEqual([]);
  });

  it('catches a reason no query names (guards against a check that passes everything)', () => {
    const answerFailures = alerts.find((alert) => alert.key === 'answer-failures');
    if (!answerFailures) throw new Error('answer-failures alert not found');
    const without = new Set([...answerFailures.literals].filter((literal) => literal !== 'throttled'));
    const saved = answerFailures.literals;
    (answerFailures as { literals: ReadonlySet<string> }).literals = without;
    try {
      expect(unclassified()).toEqual(['CallNotAnswered.reason=throttled']);
    } finally {
      (answerFailures as { literals: ReadonlySet<string> }).literals = saved;
    }
  });
});
