// scripts/deploy.sh against a stand-in Azure CLI (support/fake-az.cjs): it picks the environment and its app by
// tag, never another environment's; a rerun keeps the environment and its Key Vault secrets; only missing or
// rotated secrets are passed to ARM, and a key still kept as a plain app setting moves into the vault unchanged.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/bicep';
import { fakeAzCli, type FakeAzState as FakeState } from './support/fake-az';
interface Call {
  readonly args: string[];
  readonly deployment?: string;
  readonly parameters?: Record<string, { value: unknown }>;
}

const hotline = { workload: 'ivr-hotline', environment: 'hotline' };
const test = { workload: 'ivr-hotline', environment: 'hl-test' };
const key = (fill: number) => Buffer.alloc(32, fill).toString('base64');

/** One bundled stand-in for the whole file: each run only gets its own state and log. */
let bin: string | undefined;

function deploy(state: FakeState, args: string[], env: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'deploy-sh-'));
  if (!bin) {
    bin = path.join(dir, 'bin');
    fakeAzCli(bin);
  }
  const statePath = path.join(dir, 'state.json');
  const logPath = path.join(dir, 'calls.jsonl');
  writeFileSync(statePath, JSON.stringify({ subscriptionId: 'sub', subscriptionName: 'Test', outputs: { functionAppName: 'func-x', acsName: 'acs-x' }, ...state }));
  writeFileSync(logPath, '');
  const result = spawnSync('bash', [path.join(repoRoot, 'scripts/deploy.sh'), 'rg-hotline', '--skip-publish', ...args], {
    encoding: 'utf8',
    env: { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: dir, FAKE_AZ_STATE: statePath, FAKE_AZ_LOG: logPath, ...env },
  });
  const calls = readFileSync(logPath, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Call);
  const deployments = calls.filter((call) => call.deployment);
  const parameters = (index: number) => Object.fromEntries(Object.entries(deployments[index]?.parameters ?? {}).map(([name, { value }]) => [name, value]));
  return { status: result.status, stderr: result.stderr, calls, deployments, parameters };
}

const twoEnvironments: FakeState = {
  functionApps: [
    { name: 'func-hltest', tags: test },
    { name: 'func-hotline', tags: hotline },
  ],
  appSettings: {
    'func-hltest': [{ name: 'OPERATOR_PHONE_NUMBER', value: '+14255550999' }],
    'func-hotline': [
      { name: 'OPERATOR_PHONE_NUMBER', value: '+14255550100' },
      { name: 'HOTLINE_PHONE_NUMBER', value: '+14255550101' },
    ],
  },
  vaults: [
    { name: 'kvhltest', tags: test },
    { name: 'kvhotline', tags: hotline },
  ],
  secrets: { kvhltest: ['pseudonym-key', 'callback-signing-key'], kvhotline: ['pseudonym-key', 'callback-signing-key'] },
};

// Each case runs the script end to end (a dozen az and node processes): generous, so a busy machine only makes it slower.
describe('scripts/deploy.sh', { timeout: 120_000 }, () => {
  it('first deployment: the default environment, a generated key passed once, no number reuse', () => {
    const run = deploy({}, ['--operator-number', '+14255550100']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.deployments).toHaveLength(1); // no hotline number yet: stops before phase 2
    const phase1 = run.parameters(0);
    expect(phase1.environmentName).toBe('hotline');
    expect(phase1.deployIncomingCallSubscription).toBe('false');
    const secrets = phase1.newSecrets as Record<string, string>;
    expect(Object.keys(secrets)).toEqual(['PSEUDONYM_KEY', 'CALLBACK_SIGNING_KEY']);
    expect(secrets.CALLBACK_SIGNING_KEY).not.toBe(secrets.PSEUDONYM_KEY);
    for (const value of Object.values(secrets)) {
      expect(Buffer.from(value, 'base64')).toHaveLength(32);
      expect(run.stderr).not.toContain(value);
      // Only inside the private parameters file, never on an az command line.
      expect(JSON.stringify(run.calls.map((call) => call.args))).not.toContain(value);
    }
  });

  it('uses the app of the environment asked for, not the first one in the resource group', () => {
    const run = deploy(twoEnvironments, ['--environment', 'hotline']);
    expect(run.status, run.stderr).toBe(0);
    const settingsReads = run.calls.filter((call) => call.args.join(' ').includes('appsettings list')).map((call) => call.args[call.args.indexOf('--name') + 1]);
    expect(new Set(settingsReads)).toEqual(new Set(['func-hotline']));
    expect(run.parameters(0)).toMatchObject({ environmentName: 'hotline', operatorPhoneNumber: '+14255550100', hotlinePhoneNumber: '+14255550101' });
  });

  it('keeps secrets the vault already holds: a rerun passes no new value and deploys both phases the same way', () => {
    const run = deploy(twoEnvironments, ['--environment', 'hotline']);
    expect(run.deployments.map((deployment) => run.parameters(run.deployments.indexOf(deployment)).deployIncomingCallSubscription)).toEqual(['false', 'true']);
    expect(run.parameters(0).newSecrets).toEqual({});
    expect(run.parameters(1).newSecrets).toEqual({});
  });

  it('without --environment, keeps the one environment deployed there', () => {
    const one: FakeState = { ...twoEnvironments, functionApps: [{ name: 'func-hltest', tags: test }], vaults: [{ name: 'kvhltest', tags: test }] };
    const run = deploy(one, []);
    expect(run.status, run.stderr).toBe(0);
    expect(run.parameters(0)).toMatchObject({ environmentName: 'hl-test', operatorPhoneNumber: '+14255550999', newSecrets: {} });
  });

  it('without --environment, refuses to guess between several', () => {
    const run = deploy(twoEnvironments, []);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/several environments \(hl-test hotline \): pass --environment/);
    expect(run.deployments).toEqual([]);
  });

  it('moves a key kept as a plain app setting into the vault unchanged', () => {
    const legacy = key(7);
    const state: FakeState = {
      functionApps: [{ name: 'func-hotline', tags: hotline }],
      appSettings: { 'func-hotline': [{ name: 'OPERATOR_PHONE_NUMBER', value: '+14255550100' }, { name: 'PSEUDONYM_KEY', value: legacy }] },
    };
    const run = deploy(state, []);
    expect(run.status, run.stderr).toBe(0);
    // The pseudonym key moves unchanged; the callback signing key is new to this app, so it is generated.
    expect(run.parameters(0).newSecrets).toEqual({ PSEUDONYM_KEY: legacy, CALLBACK_SIGNING_KEY: expect.any(String) as string });
    expect(run.stderr).toContain('Moving PSEUDONYM_KEY');
    expect(run.stderr).not.toContain(legacy);
  });

  it('rotates a secret only when asked, and refuses a short key', () => {
    const rotated = key(9);
    const run = deploy(twoEnvironments, ['--environment', 'hotline'], { PSEUDONYM_KEY: rotated });
    expect(run.parameters(0).newSecrets).toEqual({ PSEUDONYM_KEY: rotated });
    const short = deploy(twoEnvironments, ['--environment', 'hotline'], { PSEUDONYM_KEY: Buffer.alloc(16).toString('base64') });
    expect(short.status).not.toBe(0);
    expect(short.stderr).toMatch(/PSEUDONYM_KEY decodes to 16 bytes/);
    expect(short.deployments).toEqual([]);
  });

  it('passes --always-ready as a number over the committed default', () => {
    expect(deploy(twoEnvironments, ['--environment', 'hotline', '--always-ready', '1']).parameters(0).alwaysReadyInstances).toBe(1);
    expect(deploy(twoEnvironments, ['--environment', 'hotline']).parameters(0).alwaysReadyInstances).toBe(0); // infra/main.parameters.json
  });

  it('refuses an --always-ready that is not a number', () => {
    const bad = deploy(twoEnvironments, ['--always-ready', 'two']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--always-ready 'two' must be a whole number/);
  });

  it('lists the same secrets as infra/modules/keyvault.bicep', () => {
    const script = readFileSync(path.join(repoRoot, 'scripts/deploy.sh'), 'utf8');
    const bicep = readFileSync(path.join(repoRoot, 'infra/modules/keyvault.bicep'), 'utf8');
    const inScript = [...(/readonly SECRETS=\(([^)]*)\)/.exec(script)?.[1] ?? '').matchAll(/'(\w+):([\w-]+)'/g)].map((match) => `${match[1]}=${match[2]}`);
    const block = /var secretNames = \{([^}]*)\}/.exec(bicep)?.[1] ?? '';
    const inBicep = [...block.matchAll(/^\s*(\w+): '([\w-]+)'/gm)].map((match) => `${match[1]}=${match[2]}`);
    expect(inScript).toEqual(inBicep);
    expect(inScript).toContain('PSEUDONYM_KEY=pseudonym-key');
  });
});
