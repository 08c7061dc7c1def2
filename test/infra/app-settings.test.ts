// The function app's settings in Bicep must match what src/config.ts reads: every setting the app
// needs is set, nothing the app does not know is set (except the Functions runtime's own settings).
// The app's list is read from the source text of config.ts, so this stays true when it changes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { objectKeys, parseBicepFile, propertyAt, repoRoot, resources } from './support/bicep';

/** Settings the app reads but the Azure deployment deliberately leaves unset, and why. */
const appSettingsLeftUnset: Record<string, string> = {
  ACS_CONNECTION_STRING: 'local only; Azure uses ACS_ENDPOINT with managed identity (exactly one of the two)',
  TABLES_CONNECTION_STRING: 'local only; Azure uses TABLES_ENDPOINT with managed identity (exactly one of the two)',
  QUEUES_CONNECTION_STRING: 'local only; Azure uses QUEUES_ENDPOINT with managed identity (at most one of the two)',
  HOTLINE_FLOW_FILE: 'unset = the bundled flow',
  ACS_OPENID_CONFIGURATION_URL: "optional; the app's default is the real ACS OpenID configuration",
  ACS_CALLBACK_ISSUER: "optional; the app's default is the real ACS issuer",
  WATCHDOG_STALL_SECONDS: 'optional; unset = derived from the flow (at least 45 s), which is what Azure should run',
  CALL_RETENTION_HOURS: "optional; the app's default (24 h) is the retention the privacy notes ask for",
  OUTBOUND_RETRY_SPACING_SECONDS: "local runs only; Azure keeps each campaign's own retry spacing",
};

/** Settings for the Functions runtime and Azure SDKs rather than src/config.ts. */
const runtimeSettings = [
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__clientId',
  'AZURE_CLIENT_ID',
  'languageWorkers__node__arguments',
];

/** Not allowed on Flex Consumption (the platform rejects or ignores them). */
const flexForbidden = [
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_EXTENSION_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_CONTENTSHARE',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
  'WEBSITE_NODE_DEFAULT_VERSION',
  'SCM_DO_BUILD_DURING_DEPLOYMENT',
  'ENABLE_ORYX_BUILD',
];

interface AppSetting {
  readonly name: string;
  readonly optional: boolean;
}

/** Keys of `const rawSettings = z.object({...})` in src/config.ts, and whether each is wrapped in optional(). */
function readAppSettings(): AppSetting[] {
  const configPath = path.join(repoRoot, 'src/config.ts');
  const source = ts.createSourceFile(configPath, readFileSync(configPath, 'utf8'), ts.ScriptTarget.ES2022, true);
  let settings: AppSetting[] | undefined;
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && node.name.getText(source) === 'rawSettings' && node.initializer) {
      const call = node.initializer;
      if (!ts.isCallExpression(call) || call.expression.getText(source) !== 'z.object') {
        throw new Error('rawSettings is no longer z.object({...}); update this test');
      }
      const [shape] = call.arguments;
      if (!shape || !ts.isObjectLiteralExpression(shape)) throw new Error('z.object() argument is not an object literal');
      settings = shape.properties.map((member) => {
        if (!ts.isPropertyAssignment(member)) throw new Error(`unexpected member ${member.getText(source)}`);
        const value = member.initializer;
        const optional =
          ts.isCallExpression(value) && (value.expression.getText(source) === 'optional' || value.expression.getText(source).endsWith('.optional'));
        return { name: member.name.getText(source).replace(/^['"]|['"]$/g, ''), optional };
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (!settings) throw new Error('rawSettings not found in src/config.ts');
  return settings;
}

describe('app settings', () => {
  let app: AppSetting[] = [];
  let bicep: string[] = [];

  beforeAll(async () => {
    app = readAppSettings();
    const functionApp = await parseBicepFile(path.join(repoRoot, 'infra/modules/functionapp.bicep'));
    const config = resources(functionApp).filter(
      (resource) => resource.type === 'Microsoft.Web/sites/config' && propertyAt(resource.body, 'name')?.text === "'appsettings'",
    );
    expect(config).toHaveLength(1);
    const properties = propertyAt(config[0]?.body, 'properties');
    if (!properties) throw new Error('appsettings has no properties object');
    bicep = objectKeys(properties);
  });

  it('reads the app settings from src/config.ts', () => {
    expect(app.map((setting) => setting.name)).toEqual(expect.arrayContaining(['ACS_ENDPOINT', 'CALLBACK_BASE_URL', 'PSEUDONYM_KEY']));
    expect(app.find((setting) => setting.name === 'CALLBACK_BASE_URL')?.optional).toBe(false);
    expect(app.find((setting) => setting.name === 'ACS_ENDPOINT')?.optional).toBe(true);
  });

  it('sets every setting the app reads, except the documented unset ones', () => {
    const missing = app.filter((setting) => !bicep.includes(setting.name) && !(setting.name in appSettingsLeftUnset));
    expect(missing.map((setting) => setting.name)).toEqual([]);
  });

  it('sets every setting the app requires (no optional() wrapper)', () => {
    const required = app.filter((setting) => !setting.optional).map((setting) => setting.name);
    expect(required.filter((name) => !bicep.includes(name))).toEqual([]);
  });

  it('sets nothing the app does not read, apart from the runtime allow-list', () => {
    const known = new Set([...app.map((setting) => setting.name), ...runtimeSettings]);
    expect(bicep.filter((name) => !known.has(name))).toEqual([]);
  });

  it('leaves the documented settings unset, and each of them still exists in config.ts', () => {
    const names = app.map((setting) => setting.name);
    for (const name of Object.keys(appSettingsLeftUnset)) {
      expect(names, `${name} no longer in config.ts: drop it from appSettingsLeftUnset`).toContain(name);
      expect(bicep, `${name}: ${appSettingsLeftUnset[name] ?? ''}`).not.toContain(name);
    }
  });

  it('sets every runtime setting on the allow-list, and none that Flex Consumption rejects', () => {
    expect(runtimeSettings.filter((name) => !bicep.includes(name))).toEqual([]);
    expect(bicep.filter((name) => flexForbidden.includes(name))).toEqual([]);
  });

  it('has no duplicate keys', () => {
    expect(new Set(bicep).size).toBe(bicep.length);
  });
});
