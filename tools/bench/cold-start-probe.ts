// Owns one cold start as the Functions Node worker performs it: load the entry package.json names, let it register
// its functions, then handle the first IncomingCall. Prints its timings as one JSON line; run with plain node.
import { performance } from 'node:perf_hooks';
import { loadAsTheWorker } from '../build/functions-core-stand-in';

export interface ProbeResult {
  /** When this script started, in ms since the process did (Node's own start-up). */
  readonly bootMs: number;
  readonly importMs: number;
  /** When the first IncomingCall was handled, in ms since the process started. */
  readonly firstHandledMs: number;
  readonly outcome: string;
}

const bootMs = performance.now();
const [entry] = process.argv.slice(2);
if (!entry) throw new Error('usage: cold-start-probe <entry.js>  (BENCH_EVENT holds the IncomingCall event)');

async function main(): Promise<void> {
  const importStart = performance.now();
  const functions = loadAsTheWorker(entry!);
  const importMs = performance.now() - importStart;
  const incomingCall = functions.get('incomingCall')?.handler;
  if (!incomingCall) throw new Error(`${entry} registered no incomingCall function (it registered: ${[...functions.keys()].join(', ')})`);
  const lines: string[] = [];
  const log = (...args: unknown[]) => lines.push(args.map(String).join(' '));
  const context = { invocationId: 'cold-start', functionName: 'incomingCall', log, trace: log, debug: log, info: log, warn: log, error: log };
  await incomingCall(JSON.parse(process.env['BENCH_EVENT'] ?? 'null'), context);
  const result: ProbeResult = {
    bootMs,
    importMs,
    firstHandledMs: performance.now(),
    outcome: /"outcome":"(\w+)"/.exec(lines.join('\n'))?.[1] ?? `unknown (${lines.join(' | ')})`,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
