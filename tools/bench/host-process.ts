// Owns the benchmark's app process: the local Functions host serving the hotline (or the floor) in its own process,
// so the app's CPU and memory are measured apart from Azurite, the emulator and the simulated callers.
import { readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import type { ExtraPolicy } from '../../src/app/composition-root';
import type { Telemetry } from '../../src/app/ports';
import { startFunctionsHost, type Invocation } from '../local/functions-host';
import { floorFunctions } from './floor';
import type { HostCommand, HostConfig, HostMessage, InvocationDetail, MemoryFigures, WindowReport } from './host-protocol';
import { countingInto, countRequestsTo, noRequests, processTotals, stopCounting, tableRequestCounter, type RequestCounts } from './request-counter';

const config = JSON.parse(process.env['BENCH_HOST_CONFIG'] ?? '{}') as HostConfig;
const send = (message: HostMessage) => process.send?.(message);
const silentTelemetry: Telemetry = { trackEvent: () => undefined };

/** Counts each attempt's Table request, retries included, so a retried write shows as two. */
const countingStorage: ExtraPolicy[] = [{ policy: tableRequestCounter, position: 'perRetry' }];

type NamedEvent = { readonly id?: string; readonly type?: string } | undefined;

/** Only detail windows read a callback's body a second time (from a clone), to name the event: they are not timed. */
async function nameEvent(invocation: Invocation): Promise<NamedEvent> {
  if (invocation.kind === 'eventGrid') return { id: invocation.event.id, type: 'IncomingCall' };
  const events = (await invocation.request.clone().json()) as Array<{ id?: string; type?: string }>;
  return events[0];
}

class Window {
  readonly started = performance.now();
  readonly cpu = process.cpuUsage();
  private readonly tableReadsBefore = processTotals.tableReads;
  readonly advancingMs: number[] = [];
  readonly otherMs: number[] = [];
  readonly incomingCallMs: number[] = [];
  readonly outcomes: Record<string, number> = {};
  readonly requests = noRequests();
  readonly details: InvocationDetail[] = [];
  private readonly seenEvents = new Set<string>();
  private peak = new MemoryPeak();
  private readonly sampler = setInterval(() => this.sample(), 100).unref();

  constructor(readonly detail: boolean) {}

  record(invocation: Invocation, ms: number, result: unknown, counts: RequestCounts, event: NamedEvent | undefined): void {
    this.requests.tableReads += counts.tableReads;
    this.requests.tableWrites += counts.tableWrites;
    this.requests.tableWritesRejected += counts.tableWritesRejected;
    this.requests.acs += counts.acs;
    let outcome = 'handled';
    if (invocation.functionName === 'incomingCall') {
      this.incomingCallMs.push(ms);
    } else {
      const response = result as { status?: number; jsonBody?: { outcomes?: string[] } } | undefined;
      outcome = response?.jsonBody?.outcomes?.[0] ?? `status ${response?.status ?? 'threw'}`;
      this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
      (outcome === 'applied' ? this.advancingMs : this.otherMs).push(ms);
    }
    if (event) this.details.push(this.describe(invocation, event, outcome, counts));
  }

  private describe(invocation: Invocation, event: NamedEvent, outcome: string, counts: RequestCounts): InvocationDetail {
    const id = event?.id ?? '';
    const redelivered = this.seenEvents.has(id);
    this.seenEvents.add(id);
    const eventType = (event?.type ?? '?').replace('Microsoft.Communication.', '');
    return { functionName: invocation.functionName, eventType, outcome, redelivered, counts };
  }

  private sample(): void {
    const now = process.memoryUsage();
    this.peak.offer(now);
    peakEver.offer(now);
  }

  /** Stops sampling; a window replaced without a report is simply dropped. */
  close(): void {
    clearInterval(this.sampler);
  }

  report(): WindowReport {
    this.close();
    this.sample();
    const cpu = process.cpuUsage(this.cpu);
    return {
      elapsedMs: performance.now() - this.started,
      cpuMs: (cpu.user + cpu.system) / 1000,
      userCpuMs: cpu.user / 1000,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      windowPeakRssMb: this.peak.figures().rssMb,
      atPeak: this.peak.figures(),
      atPeakEver: peakEver.figures(),
      openFds: openFds(),
      advancingMs: this.advancingMs,
      otherMs: this.otherMs,
      incomingCallMs: this.incomingCallMs,
      outcomes: this.outcomes,
      requests: this.requests,
      tableReads: processTotals.tableReads - this.tableReadsBefore,
      details: this.details,
    };
  }
}

const MB = 1024 * 1024;

/** The memory figures at the highest RSS offered. */
class MemoryPeak {
  private usage = process.memoryUsage();
  private spaces = getHeapSpaceStatistics();

  offer(usage: NodeJS.MemoryUsage): void {
    if (usage.rss < this.usage.rss) return;
    this.usage = usage;
    this.spaces = getHeapSpaceStatistics();
  }

  figures(): MemoryFigures {
    const { rss, heapUsed, heapTotal, external, arrayBuffers } = this.usage;
    return {
      rssMb: rss / MB,
      heapUsedMb: heapUsed / MB,
      heapTotalMb: heapTotal / MB,
      externalMb: external / MB,
      arrayBuffersMb: arrayBuffers / MB,
      spacesMb: Object.fromEntries(this.spaces.map((space) => [space.space_name, space.space_size / MB])),
    };
  }
}

const peakEver = new MemoryPeak();

/** Linux only (/proc); NaN elsewhere. */
function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return Number.NaN;
  }
}

async function main(): Promise<void> {
  countRequestsTo(config.acsOrigin);
  let window = new Window(false);
  const host = await startFunctionsHost({
    port: config.port,
    env: config.env,
    telemetry: silentTelemetry,
    overrides: { storagePolicies: countingStorage },
    ...(config.mode === 'floor' ? { functions: (settings) => floorFunctions(settings, countingStorage) } : {}),
    aroundInvocation: async (invocation, invoke) => {
      const counts = noRequests();
      const named = window.detail ? nameEvent(invocation).catch(() => undefined) : undefined;
      const started = performance.now();
      let result: unknown;
      try {
        return (result = await (window.detail ? countingInto(counts, invoke) : invoke()));
      } finally {
        window.record(invocation, performance.now() - started, result, counts, await named);
      }
    },
  });
  process.on('message', (command: HostCommand) => {
    switch (command.type) {
      case 'startWindow':
        window.close();
        window = new Window(command.detail);
        send({ type: 'windowStarted', id: command.id });
        return;
      case 'endWindow':
        send({ type: 'window', id: command.id, report: window.report() });
        if (window.detail) stopCounting();
        window = new Window(false);
        return;
      case 'stop':
        // process.exit, not a drained event loop: --cpu-prof writes its profile on exit either way.
        void host.close().finally(() => process.exit(0));
        return;
    }
  });
  send({ type: 'ready' });
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
