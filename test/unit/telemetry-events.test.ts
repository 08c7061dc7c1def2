// The one list of custom event names: the code emits each of them, and docs/operations.md documents exactly these.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TELEMETRY_EVENTS } from '../../src/app/ports';

const root = path.resolve(__dirname, '../..');
const sources = readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.ts') && file !== path.join('app', 'ports.ts'))
  .map((file) => readFileSync(path.join(root, 'src', file), 'utf8'))
  .join('\n');

describe('telemetry event names', () => {
  it.each(TELEMETRY_EVENTS)('%s is emitted by the code (trackEvent or a milestone)', (name) => {
    expect(sources).toMatch(new RegExp(`trackEvent\\(\\s*'${name}'|name: '${name}'`));
  });

  it('docs/operations.md has one row for each event, and none for an event the app does not send', () => {
    const doc = readFileSync(path.join(root, 'docs/operations.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## The custom events'), doc.indexOf('## The queries'));
    const documented = [...section.matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((match) => match[1]);
    expect([...documented].sort()).toEqual([...TELEMETRY_EVENTS].sort());
  });
});
