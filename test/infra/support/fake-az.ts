// A stand-in for the Azure CLI, for testing the shell scripts offline: it answers the few commands they use
// from a JSON state file (FAKE_AZ_STATE), applies --query with JMESPath as az does, and appends every call,
// with the content of any @parameters file, to FAKE_AZ_LOG as a JSON line. Anything else fails loudly.
// Bundled to plain JavaScript by fakeAzCli() so the scripts can run it as `az`.
import { buildSync } from 'esbuild';
import { appendFileSync, chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { search } from 'jmespath';

/** The resources the fake answers about; every field is optional. */
export interface FakeAzState {
  readonly subscriptionId?: string;
  readonly subscriptionName?: string;
  readonly groupExists?: boolean;
  readonly functionApps?: readonly { name: string; tags: Record<string, string>; state?: string; defaultHostName?: string }[];
  readonly appSettings?: Record<string, readonly { name: string; value: string }[]>;
  readonly functions?: Record<string, readonly { name: string; isDisabled?: boolean }[]>;
  readonly vaults?: readonly { name: string; tags: Record<string, string> }[];
  readonly secrets?: Record<string, readonly string[]>;
  readonly eventSubscriptions?: Record<string, readonly { name: string; provisioningState: string }[]>;
  readonly outputs?: Record<string, string>;
}

/** Writes an `az` executable into `binDir` that runs this fake. */
export function fakeAzCli(binDir: string): string {
  mkdirSync(binDir, { recursive: true });
  const bundle = path.join(binDir, 'fake-az.cjs');
  buildSync({ entryPoints: [__filename], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'error', define: { FAKE_AZ_MAIN: 'true' } });
  const az = path.join(binDir, 'az');
  writeFileSync(az, `#!/bin/sh\nexec node ${JSON.stringify(bundle)} "$@"\n`);
  chmodSync(az, 0o755);
  return az;
}

declare const FAKE_AZ_MAIN: boolean | undefined;
if (typeof FAKE_AZ_MAIN !== 'undefined' && FAKE_AZ_MAIN) main();

function main(): void {
  const args = process.argv.slice(2);
  const state = JSON.parse(readFileSync(process.env.FAKE_AZ_STATE ?? '', 'utf8')) as FakeAzState;
  const option = (name: string): string | undefined => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const all = (name: string): string[] => args.flatMap((arg, i) => (arg === name && args[i + 1] !== undefined ? [args[i + 1] as string] : []));
  const command = args.filter((arg) => !arg.startsWith('-')).slice(0, 3).join(' ');
  const record = (extra = {}) => appendFileSync(process.env.FAKE_AZ_LOG ?? '', `${JSON.stringify({ args, ...extra })}\n`);

  function print(value: unknown): void {
    const query = option('--query');
    const result: unknown = query ? search(value as Parameters<typeof search>[0], query) : value;
    if (option('-o') === 'tsv' || option('--output') === 'tsv') {
      if (result === null || result === undefined) return;
      const lines = Array.isArray(result) ? result : [result];
      process.stdout.write(lines.map((line: unknown) => (typeof line === 'object' && line !== null ? Object.values(line).join('\t') : String(line))).join('\n') + '\n');
    } else if (option('--output') !== 'none') {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    }
  }

  function fail(message: string, code = 3): never {
    process.stderr.write(`ERROR: ${message}\n`);
    process.exit(code);
  }

  record();
  const group = option('--resource-group') ?? option('-g');
  if (command.startsWith('account show')) print({ id: state.subscriptionId, name: state.subscriptionName });
  else if (command.startsWith('group exists')) print(state.groupExists ?? true);
  else if (command.startsWith('group create')) print({ name: option('--name') });
  else if (command.startsWith('functionapp list')) print(state.functionApps ?? []);
  else if (command.startsWith('functionapp config appsettings')) print(state.appSettings?.[option('--name') ?? ''] ?? fail(`app ${option('--name') ?? ''} not found`));
  else if (command.startsWith('functionapp function show') || command.startsWith('functionapp function list')) {
    const functions = state.functions?.[option('--name') ?? ''] ?? [];
    if (command.endsWith('show')) {
      const found = functions.find((fn) => fn.name.endsWith(`/${option('--function-name') ?? ''}`));
      if (!found) fail(`function ${option('--function-name') ?? ''} not found`);
      print(found);
    } else print(functions);
  } else if (command.startsWith('keyvault list')) print(state.vaults ?? []);
  else if (command.startsWith('resource show')) {
    const vault = (option('--parent') ?? '').replace(/^vaults\//, '');
    const name = option('--name') ?? '';
    if (!(state.secrets?.[vault] ?? []).includes(name)) fail(`secret ${name} not found in ${vault}`);
    print({ id: `/subscriptions/${state.subscriptionId ?? ''}/resourceGroups/${group ?? ''}/providers/Microsoft.KeyVault/vaults/${vault}/secrets/${name}` });
  } else if (command.startsWith('deployment group create')) {
    const parameters: Record<string, unknown> = {};
    for (const value of all('--parameters')) {
      if (value.startsWith('@')) Object.assign(parameters, (JSON.parse(readFileSync(value.slice(1), 'utf8')) as { parameters: object }).parameters);
      else {
        const [key, ...rest] = value.split('=');
        parameters[key ?? ''] = { value: rest.join('=') };
      }
    }
    record({ deployment: option('--name'), parameters });
  } else if (command.startsWith('deployment group show')) print({ properties: { outputs: Object.fromEntries(Object.entries(state.outputs ?? {}).map(([k, v]) => [k, { value: v }])) } });
  else fail(`fake az does not know: az ${args.join(' ')}`, 2);
}
