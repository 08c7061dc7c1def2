// Offline checks of infra/**/*.bicep: syntax (tree-sitter-bicep) and the structure a deploy relies on.
// Not a compiler: types, property names and scopes are only checked by `az bicep build` / what-if.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  arrayItems,
  type BicepFile,
  callsOf,
  descendants,
  numberValue,
  parameterDefaults,
  parseAllBicep,
  parseBicepFile,
  propertyAt,
  repoRoot,
  resolveString,
  type ResourceDeclaration,
  resources,
  stringLiteral,
  syntaxProblems,
} from './support/bicep';

let files: BicepFile[] = [];
let all: ResourceDeclaration[] = [];

beforeAll(async () => {
  files = await parseAllBicep();
  all = files.flatMap((file) => resources(file));
});

function file(rel: string): BicepFile {
  const found = files.find((candidate) => candidate.rel === rel);
  if (!found) throw new Error(`${rel} not parsed`);
  return found;
}

function only(type: string, options: { existing?: boolean } = {}): ResourceDeclaration {
  const matches = all.filter((resource) => resource.type === type && resource.existing === (options.existing ?? false));
  expect(matches.map((resource) => `${resource.file.rel}:${resource.symbol}`)).toHaveLength(1);
  return matches[0] as ResourceDeclaration;
}

function str(resource: ResourceDeclaration, dottedPath: string): string | undefined {
  return stringLiteral(propertyAt(resource.body, dottedPath));
}

describe('Bicep syntax', () => {
  it('finds main.bicep and the modules', () => {
    expect(files.map((parsed) => parsed.rel)).toEqual(
      expect.arrayContaining(['infra/main.bicep', 'infra/modules/functionapp.bicep', 'infra/modules/eventgrid.bicep']),
    );
  });

  it('parses every .bicep file without ERROR or MISSING nodes', () => {
    const problems = files.flatMap((parsed) => syntaxProblems(parsed.root).map((problem) => `${parsed.rel}:${problem}`));
    expect(problems).toEqual([]);
  });

  it('the parser does flag broken Bicep (guards against a grammar that accepts anything)', async () => {
    const broken = path.join(mkdtempSync(path.join(tmpdir(), 'bicep-')), 'broken.bicep');
    writeFileSync(broken, "resource x 'Microsoft.Web/sites@2024-04-01' = {\n  name: 'a'\n  properties: {\n");
    expect(syntaxProblems((await parseBicepFile(broken)).root)).not.toEqual([]);
  });
});

describe('Bicep structure', () => {
  it('deploys at resource-group scope from main.bicep', () => {
    const scope = descendants(file('infra/main.bicep').root, 'target_scope_assignment')[0];
    expect(stringLiteral(scope?.namedChildren[0])).toBe('resourceGroup');
  });

  it('uses only local modules that exist (no public registry)', () => {
    for (const parsed of files) {
      for (const module of descendants(parsed.root, 'module_declaration')) {
        const target = stringLiteral(module.namedChildren[1]);
        expect(target, `${parsed.rel}: ${module.text.split('\n')[0] ?? ''}`).toMatch(/^[\w./-]+\.bicep$/);
        expect(existsSync(path.resolve(path.dirname(parsed.abs), target ?? '')), target).toBe(true);
      }
    }
  });

  it('loads only files that exist (loadTextContent / loadJsonContent)', () => {
    for (const parsed of files) {
      for (const name of ['loadTextContent', 'loadJsonContent']) {
        for (const [target] of callsOf(parsed.root, name)) {
          const rel = stringLiteral(target);
          expect(rel, `${parsed.rel}: ${name} needs a literal path`).toBeDefined();
          expect(existsSync(path.resolve(path.dirname(parsed.abs), rel ?? '')), `${parsed.rel}: ${rel ?? ''}`).toBe(true);
        }
      }
    }
  });

  it('pins exactly these resource types and API versions', () => {
    const declared = [...new Set(all.map((resource) => `${resource.type}@${resource.apiVersion}`))].sort();
    expect(declared).toEqual(
      [
        'Microsoft.Authorization/roleAssignments@2022-04-01',
        'Microsoft.CognitiveServices/accounts@2025-06-01',
        'Microsoft.Communication/communicationServices@2025-09-01',
        'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15',
        'Microsoft.EventGrid/systemTopics@2025-02-15',
        'Microsoft.Insights/actionGroups@2023-01-01',
        'Microsoft.Insights/components@2020-02-02',
        'Microsoft.Insights/scheduledQueryRules@2023-12-01',
        'Microsoft.Insights/workbooks@2023-06-01',
        'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30',
        'Microsoft.OperationalInsights/workspaces@2025-02-01',
        'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01',
        'Microsoft.Storage/storageAccounts/blobServices@2024-01-01',
        'Microsoft.Storage/storageAccounts/queueServices/queues@2024-01-01',
        'Microsoft.Storage/storageAccounts/queueServices@2024-01-01',
        'Microsoft.Storage/storageAccounts/tableServices/tables@2024-01-01',
        'Microsoft.Storage/storageAccounts/tableServices@2024-01-01',
        'Microsoft.Storage/storageAccounts@2024-01-01',
        'Microsoft.Web/serverfarms@2024-04-01',
        'Microsoft.Web/sites/config@2024-04-01',
        'Microsoft.Web/sites@2024-04-01',
      ].sort(),
    );
    expect(declared.filter((version) => version.includes('preview'))).toEqual([]);
  });

  it('runs the app on a Flex Consumption plan with Node 22 and a user-assigned identity', () => {
    const plan = only('Microsoft.Web/serverfarms');
    expect(str(plan, 'sku.name')).toBe('FC1');
    expect(str(plan, 'sku.tier')).toBe('FlexConsumption');
    expect(propertyAt(plan.body, 'properties.reserved')?.text).toBe('true');

    const site = only('Microsoft.Web/sites');
    expect(str(site, 'kind')).toBe('functionapp,linux');
    expect(str(site, 'identity.type')).toBe('UserAssigned');
    expect(str(site, 'properties.functionAppConfig.runtime.name')).toBe('node');
    expect(str(site, 'properties.functionAppConfig.runtime.version')).toBe('22');
    expect(str(site, 'properties.functionAppConfig.deployment.storage.type')).toBe('blobContainer');
    expect(str(site, 'properties.functionAppConfig.deployment.storage.authentication.type')).toBe('UserAssignedIdentity');
    expect(propertyAt(site.body, 'properties.httpsOnly')?.text).toBe('true');
  });

  it('locks the storage account down (no shared keys, no public blobs, TLS 1.2) and creates the container and table', () => {
    const storage = only('Microsoft.Storage/storageAccounts');
    expect(propertyAt(storage.body, 'properties.allowSharedKeyAccess')?.text).toBe('false');
    expect(propertyAt(storage.body, 'properties.allowBlobPublicAccess')?.text).toBe('false');
    expect(str(storage, 'properties.minimumTlsVersion')).toBe('TLS1_2');
    only('Microsoft.Storage/storageAccounts/blobServices/containers');
    only('Microsoft.Storage/storageAccounts/tableServices/tables');
    const mainDefaults = parameterDefaults(file('infra/main.bicep'));
    expect(stringLiteral(mainDefaults.get('callStateTableName'))).toBe('callstate');
  });

  it('gives ACS a system-assigned identity and the AI account a custom subdomain', () => {
    const acs = only('Microsoft.Communication/communicationServices');
    expect(str(acs, 'location')).toBe('global');
    expect(str(acs, 'identity.type')).toBe('SystemAssigned');
    expect(propertyAt(acs.body, 'properties.dataLocation')).toBeDefined();

    const ai = only('Microsoft.CognitiveServices/accounts');
    expect(str(ai, 'kind')).toBe('AIServices');
    expect(propertyAt(ai.body, 'properties.customSubDomainName')).toBeDefined();
  });

  it('uses a global Event Grid system topic on the ACS resource', () => {
    const topic = only('Microsoft.EventGrid/systemTopics');
    expect(str(topic, 'location')).toBe('global');
    expect(str(topic, 'properties.topicType')).toBe('Microsoft.Communication.CommunicationServices');
    expect(propertyAt(topic.body, 'properties.source')?.text).toBe('acs.id');
    expect(all.filter((resource) => resource.type === 'Microsoft.EventGrid/eventSubscriptions')).toEqual([]);
  });
});

describe('role assignments', () => {
  const expected = {
    'infra/modules/rbac.bicep:blobOwner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b', // Storage Blob Data Owner
    'infra/modules/rbac.bicep:tableContributor': '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3', // Storage Table Data Contributor
    'infra/modules/rbac.bicep:acsContributor': 'b24988ac-6180-42a0-ab88-20f7382dd24c', // Contributor, ACS resource only
    'infra/modules/communication.bicep:acsCanUseAi': 'a97b65f3-24c7-4388-baec-2e87135dc908', // Cognitive Services User
    'infra/modules/outbound.bicep:queueContributor': '974c5e8b-45b9-4653-ba55-5f855dd0fb88', // Storage Queue Data Contributor, per queue
  };

  it('assigns exactly the expected built-in roles', () => {
    const assignments = all.filter((resource) => resource.type === 'Microsoft.Authorization/roleAssignments');
    const actual = Object.fromEntries(
      assignments.map((assignment) => {
        const call = propertyAt(assignment.body, 'properties.roleDefinitionId');
        const args = call?.type === 'call_expression' ? (call.childForFieldName('arguments')?.namedChildren ?? []) : [];
        expect(call?.childForFieldName('function')?.text).toBe('subscriptionResourceId');
        expect(stringLiteral(args[0])).toBe('Microsoft.Authorization/roleDefinitions');
        return [`${assignment.file.rel}:${assignment.symbol}`, resolveString(assignment.file, args[1])];
      }),
    );
    expect(actual).toEqual(expected);
  });

  it('scopes each assignment to one resource, for a service principal, with a deterministic name', () => {
    const scopes: Record<string, string | undefined> = {};
    for (const assignment of all.filter((resource) => resource.type === 'Microsoft.Authorization/roleAssignments')) {
      const key = `${assignment.file.rel}:${assignment.symbol}`;
      scopes[key] = propertyAt(assignment.body, 'scope')?.text;
      expect(str(assignment, 'properties.principalType'), key).toBe('ServicePrincipal');
      expect(propertyAt(assignment.body, 'name')?.text, key).toMatch(/^guid\(/);
    }
    expect(scopes).toEqual({
      'infra/modules/rbac.bicep:blobOwner': 'storage',
      'infra/modules/rbac.bicep:tableContributor': 'storage',
      'infra/modules/rbac.bicep:acsContributor': 'acs',
      'infra/modules/communication.bicep:acsCanUseAi': 'aiServices',
      'infra/modules/outbound.bicep:queueContributor': 'queues[index]',
    });
  });
});

describe('IncomingCall subscription', () => {
  let subscription: ResourceDeclaration;
  beforeAll(() => {
    subscription = only('Microsoft.EventGrid/systemTopics/eventSubscriptions');
  });

  it('is created only in phase 2', () => {
    expect(subscription.condition).toBe('(deployIncomingCallSubscription)');
    const defaults = parameterDefaults(file('infra/main.bicep'));
    expect(defaults.get('deployIncomingCallSubscription')?.text).toBe('false');
  });

  it('delivers to the incomingCall function with the Event Grid schema, one event at a time', () => {
    expect(str(subscription, 'properties.eventDeliverySchema')).toBe('EventGridSchema');
    expect(str(subscription, 'properties.destination.endpointType')).toBe('AzureFunction');
    expect(propertyAt(subscription.body, 'properties.destination.properties.resourceId')?.text).toBe(
      "'${functionApp.id}/functions/${incomingCallFunctionName}'",
    );
    const defaults = parameterDefaults(subscription.file);
    expect(stringLiteral(defaults.get('incomingCallFunctionName'))).toBe('incomingCall');
    expect(numberValue(propertyAt(subscription.body, 'properties.destination.properties.maxEventsPerBatch'))).toBe(1);
  });

  it('filters on the IncomingCall event type and the hotline number', () => {
    const types = arrayItems(propertyAt(subscription.body, 'properties.filter.includedEventTypes')).map((item) => stringLiteral(item));
    expect(types).toEqual(['Microsoft.Communication.IncomingCall']);
    const filters = arrayItems(propertyAt(subscription.body, 'properties.filter.advancedFilters'));
    expect(filters).toHaveLength(1);
    const [filter] = filters;
    expect(stringLiteral(propertyAt(filter, 'key'))).toBe('data.to.PhoneNumber.Value');
    expect(stringLiteral(propertyAt(filter, 'operatorType'))).toBe('StringIn');
    expect(arrayItems(propertyAt(filter, 'values')).map((value) => value.text)).toEqual(['hotlinePhoneNumber']);
  });

  it('retries once and drops events older than a minute', () => {
    expect(numberValue(propertyAt(subscription.body, 'properties.retryPolicy.maxDeliveryAttempts'))).toBe(2);
    expect(numberValue(propertyAt(subscription.body, 'properties.retryPolicy.eventTimeToLiveInMinutes'))).toBe(1);
  });
});

describe('deployment parameters', () => {
  it('main.parameters.json is valid JSON naming only parameters main.bicep declares', () => {
    const parameters = JSON.parse(readFileSync(path.join(repoRoot, 'infra/main.parameters.json'), 'utf8')) as {
      parameters: Record<string, unknown>;
    };
    const declared = parameterDefaults(file('infra/main.bicep'));
    for (const name of Object.keys(parameters.parameters)) expect(declared.has(name), name).toBe(true);
    // Secrets and phone numbers come from scripts/deploy.sh, never from a committed file.
    expect(Object.keys(parameters.parameters)).not.toContain('pseudonymKey');
  });

  it('marks the pseudonym key as @secure()', () => {
    const main = file('infra/main.bicep');
    const declaration = descendants(main.root, 'parameter_declaration').find((node) => node.namedChildren[0]?.text === 'pseudonymKey');
    expect(declaration?.previousNamedSibling?.text).toContain('@secure()');
  });
});
