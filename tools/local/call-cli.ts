// `npm run call -- <script.call>...`: plays call scripts against the whole hotline run locally; exits 1 when one goes wrong.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadFlow } from '../../src/app/flow-file';
import { runCallScript } from './call-runner';
import { parseScript, type CallScript } from './call-script';
import { CliError, flowFileSetting, onInterrupt, readEnv, runCli, timeScaleSetting } from './cli-support';
import { startLocalStack, type LocalStack } from './local-stack';
import { formatLine, timelineLines, wantsColor } from './timeline-view';

const USAGE = 'usage: npm run call -- [--timeline] <script.call>... (docs/local-development.md describes the steps)';

async function loadScript(file: string): Promise<CallScript> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  return parseScript(text, file);
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { timeline: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    throw new CliError(`${(error as Error).message.split('.')[0] ?? ''}; ${USAGE}`);
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (parsed.positionals.length === 0) throw new CliError(USAGE);
  const env = readEnv({ HOTLINE_TIME_SCALE: timeScaleSetting(0.05), HOTLINE_FLOW_FILE: flowFileSetting });
  // The flow and every script are checked before anything starts, so a typo costs no waiting.
  if (env.HOTLINE_FLOW_FILE !== undefined) loadFlow(env.HOTLINE_FLOW_FILE);
  const loaded = await Promise.allSettled(parsed.positionals.map(loadScript));
  const refused = loaded.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  if (refused.length > 0) throw new CliError(refused.map((error) => (error instanceof Error ? error.message : String(error))).join('\n'));
  const scripts = loaded.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));

  const color = wantsColor(process.stdout);
  const hostErrors: string[] = [];
  const stack: LocalStack = await startLocalStack({
    timeScale: env.HOTLINE_TIME_SCALE,
    // A reminder's phone rings for 30 s, scaled like every other wait; its retry comes a second later, not 15 minutes.
    ringWindowMs: Math.max(500, 30_000 * env.HOTLINE_TIME_SCALE),
    settings: { OUTBOUND_RETRY_SPACING_SECONDS: '1', ...(env.HOTLINE_FLOW_FILE === undefined ? {} : { HOTLINE_FLOW_FILE: env.HOTLINE_FLOW_FILE }) },
    log: (level, functionName, message) => {
      if (level === 'error') hostErrors.push(`${functionName}: ${message}`);
    },
  });
  const stopOnInterrupt = onInterrupt(() => void stack.stop().then(() => process.exit(130)));
  let failed = 0;
  try {
    for (const script of scripts) {
      const started = Date.now();
      hostErrors.length = 0;
      const result = await runCallScript(stack, script);
      const took = `${((Date.now() - started) / 1000).toFixed(1)} s`;
      if (result.ok) process.stdout.write(`PASS ${script.name} (${script.steps.length} steps, ${took})\n`);
      else {
        failed += 1;
        process.stdout.write(`FAIL ${script.name}:${result.line}: ${result.message}\n`);
      }
      if (result.call && (!result.ok || parsed.values.timeline)) {
        for (const line of timelineLines(result.call.timeline, { details: true })) process.stdout.write(`${formatLine(line, color)}\n`);
      }
      for (const error of hostErrors) process.stdout.write(`  host error in ${error}\n`);
    }
  } finally {
    stopOnInterrupt();
    await stack.stop();
  }
  if (scripts.length > 1) process.stdout.write(`${scripts.length - failed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}

runCli(main);
