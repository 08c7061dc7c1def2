// Owns the load ladder: more and more simulated callers against one host process, one measurement window per step.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AcsEmulator } from '../acs-emulator/index.js';
import { CALLBACKS_PER_LOOP, CallerPool } from './callers';
import type { HostChild } from './host-child';
import type { WindowReport } from './host-protocol';
import { percentile } from './stats';

export const THINK_MS = [5_000, 9_000] as const;
/** The opening-hours message: 17 words at the emulator's 60 ms a word (timeScale 1). */
const HOURS_MESSAGE_MS = 17 * 60;
/** Callbacks a caller offers per second when the app answers at once. */
export const CALLBACKS_PER_CALLER_PER_S = CALLBACKS_PER_LOOP / ((THINK_MS[0] + THINK_MS[1]) / 2 / 1000 + HOURS_MESSAGE_MS / 1000);

const RAMP_MS = 3_000;
const SETTLE_MS = 1_000;
const MEASURE_MS = 6_000;
export const STEP_MS = RAMP_MS + SETTLE_MS + MEASURE_MS + 500;
/** "Sustained" means p99 under this and at least 90 % of the offered callbacks handled. */
export const P99_LIMIT_MS = 200;

export interface Step {
  readonly calls: number;
  readonly offeredPerS: number;
  readonly handledPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly advancingP50Ms: number;
  readonly advancingP99Ms: number;
  readonly advancingMeanMs: number;
  readonly cpuMsPerCallback: number;
  readonly maxRssMb: number;
  /** Busy share of the machine's cores, whoever used them (other users of this machine included). */
  readonly machineBusy: number;
  readonly driverCpuMsPerCallback: number;
  readonly azuriteCpuMsPerCallback: number;
  readonly lostCalls: number;
  readonly errors: number;
  readonly sustained: boolean;
}

export interface LadderOptions {
  readonly levels: readonly number[];
  /** Levels measured even when an earlier one was not sustained. */
  readonly mustMeasure: readonly number[];
  readonly deadline: number;
  readonly azuritePid: number | undefined;
  readonly onStep?: (step: Step) => void;
}

export async function climb(emulator: AcsEmulator, host: HostChild, options: LadderOptions): Promise<{ steps: Step[]; skipped: number[] }> {
  const pool = new CallerPool(emulator, { thinkMs: THINK_MS, patienceMs: 30_000 });
  const steps: Step[] = [];
  const skipped: number[] = [];
  try {
    for (const calls of options.levels) {
      const failedBefore = steps.some((step) => !step.sustained);
      if (failedBefore && !options.mustMeasure.includes(calls)) continue;
      if (Date.now() + STEP_MS > options.deadline) {
        skipped.push(calls);
        continue;
      }
      await pool.growTo(calls, RAMP_MS);
      await sleep(SETTLE_MS);
      const lostBefore = pool.lostCalls;
      const machine = machineCpuMs();
      const driver = process.cpuUsage();
      const azurite = processCpuMs(options.azuritePid);
      await host.startWindow(false);
      await sleep(MEASURE_MS);
      const report = await host.endWindow();
      const step = summarise(calls, report, {
        machineBusy: (machineCpuMs().busy - machine.busy) / ((machineCpuMs().total - machine.total) || 1),
        driverCpuMs: cpuMs(process.cpuUsage(driver)),
        azuriteCpuMs: processCpuMs(options.azuritePid) - azurite,
        lostCalls: pool.lostCalls - lostBefore,
      });
      steps.push(step);
      options.onStep?.(step);
      // Trimmed as it is read: a long run would otherwise keep every request body in memory.
      emulator.requests.length = 0;
    }
  } finally {
    await pool.stop(3_000);
  }
  return { steps, skipped };
}

function summarise(
  calls: number,
  report: WindowReport,
  extra: { machineBusy: number; driverCpuMs: number; azuriteCpuMs: number; lostCalls: number },
): Step {
  const all = [...report.advancingMs, ...report.otherMs];
  const seconds = report.elapsedMs / 1000;
  const handled = all.length;
  const errors = Object.entries(report.outcomes)
    .filter(([outcome]) => outcome.startsWith('status'))
    .reduce((sum, [, count]) => sum + count, 0);
  const offeredPerS = calls * CALLBACKS_PER_CALLER_PER_S;
  const p99Ms = percentile(all, 99);
  const perCallback = (ms: number) => (handled === 0 ? Number.NaN : ms / handled);
  return {
    calls,
    offeredPerS,
    handledPerS: handled / seconds,
    p50Ms: percentile(all, 50),
    p99Ms,
    advancingP50Ms: percentile(report.advancingMs, 50),
    advancingP99Ms: percentile(report.advancingMs, 99),
    advancingMeanMs: report.advancingMs.reduce((sum, ms) => sum + ms, 0) / (report.advancingMs.length || 1),
    cpuMsPerCallback: perCallback(report.cpuMs),
    maxRssMb: report.maxRssMb,
    machineBusy: extra.machineBusy,
    driverCpuMsPerCallback: perCallback(extra.driverCpuMs),
    azuriteCpuMsPerCallback: perCallback(extra.azuriteCpuMs),
    lostCalls: extra.lostCalls,
    errors,
    sustained: p99Ms <= P99_LIMIT_MS && handled / seconds >= 0.9 * offeredPerS && errors === 0 && extra.lostCalls === 0,
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
