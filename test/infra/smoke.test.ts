// The smoke test for a real deployment (tools/smoke) cannot reach Azure here: its command line, its dry run
// (which must call nothing) and its list of expected functions are checked offline.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { logTelemetry } from '../../src/app/ports';
import { loadSettings } from '../../src/config';
import { hotlineFunctions } from '../../src/functions/hotline-functions';
import { parseSmokeArgs, type SmokeOptions } from '../../tools/smoke/smoke-args';
import { EXPECTED_FUNCTIONS, runSmoke, type SmokeWorld } from '../../tools/smoke/smoke-checks';
import { repoRoot } from './support/bicep';

const options = (argv: string[]): SmokeOptions => {
  const parsed = parseSmokeArgs(argv);
  if (parsed.kind !== 'run') throw new Error(`expected options, got ${JSON.stringify(parsed)}`);
  return parsed.options;
};

/** A world that fails the test on any use but logging: a dry run must not touch Azure. */
function dryWorld(lines: string[]): SmokeWorld {
  const forbidden = (what: string) => () => Promise.reject(new Error(`dry run used ${what}`));
  return { az: forbidden('az'), post: forbidden('HTTP'), placeCall: forbidden('a phone call'), sleep: forbidden('sleep'), log: (line) => lines.push(line) };
}

describe('npm run smoke: arguments', () => {
  it('takes the resource group and the defaults', () => {
    expect(options(['rg-hotline'])).toEqual({ resourceGroup: 'rg-hotline', environment: undefined, call: false, callTimeoutSeconds: 300, dryRun: false });
    expect(options(['rg-hotline', '--environment', 'hl-test', '--call', '--call-timeout', '600', '--dry-run'])).toEqual({
      resourceGroup: 'rg-hotline',
      environment: 'hl-test',
      call: true,
      callTimeoutSeconds: 600,
      dryRun: true,
    });
  });

  it('answers --help', () => {
    expect(parseSmokeArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseSmokeArgs(['rg', '-h'])).toEqual({ kind: 'help' });
  });

  it.each([
    [[], /resource group is required/],
    [['rg-a', 'rg-b'], /one resource group only/],
    [['rg', '--bogus'], /Unknown option '--bogus'/],
    [['rg', '--environment'], /argument missing/],
    [['bad name!'], /is not a resource group name/],
    [['rg.'], /is not a resource group name/],
    [['rg', '--environment', 'a'], /must be 2-12 letters/],
    [['rg', '--call-timeout', '60'], /only applies with --call/],
    [['rg', '--call', '--call-timeout', '5'], /whole seconds from 30 to 1800/],
    [['rg', '--call', '--call-timeout', '1.5e2x'], /whole seconds/],
  ])('refuses %j with a clear message', (argv, message) => {
    const parsed = parseSmokeArgs(argv);
    expect(parsed.kind).toBe('error');
    expect(parsed.kind === 'error' ? parsed.message : '').toMatch(message);
  });
});

describe('npm run smoke: dry run', () => {
  it('lists every check and the commands behind it, and calls nothing', async () => {
    const lines: string[] = [];
    expect(await runSmoke(options(['rg-hotline', '--dry-run', '--environment', 'hotline']), dryWorld(lines))).toBe(true);
    const text = lines.join('\n');
    expect(text).toMatch(/^1\. the functions are registered$/m);
    expect(text).toMatch(/^2\. the IncomingCall Event Grid subscription is active$/m);
    expect(text).toMatch(/^3\. every Key Vault reference in the app settings resolves$/m);
    expect(text).toMatch(/^4\. a callback without a token is refused with 401$/m);
    expect(text).toContain('az functionapp function list --resource-group rg-hotline');
    expect(text).toContain('--system-topic-name "<system topic tagged environment=hotline>" --name incoming-call');
    expect(text).toContain('config/configreferences/appsettings');
    expect(text).toContain('POST https://<its default host name>/api/callbacks without Authorization');
    expect(text).toContain('add --call');
    expect(text).not.toMatch(/^5\./m);
  });

  it('with --call, adds the billed test call followed through Application Insights', async () => {
    const lines: string[] = [];
    await runSmoke(options(['rg-hotline', '--dry-run', '--call', '--call-timeout', '120']), dryWorld(lines));
    const text = lines.join('\n');
    expect(text).toMatch(/^5\. a test call from ACS to the hotline number is answered \(followed in Application Insights, up to 120 s\)$/m);
    expect(text).toContain('az monitor app-insights query');
    expect(text).toContain('environment (the one deployed there)');
  });
});

/** A deployment as `az` would describe it, answered by matching the command; anything unexpected fails the test. */
function deployedWorld(overrides: { references?: { name: string; status: string; details: string | null }[]; callbackStatus?: number; functions?: string[] }, lines: string[]): SmokeWorld {
  const functions = overrides.functions ?? ['callbacks', 'incomingCall', 'retention', 'watchdog'];
  const answers: [RegExp, unknown][] = [
    [/^functionapp list .*\.tags\.environment/, 'hotline\n'],
    [/^functionapp list /, 'func-hotline\n'],
    [/^functionapp show .*defaultHostName/, 'func-hotline.azurewebsites.net\n'],
    [/^functionapp show .*--query id/, '/subscriptions/s/resourceGroups/rg-hotline/providers/Microsoft.Web/sites/func-hotline\n'],
    [/^eventgrid system-topic list /, 'egst-hotline\n'],
    [/^monitor app-insights component list /, 'appi-hotline\n'],
    [/^functionapp function list /, JSON.stringify(functions.map((name) => ({ name: `func-hotline/${name}`, disabled: false })))],
    [/^eventgrid system-topic event-subscription show .*--system-topic-name egst-hotline --name incoming-call/, JSON.stringify({ state: 'Succeeded', endpoint: 'AzureFunction', types: ['Microsoft.Communication.IncomingCall'] })],
    [/^rest --method get --url https:\/\/management\.azure\.com\/subscriptions\/s\/.*\/sites\/func-hotline\/config\/configreferences\/appsettings/, JSON.stringify(overrides.references ?? [{ name: 'PSEUDONYM_KEY', status: 'Resolved', details: null }])],
  ];
  return {
    az: (args) => {
      const line = args.join(' ');
      const answer = answers.find(([pattern]) => pattern.test(line));
      return answer ? Promise.resolve(String(answer[1])) : Promise.reject(new Error(`unexpected az ${line}`));
    },
    post: (url) => Promise.resolve(url === 'https://func-hotline.azurewebsites.net/api/callbacks' ? (overrides.callbackStatus ?? 401) : 404),
    placeCall: () => Promise.reject(new Error('no call without --call')),
    sleep: () => Promise.reject(new Error('no waiting without --call')),
    log: (line) => lines.push(line),
  };
}

describe('npm run smoke: verdicts (against a described deployment)', () => {
  it('passes a deployment that is as it should be, naming what it found', async () => {
    const lines: string[] = [];
    expect(await runSmoke(options(['rg-hotline']), deployedWorld({}, lines))).toBe(true);
    expect(lines).toEqual([
      'Checking func-hotline (environment hotline) in rg-hotline',
      '  ok    the functions are registered: callbacks, incomingCall, retention, watchdog',
      '  ok    the IncomingCall Event Grid subscription is active: AzureFunction, Succeeded',
      '  ok    every Key Vault reference in the app settings resolves: PSEUDONYM_KEY',
      '  ok    a callback without a token is refused with 401: 401',
      'All checks passed.',
    ]);
  });

  it('fails on a missing function, an unresolved reference and an open callback endpoint, and goes on checking', async () => {
    const lines: string[] = [];
    const world = deployedWorld(
      { functions: ['callbacks', 'retention', 'watchdog'], references: [{ name: 'PSEUDONYM_KEY', status: 'AccessToKeyVaultDenied', details: 'Key Vault reference was not able to be resolved' }], callbackStatus: 200 },
      lines,
    );
    expect(await runSmoke(options(['rg-hotline']), world)).toBe(false);
    expect(lines.filter((line) => line.startsWith('  FAIL'))).toEqual([
      expect.stringContaining('the functions are registered: missing: incomingCall'),
      expect.stringContaining('PSEUDONYM_KEY: AccessToKeyVaultDenied Key Vault reference was not able to be resolved'),
      '  FAIL  a callback without a token is refused with 401: got 200: CALLBACK_AUTH is off',
    ]);
    expect(lines.at(-1)).toBe('3 of 4 checks failed.');
  });
});

describe('npm run smoke: expectations', () => {
  it('expects exactly the functions the app registers', () => {
    const sample = (JSON.parse(readFileSync(path.join(repoRoot, 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> }).Values;
    const lines: string[] = [];
    const functions = hotlineFunctions(loadSettings(sample), logTelemetry({ info: (line) => lines.push(line), warn: () => undefined, error: () => undefined }));
    const registered = [...functions.http, ...functions.eventGrid, ...functions.timer].map((fn) => fn.name).sort();
    expect([...EXPECTED_FUNCTIONS]).toEqual(registered);
  });

  it('is wired to npm run smoke', () => {
    const packageJson = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(packageJson.scripts.smoke).toBe('tsx tools/smoke/cli.ts');
  });
});
