// Owns one cold start as the Functions Node worker performs it: load the entry package.json names, let it register
// its functions, then handle the first IncomingCall. Prints its timings as one JSON line; run with plain node.
import { performance } from 'node:perf_hooks';
import { startAsTheWorker } from '../build/functions-core-stand-in';

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
  const app = startAsTheWorker(entry!);
  const importMs = performance.now() - importStart;
  // As the worker runs it: any preInvocation hook first (the distro's, if it started by then), with the host's trace.
  const { log: lines } = await app.invoke('incomingCall', JSON.parse(process.env['BENCH_EVENT'] ?? 'null'), {
    invocationId: 'cold-start',
    traceParent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  });
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
