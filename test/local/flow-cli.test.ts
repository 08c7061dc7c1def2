// `npm run flow` as a person runs it: check prints the version or every problem; diff prints what a change does.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { flowVersion } from '../../src/flow/flow-version';
import { loadFlow } from '../../src/app/flow-file';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const V1 = 'test/fixtures/flows/deploy-v1.json';
const V2 = 'test/fixtures/flows/deploy-v2.json';

function flow(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSX, ['tools/flow/cli.ts', ...args], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1' }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

describe.concurrent('npm run flow', { timeout: 60_000 }, () => {
  it('check prints the version the app computes', async () => {
    const result = await flow(['check', V1]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(`${V1}: valid, version ${flowVersion(loadFlow(path.join(ROOT, V1)))} (2 menus)\n`);
  });

  it('check exits 1 naming every problem with its path', async () => {
    const broken = path.join(mkdtempSync(path.join(tmpdir(), 'flow-cli-')), 'broken.json');
    writeFileSync(broken, JSON.stringify({ ...loadFlow(path.join(ROOT, V1)), start: 'nowhere', schedules: { spare: { timeZone: 'Mars/Base', weekly: {} } } }));
    const result = await flow(['check', broken]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('- start: names menu "nowhere", which does not exist');
    expect(result.stderr).toContain('- schedules.spare.timeZone: "Mars/Base" is not an IANA time zone this platform knows');
    expect(result.stderr).toContain('- schedules.spare: is not used by any route, step or prompt');
  });

  it('diff lists the changes and the live-call positions the new version lacks', async () => {
    const result = await flow(['diff', V1, V2]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('menus removed:\n  billing\n');
    expect(result.stdout).toContain('routes changed:\n  main {"tones":"1"}: menu billing → menu accounts\n');
    expect(result.stdout).toContain('live-call positions the new version no longer has (such calls finish on the old version):\n  menu billing: calls waiting in it\n');
  });

  it('without a command prints how to use it', async () => {
    const result = await flow([]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^usage: npm run flow -- check <flow.json> \| diff <old.json> <new.json>/);
  });
});
