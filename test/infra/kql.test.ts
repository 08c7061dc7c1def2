// Every infra/queries/*.kql parses and analyses cleanly with the Kusto language service, against the
// Application Insights columns it uses; and the queries only read the events the app emits.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TELEMETRY_EVENTS } from '../../src/app/ports';
import { repoRoot } from './support/bicep';
import { emittedEvents } from './support/telemetry-events';
import { kqlResultColumns, kqlSemanticDiagnostics, kqlSyntaxDiagnostics } from './support/kusto';

const queriesDir = path.join(repoRoot, 'infra/queries');
const queryFiles = readdirSync(queriesDir).filter((name) => name.endsWith('.kql')).sort();
const read = (name: string): string => readFileSync(path.join(queriesDir, name), 'utf8');

/** The custom events the app emits, read from src/ (name = event name in customEvents). */
const appEvents = emittedEvents().map((event) => event.name);

/** The event names a query compares `name` with: `name == 'X'`, `name != 'X'` and `name in ('X', 'Y')`. */
function eventNamesIn(kql: string): string[] {
  const compared = [...kql.matchAll(/\bname\s*[!=]=\s*'([^']*)'/g)].map((match) => match[1] ?? '');
  const listed = [...kql.matchAll(/\bname\s+(?:!)?in\s*\(([^)]*)\)/g)].flatMap((match) => [...(match[1] ?? '').matchAll(/'([^']*)'/g)].map((m) => m[1] ?? ''));
  return [...compared, ...listed];
}

describe('KQL queries', () => {
  it('has the queries the workbook and alerts need', () => {
    expect(queryFiles).toEqual(
      expect.arrayContaining([
        'calls-per-hour.kql',
        'call-outcomes.kql',
        'recognize-failures-by-menu.kql',
        'time-to-answer.kql',
        'menu-drop-off.kql',
        'languages.kql',
        'sentiment.kql',
        'alert-answer-failures.kql',
        'alert-recognize-failure-rate.kql',
        'alert-callback-errors.kql',
        'alert-calls-stuck.kql',
        'alert-calls-failed.kql',
        'alert-app-silent.kql',
        'outbound-outcomes.kql',
        'alert-outbound-failures.kql',
      ]),
    );
  });

  it('the analyser does report unknown columns (guards against a check that passes everything)', () => {
    expect(kqlSyntaxDiagnostics('customEvents | where (name == 1')).not.toEqual([]);
    expect(kqlSemanticDiagnostics("customEvents | where nmae == 'CallEnded'")).not.toEqual([]);
  });

  it.each(queryFiles)('%s parses without diagnostics', (name) => {
    expect(kqlSyntaxDiagnostics(read(name))).toEqual([]);
  });

  it.each(queryFiles)('%s analyses cleanly against the App Insights schema', (name) => {
    expect(kqlSemanticDiagnostics(read(name))).toEqual([]);
  });

  it('reads event names the way the queries write them (guards against a check that finds nothing)', () => {
    expect(eventNamesIn("customEvents | where name == 'A' or name != 'B' | where name in ('C', 'D')")).toEqual(['A', 'B', 'C', 'D']);
  });

  it('the events read from the code are the list trackEvent is typed against', () => {
    expect([...new Set(appEvents)].sort()).toEqual([...TELEMETRY_EVENTS].sort());
  });

  it.each(queryFiles)('%s names only events the app emits', (name) => {
    const text = read(name);
    const unknown = eventNamesIn(text).filter((event) => !appEvents.includes(event));
    expect(unknown).toEqual([]);
    expect(text).not.toMatch(/\bAppEvents\b/); // one table family throughout: the classic customEvents
  });

  it('every query that reads customEvents names the events it reads', () => {
    const unnamed = queryFiles.filter((name) => /\bcustomEvents\b/.test(read(name)) && eventNamesIn(read(name)).length === 0);
    expect(unnamed).toEqual([]);
  });

  it('leaves the time range to the workbook and the alert window (no ago() in a query)', () => {
    expect(queryFiles.filter((name) => /\bago\s*\(/.test(read(name)))).toEqual([]);
  });

  it('splits call outcomes by flow version', () => {
    expect(kqlResultColumns(read('outcomes-by-flow-version.kql'))).toEqual(['flowVersion', 'outcome', 'calls', 'sharePercent', 'firstEnded', 'lastEnded']);
  });

  it('the rate alert query returns the column the alert rule measures', () => {
    expect(kqlResultColumns(read('alert-recognize-failure-rate.kql'))).toContain('failureRatePercent');
  });
});
