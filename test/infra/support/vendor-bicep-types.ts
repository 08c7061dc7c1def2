// Copies from a checkout of Azure/bicep-types-az the type entries of exactly the (resource type, API version)
// pairs infra/**/*.bicep pins, with the entries they reference, into test/infra/types/bicep-types.json.
// Usage: npx tsx test/infra/support/vendor-bicep-types.ts <bicep-types-az git dir> [commit]
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllBicep, repoRoot, resources } from './bicep';
import { type TypeEntry, type VendoredTypes, vendoredTypesPath } from './bicep-types';

const [gitDir, commitArgument = 'HEAD'] = process.argv.slice(2);
if (!gitDir) {
  console.error('usage: vendor-bicep-types.ts <bicep-types-az git dir> [commit]');
  process.exit(2);
}
const git = (...args: string[]) => execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
const commit = git('rev-parse', `${commitArgument}^{commit}`).trim();

/** Every entry reachable from `start` through `$ref: "#/N"`, keyed by its index in the source file. */
function closure(types: readonly TypeEntry[], start: number): Record<string, TypeEntry> {
  const picked: Record<string, TypeEntry> = {};
  const pending = [start];
  while (pending.length > 0) {
    const index = pending.pop() as number;
    if (String(index) in picked) continue;
    const entry = types[index];
    if (!entry) throw new Error(`dangling reference #/${index}`);
    picked[String(index)] = entry;
    for (const match of JSON.stringify(entry).matchAll(/"\$ref":"#\/(\d+)"/g)) pending.push(Number(match[1]));
  }
  return Object.fromEntries(Object.entries(picked).sort(([a], [b]) => Number(a) - Number(b)));
}

async function main(): Promise<void> {
  const pinned = [...new Set((await parseAllBicep()).flatMap((file) => resources(file)).map((r) => `${r.type}@${r.apiVersion}`))].sort();
  const files = git('ls-tree', '-r', '--name-only', commit, 'generated').split('\n').filter((name) => name.endsWith('/types.json'));
  const out: VendoredTypes = {
    source: {
      repository: 'https://github.com/Azure/bicep-types-az',
      commit,
      license: 'MIT (Copyright (c) Microsoft Corporation), see the repository LICENSE',
      note: 'Verbatim entries of generated/**/types.json, keyed by their index in that file; only what the pinned resources reach.',
    },
    resources: {},
  };
  for (const pair of pinned) {
    const [type = '', version = ''] = pair.split('@');
    const namespace = type.split('/')[0]?.toLowerCase() ?? '';
    const candidates = files.filter((name) => name.endsWith(`/${namespace}/${version}/types.json`));
    let found = false;
    for (const file of candidates) {
      const types = JSON.parse(git('show', `${commit}:${file}`)) as TypeEntry[];
      const root = types.findIndex((entry) => entry.$type === 'ResourceType' && String(entry.name).toLowerCase() === pair.toLowerCase());
      if (root < 0) continue;
      out.resources[pair] = { path: file, root, types: closure(types, root) };
      found = true;
      break;
    }
    if (!found) throw new Error(`${pair}: no ResourceType in ${candidates.join(', ') || 'any types.json'}`);
  }
  writeFileSync(vendoredTypesPath, `${JSON.stringify(out, null, 1)}\n`);
  console.log(`${pinned.length} resource types from ${commit} -> ${path.relative(repoRoot, vendoredTypesPath)}`);
}

void main();
