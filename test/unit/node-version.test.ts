// Guards that one Node version is documented, built for, type-checked against, run in CI and deployed: Node 22.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleOptions } from '../../tools/build/bundle';

const root = path.resolve(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const packageJson = JSON.parse(read('package.json')) as { engines: { node: string }; devDependencies: Record<string, string> };
const major = Number(/NODE_MAJOR=(\d+)/.exec(read('.ci/run'))?.[1]);

describe('the Node version', () => {
  it('is the one .ci/run installs, package.json requires and types, the bundle targets, Azure runs and the README states', () => {
    expect(major).toBe(22);
    expect(packageJson.engines.node).toBe(`>=${major}`);
    expect(packageJson.devDependencies['@types/node']).toMatch(new RegExp(`^\\^${major}\\.`));
    expect(bundleOptions(root, path.join(root, 'dist/index.js')).target).toBe(`node${major}`);
    expect(read('infra/modules/functionapp.bicep')).toMatch(new RegExp(`version: '${major}'`));
    expect(read('README.md')).toContain(`Requires Node.js ${major}`);
  });

  it('runs the children the tests start through the tsx shim, whose `env node` takes the first node on PATH', () => {
    // Azurite and the published-bundle probes are started with process.execPath; the command tests run
    // node_modules/.bin/tsx, which must find the same node as the suite (.ci/run puts Node 22 first on PATH).
    const version = execFileSync(path.join(root, 'node_modules/.bin/tsx'), ['-e', 'process.stdout.write(process.version)'], { cwd: root, encoding: 'utf8' });
    expect(version).toBe(process.version);
  });
});
