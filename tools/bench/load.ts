// Owns measuring one load level: N simulated callers against one host process, measured over one window.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AcsEmulator } from '../acs-emulator/index.js';
import { CALLBACKS_PER_LOOP, CallerPool } from './callers';
import type { HostChild } from './host-child';
import { HOURS_MESSAGE_MS } from './hours-message';
import type { MemoryFigures, WindowReport } from './host-protocol';
import { percentile } from './stats';

export const THINK_MS = [5_000, 9_000] as const;
/** Callbacks a caller offers per second when the app answers at once. */
export const CALLBACKS_PER_CALLER_PER_S = CALLBACKS_PER_LOOP / ((THINK_MS[0] + THINK_MS[1]) / 2 / 1000 + HOURS_MESSAGE_MS / 1000);

/** New callers are dialed at this rate: answering is the heaviest step (claim, answer, state, CallConnected). */
const DIALS_PER_S = 250;
const SETTLE_MS = 1_000;
export const MEASURE_MS = 6_000;
const READY_TIMEOUT_MS = 20_000;
const QUIET_TIMEOUT_MS = 10_000;
/**
 * "Sustained" means p99 under this, no failed callback, no lost call, and at least 95 % of the callers answered and
 * started before the window. The callers wait for each prompt, so a slow app would also slow what they offer; at
 * p99 under 200 ms that is at most 5 % (two advancing callbacks per 8 s loop), so no throughput test is needed.
 */
export const P99_LIMIT_MS = 200;
const MIN_STARTED = 0.95;

/** A rough upper bound of one level's wall time, for the time budget. */
export const levelMs = (calls: number) => Math.max(1_000, (calls / DIALS_PER_S) * 1_000) + SETTLE_MS + MEASURE_MS + 4_000;

export interface Step {
  readonly calls: number;
  /** Callers answered, started and not lost when the window opened. */
  readonly activeCallers: number;
  /** What the active callers offer when the app answers at once. */
  readonly offeredPerS: number;
  readonly handledPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly advancingP50Ms: number;
  readonly advancingP99Ms: number;
  readonly advancingMeanMs: number;
  /** Every Table read of the window over the advancing callbacks: an upper bound of what each of those read. */
  readonly tableReadsPerAdvancing: number;
  readonly cpuMsPerCallback: number;
  readonly userCpuMsPerCallback: number;
  readonly maxRssMb: number;
  readonly windowPeakRssMb: number;
  readonly atPeak: MemoryFigures;
  readonly atPeakEver: MemoryFigures;
  readonly openFds: number;
  /** Busy share of the machine's cores, whoever used them (other users of this machine included). */
  readonly machineBusy: number;
  readonly driverCpuMsPerCallback: number;
  readonly azuriteCpuMsPerCallback: number;
  readonly lostCalls: number;
  readonly errors: number;
  readonly sustained: boolean;
}

/** One side of the comparison: a host process and the emulator whose Event Grid deliveries go to it. */
export interface Side {
  readonly emulator: AcsEmulator;
  readonly host: HostChild;
}

/**
 * Dials `calls` callers from none on every side at once, waits until the app has started them all, measures one
 * window (the same one on every side), then hangs up and waits for the hosts to go quiet, so that the next
 * measurement starts clean. One side is a load level; two sides side by side share whatever else the machine does.
 */
export async function measureLevel(sides: readonly Side[], calls: number, azuritePid: number | undefined, measureMs = MEASURE_MS): Promise<Step[]> {
  const pools = sides.map((side) => new CallerPool(side.emulator, { thinkMs: THINK_MS, patienceMs: 30_000 }));
  try {
    await Promise.all(pools.map((pool) => pool.growTo(calls, (calls / DIALS_PER_S) * 1_000)));
    const readyBy = Date.now() + READY_TIMEOUT_MS;
    while (pools.some((pool) => pool.started + pool.lostCalls < calls) && Date.now() < readyBy) await sleep(100);
    await sleep(SETTLE_MS);
    const lostBefore = pools.map((pool) => pool.lostCalls);
    const active = pools.map((pool) => pool.started - pool.lostCalls);
    const machine = machineCpuMs();
    const driver = process.cpuUsage();
    const azurite = processCpuMs(azuritePid);
    await Promise.all(sides.map((side) => side.host.startWindow(false)));
    await sleep(measureMs);
    const reports = await Promise.all(sides.map((side) => side.host.endWindow()));
    const machineAfter = machineCpuMs();
    // The driver and Azurite serve every side: their CPU is spread over all the callbacks handled.
    const handled = reports.reduce((sum, report) => sum + report.advancingMs.length + report.otherMs.length, 0);
    const shared = {
      machineBusy: (machineAfter.busy - machine.busy) / (machineAfter.total - machine.total || 1),
      driverCpuMsPerCallback: cpuMs(process.cpuUsage(driver)) / handled,
      azuriteCpuMsPerCallback: (processCpuMs(azuritePid) - azurite) / handled,
    };
    return reports.map((report, index) =>
      summarise(calls, active[index] ?? 0, report, { ...shared, lostCalls: (pools[index]?.lostCalls ?? 0) - (lostBefore[index] ?? 0) }),
    );
  } finally {
    await Promise.all(pools.map((pool) => pool.stop(3_000)));
    for (const side of sides) {
      await waitUntilQuiet(side.host);
      // Trimmed as it is read: a long run would otherwise keep every request body in memory.
      side.emulator.requests.length = 0;
    }
  }
}

/** Warms a host's code paths (the JIT, connection pools) without reporting anything. */
export async function warmUp(side: Side, calls: number, ms: number): Promise<void> {
  const pool = new CallerPool(side.emulator, { thinkMs: THINK_MS, patienceMs: 30_000 });
  await pool.growTo(calls, ms / 2);
  await sleep(ms / 2);
  await pool.stop(3_000);
  await waitUntilQuiet(side.host);
}

/** Until half a second passes with (almost) no invocation: the hang-ups of the last level are handled. */
export async function waitUntilQuiet(host: HostChild): Promise<void> {
  const until = Date.now() + QUIET_TIMEOUT_MS;
  while (Date.now() < until) {
    await host.startWindow(false);
    await sleep(500);
    const report = await host.endWindow();
    if (report.advancingMs.length + report.otherMs.length + report.incomingCallMs.length <= 2) return;
  }
}

function summarise(
  calls: number,
  activeCallers: number,
  report: WindowReport,
  extra: { machineBusy: number; driverCpuMsPerCallback: number; azuriteCpuMsPerCallback: number; lostCalls: number },
): Step {
  const all = [...report.advancingMs, ...report.otherMs];
  const seconds = report.elapsedMs / 1000;
  const handled = all.length;
  const errors = Object.entries(report.outcomes)
    .filter(([outcome]) => outcome.startsWith('status'))
    .reduce((sum, [, count]) => sum + count, 0);
  const offeredPerS = activeCallers * CALLBACKS_PER_CALLER_PER_S;
  const p99Ms = percentile(all, 99);
  const perCallback = (ms: number) => (handled === 0 ? Number.NaN : ms / handled);
  return {
    calls,
    activeCallers,
    offeredPerS,
    handledPerS: handled / seconds,
    p50Ms: percentile(all, 50),
    p99Ms,
    advancingP50Ms: percentile(report.advancingMs, 50),
    advancingP99Ms: percentile(report.advancingMs, 99),
    advancingMeanMs: report.advancingMs.reduce((sum, ms) => sum + ms, 0) / (report.advancingMs.length || 1),
    tableReadsPerAdvancing: report.advancingMs.length === 0 ? Number.NaN : report.tableReads / report.advancingMs.length,
    cpuMsPerCallback: perCallback(report.cpuMs),
    userCpuMsPerCallback: perCallback(report.userCpuMs),
    maxRssMb: report.maxRssMb,
    windowPeakRssMb: report.windowPeakRssMb,
    atPeak: report.atPeak,
    atPeakEver: report.atPeakEver,
    openFds: report.openFds,
    machineBusy: extra.machineBusy,
    driverCpuMsPerCallback: extra.driverCpuMsPerCallback,
    azuriteCpuMsPerCallback: extra.azuriteCpuMsPerCallback,
    lostCalls: extra.lostCalls,
    errors,
    sustained: p99Ms <= P99_LIMIT_MS && errors === 0 && extra.lostCalls === 0 && activeCallers >= MIN_STARTED * calls,
  };
}

const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;

function machineCpuMs(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of os.cpus()) {
    const sum = times.user + times.nice + times.sys + times.idle + times.irq;
    total += sum;
    busy += sum - times.idle;
  }
  return { busy, total };
}

/** Resident set size of another process from /proc (Linux); NaN where that is not available. */
export function processRssMb(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? Number.NaN : Number(kb) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** CPU time of another process from /proc (Linux); 0 where that is not available. */
function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}
