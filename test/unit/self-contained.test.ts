// The repository stands on its own: no README, doc, source or test points at a folder outside it.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const tracked = (dir: string) =>
  readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(md|ts|mts|json|bicep|kql|sh)$/.test(file) && !file.includes('node_modules'))
    .map((file) => path.join(dir, file));
const files = ['README.md', ...tracked('docs'), ...tracked('src'), ...tracked('test'), ...tracked('tools'), ...tracked('infra'), ...tracked('scripts')];
// Spelled in parts, so this file does not match itself.
const outside = new RegExp(['/wo', 'rk/', '|\\.\\./sha', 'red\\b|sha', 'red/refer', 'ence'].join(''));

describe('a self-contained repository', () => {
  it('names no machine path and no shared folder outside the repository', () => {
    const pointing = files.filter((file) => outside.test(readFileSync(path.join(root, file), 'utf8')));
    expect(pointing).toEqual([]);
  });

  it('finds a pointer when there is one (guards against a check that reads nothing)', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(outside.test(`see ${['', 'work', 'shared', 'reference'].join('/')}/acs-wire.md`)).toBe(true);
  });
});
