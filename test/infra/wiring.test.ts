// Cross-file wiring a compiler would catch and a parser alone doesn't: module params and outputs
// used by main.bicep exist in the modules, every required module param is passed, and the deploy
// script reads only outputs main.bicep declares.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type BicepFile,
  descendants,
  objectKeys,
  parameterDefaults,
  parseBicepFile,
  propertyAt,
  repoRoot,
  stringLiteral,
} from './support/bicep';

interface ModuleUse {
  readonly symbol: string;
  readonly file: BicepFile;
  readonly params: string[];
}

function outputsOf(file: BicepFile): string[] {
  return descendants(file.root, 'output_declaration').map((output) => output.namedChildren[0]?.text ?? '');
}

let main: BicepFile;
let modules: ModuleUse[] = [];

beforeAll(async () => {
  main = await parseBicepFile(path.join(repoRoot, 'infra/main.bicep'));
  modules = await Promise.all(
    descendants(main.root, 'module_declaration').map(async (declaration) => {
      const [symbol, target, body] = declaration.namedChildren;
      const file = await parseBicepFile(path.resolve(path.dirname(main.abs), stringLiteral(target) ?? ''));
      const params = propertyAt(body, 'params');
      return { symbol: symbol?.text ?? '', file, params: params ? objectKeys(params) : [] };
    }),
  );
});

describe('module wiring', () => {
  it('main.bicep uses every module under infra/modules', () => {
    expect(modules.map((module) => module.file.rel).sort()).toEqual([
      'infra/modules/communication.bicep',
      'infra/modules/eventgrid.bicep',
      'infra/modules/functionapp.bicep',
      'infra/modules/keyvault.bicep',
      'infra/modules/monitoring.bicep',
      'infra/modules/ops.bicep',
      'infra/modules/outbound.bicep',
      'infra/modules/rbac.bicep',
      'infra/modules/storage.bicep',
    ]);
  });

  it('passes only parameters the module declares, and every one without a default', () => {
    for (const module of modules) {
      const declared = parameterDefaults(module.file);
      expect(module.params.filter((name) => !declared.has(name)), `${module.symbol}: unknown params`).toEqual([]);
      const required = [...declared].filter(([, defaultValue]) => defaultValue === undefined).map(([name]) => name);
      expect(required.filter((name) => !module.params.includes(name)), `${module.symbol}: missing params`).toEqual([]);
    }
  });

  it('reads only outputs the modules declare', () => {
    const outputsBySymbol = new Map(modules.map((module) => [module.symbol, outputsOf(module.file)]));
    const used = [...main.source.matchAll(/\b(\w+)\.outputs\.(\w+)/g)].map((match) => ({ symbol: match[1] ?? '', output: match[2] ?? '' }));
    expect(used.length).toBeGreaterThan(10);
    const unknown = used.filter(({ symbol, output }) => !(outputsBySymbol.get(symbol) ?? []).includes(output));
    expect(unknown).toEqual([]);
  });
});

describe('deploy script', () => {
  const script = readFileSync(path.join(repoRoot, 'scripts/deploy.sh'), 'utf8');

  it('reads only outputs main.bicep declares', () => {
    const used = [...script.matchAll(/\$\(output (\w+)\)/g)].map((match) => match[1] ?? '');
    expect(used).toEqual(expect.arrayContaining(['functionAppName', 'acsImmutableResourceId']));
    const declared = outputsOf(main);
    expect(used.filter((name) => !declared.includes(name))).toEqual([]);
  });

  it('sets only parameters main.bicep declares', () => {
    const declared = parameterDefaults(main);
    const set = [
      ...[...script.matchAll(/--parameters (\w+)=/g)].map((match) => match[1] ?? ''),
      ...[...script.matchAll(/\bp\.(\w+) =|\b(\w+): (?:JSON\.parse\()?process\.env\./g)].map((match) => match[1] ?? match[2] ?? ''),
    ];
    expect(set).toEqual(expect.arrayContaining(['deployIncomingCallSubscription', 'environmentName', 'operatorPhoneNumber', 'newSecrets']));
    expect(set.filter((name) => !declared.has(name))).toEqual([]);
  });

  it('is wired to npm run deploy and stops on errors', () => {
    const packageJson = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(packageJson.scripts.deploy).toBe('bash scripts/deploy.sh');
    expect(script).toMatch(/^set -euo pipefail$/m);
  });
});
