// Every example call script (examples/calls/) played end to end through the runner `npm run call` uses.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCallScript } from '../../tools/local/call-runner';
import { parseScript } from '../../tools/local/call-script';
import { startLocalStack, type LocalStack } from '../../tools/local/local-stack';

const EXAMPLES = path.resolve(__dirname, '../../examples/calls');
const files = readdirSync(EXAMPLES).filter((file) => file.endsWith('.call'));

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({
    tablesConnectionString: inject('tablesConnectionString'),
    // The reminder scripts: outbound calls on, the phone ringing 1.5 s, a retry a second after no answer (as npm run call does).
    queuesConnectionString: inject('queuesConnectionString'),
    ringWindowMs: 1_500,
    settings: { OUTBOUND_RETRY_SPACING_SECONDS: '1' },
    timeScale: 0.05,
  });
});
afterAll(async () => stack?.stop());

describe('the example call scripts', () => {
  it('cover every path of the default hotline, and the reminder answered, cancelled and retried', () => {
    expect(files).toHaveLength(14);
  });

  it.each(files)('%s goes as written', async (file) => {
    const script = parseScript(readFileSync(path.join(EXAMPLES, file), 'utf8'), file);
    const result = await runCallScript(stack, script);
    expect(result.ok ? 'passed' : `line ${result.line}: ${result.message}`).toBe('passed');
  });
});
