// Owns the smoke test's checks of a real deployment, each with the Azure CLI commands it runs, so that a dry
// run can print exactly what a real run would do.
import { CALLBACK_ROUTE } from '../../src/app/routes';
import type { SmokeOptions } from './smoke-args';

/** What the checks need from the outside world: the signed-in Azure CLI and HTTP. */
export interface SmokeWorld {
  az(args: readonly string[]): Promise<string>;
  post(url: string, body: string): Promise<number>;
  /** Places the billed test call; returns its correlation id and a way to hang it up. */
  placeCall(acsEndpoint: string, from: string, to: string, callbackUrl: string): Promise<{ correlationId: string; hangUp(): Promise<void> }>;
  sleep(ms: number): Promise<void>;
  log(line: string): void;
}

/** What the checks find out about the deployment; in a dry run, placeholders. */
export interface Deployment {
  readonly resourceGroup: string;
  readonly environment: string;
  readonly functionApp: string;
  readonly hostName: string;
  readonly systemTopic: string;
  readonly appInsights: string;
}

export interface Check {
  readonly name: string;
  /** The az commands (arguments after `az`) the check runs, for the dry run and the real one alike. */
  commands(deployment: Deployment): string[][];
  run(deployment: Deployment, world: SmokeWorld): Promise<string>;
}

/** The functions src/functions/hotline-functions.ts registers (tools/smoke is checked against it). */
export const EXPECTED_FUNCTIONS = ['callbacks', 'incomingCall', 'retention', 'watchdog'] as const;
export const INCOMING_CALL_SUBSCRIPTION = 'incoming-call';

const tagged = (environment: string) => `[?tags.workload=='ivr-hotline' && tags.environment=='${environment}']`;

/** The environment of the one hotline function app in the group; more or fewer is an error naming them. */
async function onlyEnvironment(group: string, world: SmokeWorld): Promise<string> {
  const found = (await world.az(['functionapp', 'list', '--resource-group', group, '--query', "[?tags.workload=='ivr-hotline'].tags.environment", '-o', 'tsv']))
    .split('\n')
    .filter(Boolean);
  const [only, ...others] = [...new Set(found)].sort();
  if (only === undefined) throw new Error(`no hotline function app in ${group}`);
  if (others.length > 0) throw new Error(`${group} holds several environments (${[only, ...others].join(', ')}): pass --environment`);
  return only;
}

/** Finds the deployment's resources by tag; the environment too, when there is only one. */
export async function discover(options: SmokeOptions, world: SmokeWorld): Promise<Deployment> {
  const group = options.resourceGroup;
  const environment = options.environment ?? (await onlyEnvironment(group, world));
  const one = async (kind: string[], what: string) => {
    const value = (await world.az([...kind, 'list', '--resource-group', group, '--query', `${tagged(environment)}.name | [0]`, '-o', 'tsv'])).trim();
    if (!value) throw new Error(`no ${what} of environment ${environment} in ${group}`);
    return value;
  };
  const functionApp = await one(['functionapp'], 'function app');
  const hostName = (await world.az(['functionapp', 'show', '--resource-group', group, '--name', functionApp, '--query', 'defaultHostName', '-o', 'tsv'])).trim();
  return {
    resourceGroup: group,
    environment,
    functionApp,
    hostName,
    systemTopic: await one(['eventgrid', 'system-topic'], 'Event Grid system topic'),
    appInsights: await one(['monitor', 'app-insights', 'component'], 'Application Insights component'),
  };
}

export function placeholders(options: SmokeOptions): Deployment {
  const environment = options.environment ?? '<environment>';
  return {
    resourceGroup: options.resourceGroup,
    environment,
    functionApp: `<function app tagged environment=${environment}>`,
    hostName: '<its default host name>',
    systemTopic: `<system topic tagged environment=${environment}>`,
    appInsights: `<Application Insights tagged environment=${environment}>`,
  };
}

const functionsRegistered: Check = {
  name: 'the functions are registered',
  commands: (d) => [['functionapp', 'function', 'list', '--resource-group', d.resourceGroup, '--name', d.functionApp, '--query', '[].{name: name, disabled: isDisabled}', '-o', 'json']],
  async run(d, world) {
    const [command] = this.commands(d);
    const listed = JSON.parse(await world.az(command ?? [])) as { name: string; disabled: boolean | null }[];
    // az names them "<app>/<function>".
    const names = new Map(listed.map((fn) => [fn.name.split('/').at(-1) ?? fn.name, fn.disabled === true]));
    const missing = EXPECTED_FUNCTIONS.filter((name) => !names.has(name));
    const disabled = EXPECTED_FUNCTIONS.filter((name) => names.get(name) === true);
    if (missing.length > 0 || disabled.length > 0) {
      throw new Error(`missing: ${missing.join(', ') || 'none'}; disabled: ${disabled.join(', ') || 'none'} (publish again, then check the app's start-up log)`);
    }
    return EXPECTED_FUNCTIONS.join(', ');
  },
};

const subscriptionActive: Check = {
  name: 'the IncomingCall Event Grid subscription is active',
  commands: (d) => [
    ['eventgrid', 'system-topic', 'event-subscription', 'show', '--resource-group', d.resourceGroup, '--system-topic-name', d.systemTopic, '--name', INCOMING_CALL_SUBSCRIPTION, '--query', '{state: provisioningState, endpoint: destination.endpointType, types: filter.includedEventTypes}', '-o', 'json'],
  ],
  async run(d, world) {
    const [command] = this.commands(d);
    const found = JSON.parse(await world.az(command ?? [])) as { state: string; endpoint: string; types: string[] | null };
    if (found.state !== 'Succeeded') throw new Error(`provisioning state ${found.state} (run phase 2: npm run deploy -- ${d.resourceGroup} --hotline-number ...)`);
    if (!(found.types ?? []).includes('Microsoft.Communication.IncomingCall')) throw new Error(`filters ${JSON.stringify(found.types)}, not IncomingCall`);
    return `${found.endpoint}, ${found.state}`;
  },
};

const settingsResolve: Check = {
  name: 'every Key Vault reference in the app settings resolves',
  commands: (d) => [
    ['functionapp', 'show', '--resource-group', d.resourceGroup, '--name', d.functionApp, '--query', 'id', '-o', 'tsv'],
    ['rest', '--method', 'get', '--url', 'https://management.azure.com<app id>/config/configreferences/appsettings?api-version=2024-04-01', '--query', 'value[].{name: name, status: properties.status, details: properties.details}', '-o', 'json'],
  ],
  async run(d, world) {
    const [show, rest] = this.commands(d);
    const id = (await world.az(show ?? [])).trim();
    const url = (rest ?? []).map((arg) => arg.replace('<app id>', id));
    const references = JSON.parse(await world.az(url)) as { name: string; status: string; details: string | null }[];
    const broken = references.filter((reference) => reference.status !== 'Resolved');
    if (references.length === 0) throw new Error('no Key Vault references found: PSEUDONYM_KEY should be one (deploy again)');
    if (broken.length > 0) throw new Error(broken.map((reference) => `${reference.name}: ${reference.status} ${reference.details ?? ''}`).join('; '));
    return references.map((reference) => reference.name).join(', ');
  },
};

const callbackNeedsToken: Check = {
  name: 'a callback without a token is refused with 401',
  commands: () => [],
  async run(d, world) {
    const status = await world.post(`https://${d.hostName}/api/${CALLBACK_ROUTE}`, '[]');
    if (status !== 401) throw new Error(`got ${status}${status === 200 ? ': CALLBACK_AUTH is off' : ''}`);
    return '401';
  },
};

export function testCall(timeoutSeconds: number): Check {
  const query = (correlationId: string) =>
    `customEvents | where timestamp > ago(30m) | where tostring(customDimensions.callKey) == '${correlationId}' | summarize by name`;
  return {
    name: `a test call from ACS to the hotline number is answered (followed in Application Insights, up to ${timeoutSeconds} s)`,
    commands: (d) => [
      ['functionapp', 'config', 'appsettings', 'list', '--resource-group', d.resourceGroup, '--name', d.functionApp, '--query', "[?name=='ACS_ENDPOINT' || name=='HOTLINE_PHONE_NUMBER'].{name: name, value: value}", '-o', 'json'],
      ['monitor', 'app-insights', 'query', '--resource-group', d.resourceGroup, '--app', d.appInsights, '--analytics-query', query('<correlation id of the test call>'), '-o', 'json'],
    ],
    async run(d, world) {
      const [settingsCommand, queryCommand] = this.commands(d);
      const settings = Object.fromEntries((JSON.parse(await world.az(settingsCommand ?? [])) as { name: string; value: string }[]).map((s) => [s.name, s.value]));
      const endpoint = settings.ACS_ENDPOINT;
      const hotline = settings.HOTLINE_PHONE_NUMBER;
      if (!endpoint || !hotline) throw new Error('ACS_ENDPOINT or HOTLINE_PHONE_NUMBER is not set on the app');
      // The hotline calls itself: the app answers the incoming leg; this leg's callbacks go to the app too and are ignored there.
      const call = await world.placeCall(endpoint, hotline, hotline, `https://${d.hostName}/api/${CALLBACK_ROUTE}`);
      world.log(`    call placed (correlation id ${call.correlationId}); waiting for CallAnswered and MenuEntered`);
      const wanted = ['CallReceived', 'CallAnswered', 'MenuEntered'];
      const deadline = Date.now() + timeoutSeconds * 1_000;
      let seen: string[] = [];
      try {
        while (Date.now() < deadline) {
          const command = (queryCommand ?? []).map((arg) => arg.replace('<correlation id of the test call>', call.correlationId));
          const result = JSON.parse(await world.az(command)) as { tables?: { rows: string[][] }[] };
          seen = (result.tables?.[0]?.rows ?? []).map((row) => row[0] ?? '');
          if (seen.includes('CallNotAnswered') || seen.includes('IncomingCallFailed')) throw new Error(`the hotline did not answer: ${seen.join(', ')}`);
          if (wanted.every((name) => seen.includes(name))) return seen.join(', ');
          await world.sleep(15_000);
        }
      } finally {
        await call.hangUp().catch(() => undefined);
      }
      throw new Error(`after ${timeoutSeconds} s Application Insights shows ${seen.join(', ') || 'nothing'} for the call (wanted ${wanted.join(', ')})`);
    },
  };
}

export function checksFor(options: SmokeOptions): Check[] {
  return [functionsRegistered, subscriptionActive, settingsResolve, callbackNeedsToken, ...(options.call ? [testCall(options.callTimeoutSeconds)] : [])];
}

/** Runs (or, dry, describes) every check; returns whether all passed. */
export async function runSmoke(options: SmokeOptions, world: SmokeWorld): Promise<boolean> {
  const checks = checksFor(options);
  if (options.dryRun) {
    const d = placeholders(options);
    world.log(`Dry run: nothing is called. Against ${d.resourceGroup}, environment ${options.environment ?? '(the one deployed there)'}, the smoke test would check:`);
    for (const [i, check] of checks.entries()) {
      world.log(`${i + 1}. ${check.name}`);
      for (const command of check.commands(d)) world.log(`     az ${command.map((arg) => (/[\s'"|?[\]{}()&*<>=]/.test(arg) ? JSON.stringify(arg) : arg)).join(' ')}`);
      if (check === callbackNeedsToken) world.log(`     POST https://${d.hostName}/api/${CALLBACK_ROUTE} without Authorization`);
    }
    if (!options.call) world.log('(add --call to place a billed test call to the hotline number)');
    return true;
  }
  const deployment = await discover(options, world);
  world.log(`Checking ${deployment.functionApp} (environment ${deployment.environment}) in ${deployment.resourceGroup}`);
  let failures = 0;
  for (const check of checks) {
    try {
      world.log(`  ok    ${check.name}: ${await check.run(deployment, world)}`);
    } catch (error) {
      failures++;
      world.log(`  FAIL  ${check.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  world.log(failures === 0 ? 'All checks passed.' : `${failures} of ${checks.length} checks failed.`);
  return failures === 0;
}
