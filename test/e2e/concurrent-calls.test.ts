// Twenty calls at once, each on its own path through the hotline: none disturbs another.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCallScript } from '../../tools/local/call-runner';
import { parseScript } from '../../tools/local/call-script';
import { startLocalStack, type LocalStack } from '../../tools/local/local-stack';

const EXAMPLES = path.resolve(__dirname, '../../examples/calls');
const scripts = readdirSync(EXAMPLES)
  .filter((file) => file.endsWith('.call'))
  .map((file) => parseScript(readFileSync(path.join(EXAMPLES, file), 'utf8'), file))
  // The callers' paths; the reminder scripts (the hotline calling out) have their own concurrent test.
  .filter((script) => script.steps[0]?.step.kind === 'dial');

let stack: LocalStack;
beforeAll(async () => {
  // A little slower than the other end-to-end files: twenty calls share two cores.
  stack = await startLocalStack({ tablesConnectionString: inject('tablesConnectionString'), timeScale: 0.1 });
});
afterAll(async () => stack?.stop());

describe('20 concurrent calls', () => {
  it('each follow their own script to its own end', async () => {
    // Every example script once, then again from the first, up to twenty calls.
    const twenty = [...scripts, ...scripts].slice(0, 20);
    expect(twenty).toHaveLength(20);
    const results = await Promise.all(twenty.map((script) => runCallScript(stack, script)));

    expect(results.map((result, index) => `${twenty[index]?.name}: ${result.ok ? 'passed' : `line ${result.line}: ${result.message}`}`)).toEqual(
      twenty.map((script) => `${script.name}: passed`),
    );
    const connections = new Set(results.map((result) => result.call?.callConnectionId));
    expect(connections.size).toBe(20);
    // Twenty scripted calls on two shared cores: each step waits on what the caller hears, so only a wedged run hits this.
  }, 180_000);
});
