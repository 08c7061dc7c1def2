// The workbook JSON is valid, every query file appears in it through a {{query:<name>}} placeholder,
// ops.bicep loads exactly those files, and filling the placeholders the way ops.bicep does gives
// valid workbook JSON again.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  arrayItems,
  type BicepFile,
  callsOf,
  objectKeys,
  parseBicepFile,
  property,
  propertyAt,
  repoRoot,
  resources,
  stringLiteral,
  variables,
} from './support/bicep';

const workbookPath = path.join(repoRoot, 'infra/workbook/hotline.workbook.json');
const queriesDir = path.join(repoRoot, 'infra/queries');
const queryNames = readdirSync(queriesDir)
  .filter((name) => name.endsWith('.kql'))
  .map((name) => name.replace(/\.kql$/, ''))
  .sort();
const workbookText = readFileSync(workbookPath, 'utf8');

interface WorkbookItem {
  readonly type: number;
  readonly name: string;
  readonly content: { readonly query?: string; readonly version?: string; readonly timeContextFromParameter?: string };
}
interface Workbook {
  readonly version: string;
  readonly items: readonly WorkbookItem[];
  readonly fallbackResourceIds: readonly string[];
}

/** The same escaping ops.bicep applies before putting a query inside a JSON string. */
function jsonEscapeLikeBicep(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\t', '\\t').replaceAll('\r', '').replaceAll('\n', '\\n');
}

describe('workbook', () => {
  let ops: BicepFile;
  beforeAll(async () => {
    ops = await parseBicepFile(path.join(repoRoot, 'infra/modules/ops.bicep'));
  });

  it('is valid JSON in the Notebook/1.0 format', () => {
    const workbook = JSON.parse(workbookText) as Workbook;
    expect(workbook.version).toBe('Notebook/1.0');
    expect(workbook.fallbackResourceIds).toEqual(['{{appInsightsId}}']);
  });

  it('shows every query file, once, through a placeholder', () => {
    const placeholders = [...workbookText.matchAll(/\{\{query:([\w-]+)\}\}/g)].map((match) => match[1] ?? '');
    expect([...placeholders].sort()).toEqual(queryNames);
  });

  it('ops.bicep loads each query file under its own placeholder name', () => {
    const queries = variables(ops).get('queries');
    if (!queries) throw new Error('ops.bicep has no queries variable');
    expect([...objectKeys(queries)].sort()).toEqual(queryNames);
    for (const name of queryNames) {
      const call = property(queries, name);
      expect(call?.childForFieldName('function')?.text, name).toBe('loadTextContent');
      expect(stringLiteral(call?.childForFieldName('arguments')?.namedChildren[0]), name).toBe(`../queries/${name}.kql`);
    }
    const workbookLoads = callsOf(ops.root, 'loadTextContent').filter(([target]) => stringLiteral(target)?.endsWith('.json'));
    expect(workbookLoads.map(([target]) => stringLiteral(target))).toEqual(['../workbook/hotline.workbook.json']);
  });

  it('is valid workbook JSON with the real queries once the placeholders are filled', () => {
    let filled = workbookText.replace('{{appInsightsId}}', '/subscriptions/0/resourceGroups/rg/providers/microsoft.insights/components/appi');
    for (const name of queryNames) {
      const escaped = jsonEscapeLikeBicep(readFileSync(path.join(queriesDir, `${name}.kql`), 'utf8'));
      filled = filled.replace(`{{query:${name}}}`, () => escaped);
    }
    const workbook = JSON.parse(filled) as Workbook;
    const queryItems = workbook.items.filter((item) => item.type === 3);
    expect(queryItems).toHaveLength(queryNames.length);
    for (const item of queryItems) {
      expect(item.content.query).toBe(readFileSync(path.join(queriesDir, `${item.name}.kql`), 'utf8').replaceAll('\r', ''));
      expect(item.content.timeContextFromParameter).toBe('TimeRange');
    }
  });

  it('the workbook resource takes its JSON from the filled template', () => {
    const workbook = resources(ops).find((resource) => resource.type === 'Microsoft.Insights/workbooks');
    expect(propertyAt(workbook?.body, 'properties.serializedData')?.text).toBe('workbookJson');
    expect(propertyAt(workbook?.body, 'properties.sourceId')?.text).toBe('appInsightsId');
  });
});

describe('alerts', () => {
  let ops: BicepFile;
  beforeAll(async () => {
    ops = await parseBicepFile(path.join(repoRoot, 'infra/modules/ops.bicep'));
  });

  it('defines the scheduled-query alerts, each reading an alert-*.kql file', () => {
    const alerts = arrayItems(variables(ops).get('alerts'));
    const summary = alerts.map((alert) => ({
      key: stringLiteral(property(alert, 'key')),
      query: stringLiteral(property(alert, 'query')?.childForFieldName('arguments')?.namedChildren[0]),
    }));
    expect(summary).toEqual([
      { key: 'answer-failures', query: '../queries/alert-answer-failures.kql' },
      { key: 'recognize-failure-rate', query: '../queries/alert-recognize-failure-rate.kql' },
      { key: 'callback-errors', query: '../queries/alert-callback-errors.kql' },
      { key: 'calls-stuck', query: '../queries/alert-calls-stuck.kql' },
      { key: 'calls-failed', query: '../queries/alert-calls-failed.kql' },
      { key: 'app-silent', query: '../queries/alert-app-silent.kql' },
      { key: 'outbound-failures', query: '../queries/alert-outbound-failures.kql' },
    ]);
    // The absence alert is the one that fires on too few rows.
    expect(alerts.map((alert) => [stringLiteral(property(alert, 'key')), stringLiteral(property(alert, 'operator'))]).filter(([, operator]) => operator !== 'GreaterThan')).toEqual([
      ['app-silent', 'LessThan'],
    ]);
    const rateAlert = alerts[1];
    expect(stringLiteral(property(rateAlert, 'metricMeasureColumn'))).toBe('failureRatePercent');
  });

  it('deploys one log alert per definition, scoped to Application Insights', () => {
    const rules = resources(ops).find((resource) => resource.type === 'Microsoft.Insights/scheduledQueryRules');
    expect(rules?.loop).toBe(true);
    expect(stringLiteral(propertyAt(rules?.body, 'kind'))).toBe('LogAlert');
    expect(arrayItems(propertyAt(rules?.body, 'properties.scopes')).map((scope) => scope.text)).toEqual(['appInsightsId']);
    const criteria = arrayItems(propertyAt(rules?.body, 'properties.criteria.allOf'))[0];
    expect(propertyAt(criteria, 'query')?.text).toBe('alert.query');
    expect(propertyAt(criteria, 'operator')?.text).toBe('alert.operator');
  });

  it('watches the Event Grid system topic for failed and dropped IncomingCall deliveries, each on its own', () => {
    const metricAlert = resources(ops).find((resource) => resource.type === 'Microsoft.Insights/metricAlerts');
    expect(metricAlert?.loop).toBe(true);
    expect(arrayItems(propertyAt(metricAlert?.body, 'properties.scopes')).map((scope) => scope.text)).toEqual(['systemTopicId']);
    // A rule fires only when all its criteria hold, so one criterion per rule: either metric alone alerts.
    const criteria = arrayItems(propertyAt(metricAlert?.body, 'properties.criteria.allOf'));
    expect(criteria.map((criterion) => property(criterion, 'metricName')?.text)).toEqual(['metric.metricName']);
    const metrics = arrayItems(variables(ops).get('deliveryMetrics')).map((metric) => stringLiteral(property(metric, 'metricName')));
    expect(metrics).toEqual(['DeliveryAttemptFailCount', 'DroppedEventCount']);
  });
});
