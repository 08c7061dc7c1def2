// Offline checks of infra/**/*.bicep: syntax (tree-sitter-bicep) and the structure a deploy relies on.
// Not a compiler: types, property names and scopes are only checked by `az bicep build` / what-if.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Node } from 'web-tree-sitter';
import {
  arrayItems,
  type BicepFile,
  callsOf,
  descendants,
  numberValue,
  objectKeys,
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

function objectKeysOf(node: Node | undefined): string[] {
  return node?.type === 'object' ? objectKeys(node) : [];
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
        'Microsoft.Authorization/roleDefinitions@2022-04-01',
        'Microsoft.CognitiveServices/accounts@2025-06-01',
        'Microsoft.Communication/communicationServices@2025-09-01',
        'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15',
        'Microsoft.EventGrid/systemTopics@2025-02-15',
        'Microsoft.Insights/actionGroups@2023-01-01',
        'Microsoft.Insights/components@2020-02-02',
        'Microsoft.Insights/metricAlerts@2018-03-01',
        'Microsoft.Insights/scheduledQueryRules@2023-12-01',
        'Microsoft.Insights/workbooks@2023-06-01',
        'Microsoft.KeyVault/vaults/secrets@2024-11-01',
        'Microsoft.KeyVault/vaults@2024-11-01',
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
        'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01',
        'Microsoft.Web/sites/config@2024-04-01',
        'Microsoft.Web/sites@2024-04-01',
      ].sort(),
    );
    expect(declared.filter((version) => version.includes('preview'))).toEqual([]);
  });

  it('keeps the IncomingCall trigger and the http group (callbacks) always ready together', () => {
    const site = only('Microsoft.Web/sites');
    const alwaysReady = propertyAt(site.body, 'properties.functionAppConfig.scaleAndConcurrency.alwaysReady');
    expect(alwaysReady?.type).toBe('ternary_expression');
    const groups = descendants(alwaysReady as Node, 'object').map((entry) => stringLiteral(propertyAt(entry, 'name')));
    expect(groups).toEqual(['function:incomingCall', 'http']);
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
  const builtIn = {
    'infra/modules/rbac.bicep:blobOwner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b', // Storage Blob Data Owner
    'infra/modules/rbac.bicep:tableContributor': '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3', // Storage Table Data Contributor
    'infra/modules/rbac.bicep:telemetryPublisher': '3913510d-42f4-4e42-8a64-420c390055eb', // Monitoring Metrics Publisher
    'infra/modules/rbac.bicep:secretsUser': '4633458b-17de-408a-b874-0445c86b69e6', // Key Vault Secrets User
    'infra/modules/communication.bicep:acsCanUseAi': 'a97b65f3-24c7-4388-baec-2e87135dc908', // Cognitive Services User
    'infra/modules/outbound.bicep:queueContributor': '974c5e8b-45b9-4653-ba55-5f855dd0fb88', // Storage Queue Data Contributor, per queue
  };
  const assignments = () => all.filter((resource) => resource.type === 'Microsoft.Authorization/roleAssignments');
  const roleArguments = (assignment: ResourceDeclaration) => {
    const call = propertyAt(assignment.body, 'properties.roleDefinitionId');
    expect(call?.childForFieldName('function')?.text).toBe('subscriptionResourceId');
    const args = call?.type === 'call_expression' ? (call.childForFieldName('arguments')?.namedChildren ?? []) : [];
    expect(stringLiteral(args[0])).toBe('Microsoft.Authorization/roleDefinitions');
    return args[1];
  };

  it('assigns exactly the expected built-in roles, and the custom Call Automation role (no Contributor)', () => {
    const actual = Object.fromEntries(
      assignments().map((assignment) => [`${assignment.file.rel}:${assignment.symbol}`, resolveString(assignment.file, roleArguments(assignment)) ?? roleArguments(assignment)?.text]),
    );
    expect(actual).toEqual({ ...builtIn, 'infra/modules/rbac.bicep:callAutomation': 'callAutomationRole.name' });
    expect(JSON.stringify(actual)).not.toContain('b24988ac-6180-42a0-ab88-20f7382dd24c'); // Contributor
  });

  it('the custom role allows reading and writing the ACS resource only: no keys, no delete, no data actions', () => {
    const role = only('Microsoft.Authorization/roleDefinitions');
    const [permissions] = arrayItems(propertyAt(role.body, 'properties.permissions'));
    expect(arrayItems(propertyAt(permissions, 'actions')).map((action) => stringLiteral(action))).toEqual([
      'Microsoft.Communication/CommunicationServices/Read',
      'Microsoft.Communication/CommunicationServices/Write',
    ]);
    for (const key of ['notActions', 'dataActions', 'notDataActions']) expect(arrayItems(propertyAt(permissions, key)), key).toEqual([]);
    expect(propertyAt(role.body, 'properties.assignableScopes')?.text.replace(/\s+/g, '')).toBe('[resourceGroup().id]');
  });

  it('scopes each assignment to one resource, for a service principal, with a deterministic name', () => {
    const scopes: Record<string, string | undefined> = {};
    for (const assignment of assignments()) {
      const key = `${assignment.file.rel}:${assignment.symbol}`;
      scopes[key] = propertyAt(assignment.body, 'scope')?.text;
      expect(str(assignment, 'properties.principalType'), key).toBe('ServicePrincipal');
      expect(propertyAt(assignment.body, 'name')?.text, key).toMatch(/^guid\(/);
    }
    expect(scopes).toEqual({
      'infra/modules/rbac.bicep:blobOwner': 'storage',
      'infra/modules/rbac.bicep:tableContributor': 'callStateTable',
      'infra/modules/rbac.bicep:telemetryPublisher': 'appInsights',
      'infra/modules/rbac.bicep:secretsUser': 'vault',
      'infra/modules/rbac.bicep:callAutomation': 'acs',
      'infra/modules/communication.bicep:acsCanUseAi': 'aiServices',
      'infra/modules/outbound.bicep:queueContributor': 'queues[index]',
    });
  });
});

describe('no keys anywhere', () => {
  it('Application Insights, ACS and the AI account refuse local (key) authentication', () => {
    expect(propertyAt(only('Microsoft.Insights/components').body, 'properties.DisableLocalAuth')?.text).toBe('true');
    expect(propertyAt(only('Microsoft.Communication/communicationServices').body, 'properties.disableLocalAuth')?.text).toBe('true');
    expect(propertyAt(only('Microsoft.CognitiveServices/accounts').body, 'properties.disableLocalAuth')?.text).toBe('true');
    expect(propertyAt(only('Microsoft.Storage/storageAccounts').body, 'properties.allowSharedKeyAccess')?.text).toBe('false');
  });

  it('turns off the site\'s basic publishing credentials for ftp and scm', () => {
    const policies = all.filter((resource) => resource.type === 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
    expect(policies.map((policy) => [str(policy, 'name'), propertyAt(policy.body, 'properties.allow')?.text]).sort()).toEqual([
      ['ftp', 'false'],
      ['scm', 'false'],
    ]);
  });

  it('no module outputs or lists keys or connection strings', () => {
    for (const parsed of files) expect(parsed.source, parsed.rel).not.toMatch(/\blist(Keys|ConnectionStrings)\s*\(|\.listKeys\(/);
  });
});

describe('Key Vault', () => {
  it('is an RBAC-mode vault', () => {
    const vault = only('Microsoft.KeyVault/vaults');
    expect(propertyAt(vault.body, 'properties.enableRbacAuthorization')?.text).toBe('true');
    expect(propertyAt(vault.body, 'properties.accessPolicies')).toBeUndefined();
  });

  it('writes a secret only when given a new value, so a rerun keeps the key existing rows depend on', () => {
    const secrets = only('Microsoft.KeyVault/vaults/secrets');
    expect(secrets.loop).toBe(true);
    expect(secrets.condition).toBe("(!empty(newSecrets[?secret.key] ?? ''))");
  });

  it('backs every secret app setting with a Key Vault reference resolved by the user-assigned identity', () => {
    const vaultModule = file('infra/modules/keyvault.bicep');
    const secretNames = descendants(vaultModule.root, 'variable_declaration').find((node) => node.namedChildren[0]?.text === 'secretNames');
    const settings = objectKeysOf(secretNames?.namedChildren.at(-1));
    expect(settings).toContain('PSEUDONYM_KEY');
    const site = only('Microsoft.Web/sites');
    expect(propertyAt(site.body, 'properties.keyVaultReferenceIdentity')?.text).toBe('identityId');
    const appSettings = all.find((resource) => resource.type === 'Microsoft.Web/sites/config');
    for (const setting of settings) expect(propertyAt(appSettings?.body, `properties.${setting}`)?.text, setting).toBe(`keyVaultReferences.${setting}`);
    expect(vaultModule.source).toMatch(/'@Microsoft\.KeyVault\(SecretUri=\$\{vaultUri\}secrets\/\$\{secret\.value\}\/\)'/);
    expect(vaultModule.source).toMatch(/var vaultUri = 'https:\/\/\$\{vault\.name\}\$\{environment\(\)\.suffixes\.keyvaultDns\}\/'/);
  });

  it('never outputs a secret value', () => {
    for (const parsed of files) {
      for (const output of descendants(parsed.root, 'output_declaration')) expect(output.text, parsed.rel).not.toMatch(/newSecrets|pseudonymKey/);
    }
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
    expect(Object.keys(parameters.parameters)).not.toContain('newSecrets');
  });

  it('marks the new secrets as @secure() wherever they are passed', () => {
    for (const rel of ['infra/main.bicep', 'infra/modules/keyvault.bicep']) {
      const declaration = descendants(file(rel).root, 'parameter_declaration').find((node) => node.namedChildren[0]?.text === 'newSecrets');
      expect(declaration?.previousNamedSibling?.text, rel).toContain('@secure()');
    }
  });

  it('allows only regions that offer Flex Consumption', () => {
    const declaration = descendants(file('infra/main.bicep').root, 'parameter_declaration').find((node) => node.namedChildren[0]?.text === 'location');
    const decorators = declaration?.previousNamedSibling?.text ?? '';
    const allowed = [...decorators.matchAll(/'([a-z0-9]+)'/g)].map((match) => match[1]);
    expect(allowed).toEqual(expect.arrayContaining(['eastus', 'westeurope', 'swedencentral', 'australiaeast']));
    expect(allowed.length).toBeGreaterThan(25);
    expect(allowed).not.toContain('eastus2euap'); // canary region
  });
});
