// Owns one cold start as the Functions Node worker performs it: load the entry package.json names, let it register
// its functions, then handle the first IncomingCall. Prints its timings as one JSON line; run with plain node.
import Module from 'node:module';
import { performance } from 'node:perf_hooks';

type Handler = (trigger: unknown, context: unknown) => Promise<unknown>;

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

// The worker hands the app @azure/functions-core; this stand-in only keeps the handlers the app registers.
const handlers = new Map<string, Handler>();
const functionsCore = {
  setProgrammingModel: () => undefined,
  getProgrammingModel: () => undefined,
  registerFunction: (metadata: { name: string }, handler: Handler) => {
    handlers.set(metadata.name, handler);
    return { dispose: () => undefined };
  },
  log: () => undefined,
};
const loader = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolve = loader._resolveFilename;
loader._resolveFilename = (request, ...rest) => (request === '@azure/functions-core' ? request : resolve.call(Module, request, ...rest));
const coreModule = new Module('@azure/functions-core');
coreModule.exports = functionsCore;
coreModule.loaded = true;
Module.createRequire(__filename).cache['@azure/functions-core'] = coreModule;

async function main(): Promise<void> {
  const importStart = performance.now();
  Module.createRequire(entry!)(entry!);
  const importMs = performance.now() - importStart;
  const incomingCall = handlers.get('incomingCall');
  if (!incomingCall) throw new Error(`${entry} registered no incomingCall function (it registered: ${[...handlers.keys()].join(', ')})`);
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
