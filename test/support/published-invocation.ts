// Owns one invocation of a published entry as the Functions worker runs it: load, (optionally) serve the invocation that
// woke the instance at once, wait for the telemetry to start, invoke incomingCall with the host's trace context,
// terminate (which flushes). Prints what it saw as one JSON line.
import { PUBLISHED_TELEMETRY } from '../../tools/build/bundle';
import { startAsTheWorker } from '../../tools/build/functions-core-stand-in';

export interface InvocationReport {
  /** Hooks registered by the time the entry's require returned, and by the end. */
  readonly hooksAtLoad: readonly string[];
  readonly hooks: readonly string[];
  /** What the function logged through its InvocationContext. */
  readonly log: readonly string[];
  /** The invocation that woke the instance, run at once: what it logged, and whether the distro was loaded when it ended. */
  readonly cold?: { readonly log: readonly string[]; readonly telemetryLoaded: boolean };
}

const telemetryLoaded = () => Object.keys(require.cache).some((file) => file.endsWith(PUBLISHED_TELEMETRY));

/** Only to fail rather than hang when the distro never registers its hook; no result waits on it. */
const GIVE_UP_MS = 30_000;

const [entry] = process.argv.slice(2);
const event = process.env['INVOCATION_EVENT'];
const coldEvent = process.env['COLD_INVOCATION_EVENT'];
const traceParent = process.env['INVOCATION_TRACEPARENT'];
if (!entry || !event || !traceParent) throw new Error('usage: published-invocation <entry.js>  (INVOCATION_EVENT, INVOCATION_TRACEPARENT)');

async function main(): Promise<InvocationReport> {
  const app = startAsTheWorker(entry!);
  const hooksAtLoad = app.hooks();
  let cold: InvocationReport['cold'];
  if (coldEvent) {
    const { log } = await app.invoke('incomingCall', JSON.parse(coldEvent), { invocationId: 'cold-invocation', traceParent: traceParent! });
    cold = { log, telemetryLoaded: telemetryLoaded() };
  }
  let giveUp: NodeJS.Timeout | undefined;
  await Promise.race([
    app.hookRegistered('preInvocation'),
    new Promise((_, reject) => (giveUp = setTimeout(() => reject(new Error(`no preInvocation hook within ${GIVE_UP_MS} ms (hooks: ${app.hooks().join(', ')})`)), GIVE_UP_MS))),
  ]).finally(() => clearTimeout(giveUp));
  const { log } = await app.invoke('incomingCall', JSON.parse(event!), { invocationId: 'published-invocation', traceParent: traceParent! });
  await app.terminate();
  return { hooksAtLoad, hooks: app.hooks(), log, ...(cold ? { cold } : {}) };
}

main().then(
  (report) => {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
