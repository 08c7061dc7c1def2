// Owns `npm run bench`: one run on loopback that prints cold start, requests per event, a dial burst, load, overhead
// over the floor and saturation, each next to its target. `--profile` profiles the app under load instead; `--level`
// measures one load level with the memory figures; `--per-event`, `--burst [callers]`, `--alongside [rounds]` and
// `--cold-start` run one part.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { startAcsEmulator } from '../acs-emulator/index.js';
import { bundleOptions } from '../build/bundle';
import { freePort, startAzurite, type RunningAzurite } from '../local/azurite';
import { stackSettings } from '../local/local-stack';
import { SCENARIOS_AT } from '../soak/callers';
import { buildArtifacts, buildHostScript } from './artifacts';
import { measureColdStarts, type ColdStart } from './cold-start';
import { HostChild } from './host-child';
import { PROMPT_MS_PER_WORD } from './hours-message';
import type { HostMode, MemoryFigures } from './host-protocol';
import { CALLBACKS_PER_CALLER_PER_S, levelMs, measureLevel, P99_LIMIT_MS, processRssMb, THINK_MS, waitUntilQuiet, warmUp, type Side, type Step } from './load';
import { measureDialBurst, RING_WINDOW_MS, type Burst } from './dial-burst';
import { measurePerEvent, type EventRow } from './per-event';
import { summariseProfiles } from './profile';
import { fixed, median, table } from './stats';

const ROOT = path.resolve(__dirname, '../..');
/** `npm run bench` must stop by itself within five minutes on a fresh clone. */
const BUDGET_MS = 280_000;
/** The required levels, then on until a side fails (its saturation) or the time budget runs out. */
const LEVELS = [100, 500, 1000, 1500, 2000, 2500, 3000];
const REQUIRED_LEVELS = [100, 500, 1000];
const COLD_START_RUNS = 5;
const CALLS_PER_SCRIPT = 5;
/**
 * Callers on each side for the app-to-floor comparison (CPU, reads and p50 per advancing callback): both sides in the
 * same window, so that what else this shared machine does weighs on both alike.
 */
const ALONGSIDE_CALLS = 500;
const ALONGSIDE_WINDOW_MS = 8_000;
/** The dial burst: this many callers within this many ms, on each side in turn, after the ladder (its memory stays). */
const BURST_CALLERS = 1_000;
const BURST_MS = 2_000;
/** What the ladder leaves for the burst: both sides' dials, answers and hang-ups, and a ring window when callers are lost. */
const BURST_RESERVE_MS = 80_000;
/** Event Grid redelivers after 10 s, 30 s, 1 min, ...; only the first two can land within a ring. */
const EVENT_GRID_RETRY_DELAYS_MS = [10_000, 30_000];

const TARGET = {
  p99At500Ms: 50,
  saturationShare: 0.8,
  /** CPU per callback over the floor's, at 500 calls. */
  cpuOverFloor: 1.2,
  /** Table reads per advancing callback at 500 calls: the cached row is the next write's precondition. */
  readsPerAdvancing: 0.1,
  rssAt1000Mb: 200,
  importMs: 100,
};

const started = Date.now();
const deadline = started + BUDGET_MS;
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
const say = (text = '') => process.stdout.write(`${text}\n`);

async function main(): Promise<void> {
  say(`Hotline benchmark: ${new Date().toISOString()}, Node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), commit ${commit()}`);
  const profiled = process.argv.indexOf('--profile');
  if (profiled >= 0) return profile(process.argv[profiled + 1] === 'floor' ? 'floor' : 'app');
  if (process.argv.includes('--per-event')) return perEventOnly();
  const burst = process.argv.indexOf('--burst');
  if (burst >= 0) return burstOnly(Number(process.argv[burst + 1] ?? BURST_CALLERS));
  const alongside = process.argv.indexOf('--alongside');
  if (alongside >= 0) return alongsideOnly(Number(process.argv[alongside + 1] ?? 3));
  const level = process.argv.indexOf('--level');
  if (level >= 0) return focus((process.argv[level + 1] ?? '').split(',').map(Number), process.argv.slice(level + 2));
  say('One run on loopback. Azurite, the ACS emulator and the callers share this machine with the app, which runs in a host process of');
  say('its own so that its CPU and memory are its own. Compare figures as ratios within a run: the machine is shared and noisy.');

  const artifacts = await buildArtifacts(ROOT);
  say(`\nBuilt the tsc output and the bundles (${elapsed()}).`);
  const azurite = await startAzurite();
  let app: Side | undefined;
  let floor: Side | undefined;
  try {
    const coldStarts = await measureColdStarts(artifacts.variants, artifacts.probeScript, azurite.connectionString, COLD_START_RUNS);
    printColdStarts(coldStarts);
    if (process.argv.includes('--cold-start')) return;

    const flags = workerNodeArguments();
    app = await startSide('app', artifacts.hostScript, azurite, flags);
    floor = await startSide('floor', artifacts.hostScript, azurite, flags);
    say(`\nHost processes started with the worker's Node flags from the Bicep (languageWorkers__node__arguments): ${flags.join(' ') || 'none'}.`);
    say(`Before any call: app ${fixed(processRssMb(app.host.pid), 0)} MB RSS, floor ${fixed(processRssMb(floor.host.pid), 0)} MB RSS.`);
    // The floor warms up while the app is counted, which also warms the app.
    const [perEvent] = await Promise.all([measurePerEvent(app.emulator, app.host, CALLS_PER_SCRIPT), warmUp(floor, 100, 6_000)]);
    printPerEvent(perEvent.rows, perEvent.acsCountedByApp, perEvent.acsReceivedByEmulator);

    const [appAlongside, floorAlongside] = await measureLevel([app, floor], ALONGSIDE_CALLS, azurite.pid, ALONGSIDE_WINDOW_MS);
    const alongside = appAlongside && floorAlongside ? { app: appAlongside, floor: floorAlongside } : undefined;
    printAlongside(alongside);
    const ladder = await climb(app, floor, azurite, deadline - BURST_RESERVE_MS);
    printLadderRatios(ladder.app, ladder.floor);
    const saturation = { app: saturationOf(ladder.app), floor: saturationOf(ladder.floor) };
    printSaturation(saturation.app, saturation.floor, ladder.skipped);
    const bursts = await measureBursts(app, floor, BURST_CALLERS);
    printTargets(coldStarts, perEvent.rows, alongside, ladder.app, ladder.floor, saturation, bursts);
    say(`\nDone in ${elapsed()}.`);
  } finally {
    for (const side of [app, floor]) {
      await side?.host.stop();
      await side?.emulator.close();
    }
    await azurite.stop();
  }
}

/**
 * A host process and an emulator of its own; tokens are reused so the emulator's signing leaves the CPU to the app.
 * The calls take place in office hours whenever the bench runs, as the soak's do: the flow reads its schedule at each
 * event's time, and after hours the operator script would hear "closed" and wait out its patience. A failed
 * IncomingCall is redelivered as Event Grid would, so the burst counts as lost only callers the ring outlasts.
 */
async function startSide(mode: HostMode, hostScript: string, azurite: RunningAzurite, nodeFlags: readonly string[] = []): Promise<Side> {
  const port = await freePort();
  const hostUrl = `http://127.0.0.1:${port}`;
  const emulator = await startAcsEmulator({
    eventGridUrl: `${hostUrl}/runtime/webhooks/eventgrid?functionName=incomingCall`,
    timeScale: 1,
    promptMsPerWord: PROMPT_MS_PER_WORD,
    callbackTokenReuseMs: 60_000,
    callsAt: SCENARIOS_AT,
    // Event Grid's own schedule: an IncomingCall the app failed comes again 10 s later, still inside the ring.
    eventGridRetryDelaysMs: EVENT_GRID_RETRY_DELAYS_MS,
  });
  try {
    const env = stackSettings({ emulator, hostUrl, tablesConnectionString: azurite.connectionString, tableName: `bench${mode}` });
    return { emulator, host: await HostChild.start(hostScript, { mode, port, env, acsOrigin: emulator.url }, nodeFlags) };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}

/**
 * Each level is measured for the app and then for the floor, a few seconds apart, so that whatever else this shared
 * machine is doing weighs on both alike. A side stops climbing once it fails a level, except at the required levels.
 */
async function climb(app: Side, floor: Side, azurite: RunningAzurite, until: number): Promise<{ app: Step[]; floor: Step[]; skipped: string[] }> {
  const steps = { app: [] as Step[], floor: [] as Step[] };
  const skipped: string[] = [];
  printLoadHeader();
  for (const calls of LEVELS) {
    const due = (['app', 'floor'] as const).filter((name) => REQUIRED_LEVELS.includes(calls) || steps[name].every((step) => step.sustained));
    if (due.length === 0) continue;
    if (Date.now() + due.length * levelMs(calls) > until) {
      skipped.push(...due.map((name) => `${name} ${calls}`));
      continue;
    }
    for (const name of due) {
      const [step] = await measureLevel([name === 'app' ? app : floor], calls, azurite.pid);
      if (!step) continue;
      steps[name].push(step);
      printStep(name, step);
    }
  }
  return { ...steps, skipped };
}

// ---- cold start --------------------------------------------------------------------------------------------------

function printColdStarts(coldStarts: readonly ColdStart[]): void {
  say(`\n== Cold start: ${COLD_START_RUNS} fresh processes per variant, taking turns; median (min) ==`);
  say('From process start to the first IncomingCall answered (the app built on first use, the table ensured, claim, answer, state).');
  const rows = [['published as', 'files', 'size', 'import ms', 'first IncomingCall ms', 'node start-up ms']];
  for (const { variant, runs } of coldStarts) {
    const pick = (field: 'importMs' | 'firstHandledMs' | 'bootMs') => {
      const values = runs.map((run) => run[field]);
      return `${fixed(median(values), 0)} (${fixed(Math.min(...values), 0)})`;
    };
    rows.push([variant.name, String(variant.files), `${fixed(variant.bytes / 1024 / 1024, 1)} MB`, pick('importMs'), pick('firstHandledMs'), pick('bootMs')]);
  }
  say(table(rows));
}

// ---- requests per event ------------------------------------------------------------------------------------------

/**
 * A first IncomingCall writes three times, each needed to answer exactly once: the claim before answering (what makes a
 * second Event Grid delivery harmless), the call's row (in the call's own partition, which the claim cannot share: the
 * callConnectionId exists only once answered), and the claim marked answered (what stops a late redelivery from taking
 * it over and answering again). It reads nothing. A refused write (its CallConnected created the row first) is extra.
 */
const INCOMING_CALL_WRITES = 3;

/** What an advancing event may cost at most; `writes` counts the writes that landed when `landed` is set. */
interface RequestLimits {
  readonly reads: number;
  readonly writes: number;
  readonly acs: number;
  readonly landed?: boolean;
}
const ADVANCING: RequestLimits = { reads: 1, writes: 1, acs: 1 };
const FIRST_INCOMING_CALL: RequestLimits = { reads: 0, writes: INCOMING_CALL_WRITES, acs: 1, landed: true };

function verdictWithin(row: EventRow, limits: RequestLimits, met: string): string {
  const writes = limits.landed ? row.maxLandedWrites : row.max.tableWrites;
  const over = [
    row.max.tableReads > limits.reads ? `reads ${row.max.tableReads}` : '',
    writes > limits.writes ? `writes${limits.landed ? ' landed' : ''} ${writes}` : '',
    row.max.acs > limits.acs ? `ACS ${row.max.acs}` : '',
  ].filter(Boolean);
  return over.length === 0 ? met : `MISSED (max ${over.join(', ')})`;
}

function verdictForEvent(row: EventRow): string {
  if (row.event === 'IncomingCall') return verdictWithin(row, FIRST_INCOMING_CALL, `met (${INCOMING_CALL_WRITES} writes, by design)`);
  if (row.outcome === 'applied') return verdictWithin(row, ADVANCING, 'met');
  if (row.max.tableWrites === 0) return 'met';
  // Insert-if-absent is how a redelivered IncomingCall is recognised: the service refuses it and nothing is written.
  if (row.max.tableWrites === row.max.tableWritesRejected && row.mean.tableWrites === row.mean.tableWritesRejected) return 'met (its write is refused)';
  return `MISSED (writes ${row.max.tableWrites - row.max.tableWritesRejected})`;
}

function printPerEvent(rows: readonly EventRow[], acsByApp: number, acsByEmulator: number): void {
  say(`\n== Requests per event: ${CALLS_PER_SCRIPT * 4} scripted calls (hours, account, operator, unrecognised speech), each event delivered twice ==`);
  say('Mean (max) requests per invocation. Target: an event that advances the call ("applied") at most 1 read, 1 write, 1 ACS request;');
  say(`a first IncomingCall no read, ${INCOMING_CALL_WRITES} writes landed (claim, call row, claim answered: each needed to answer once), 1 ACS request;`);
  say('an ignored, duplicate or informational event no write. "(again)" is the second delivery of the same event; "refused" counts');
  say('writes the service rejected (409 exists, 412 stale ETag), which change nothing.');
  const cell = (mean: number, max: number) => `${fixed(mean, 2)} (${max})`;
  say(
    table([
      ['event', 'outcome', 'n', 'table reads', 'table writes', 'refused', 'ACS', 'target'],
      ...rows.map((row) => [
        row.event,
        row.outcome,
        String(row.n),
        cell(row.mean.tableReads, row.max.tableReads),
        cell(row.mean.tableWrites, row.max.tableWrites),
        cell(row.mean.tableWritesRejected, row.max.tableWritesRejected),
        cell(row.mean.acs, row.max.acs),
        verdictForEvent(row),
      ]),
    ]),
  );
  say(`ACS requests: ${acsByApp} counted leaving the app, ${acsByEmulator} received by the emulator (emulator.requests).`);
}

// ---- load --------------------------------------------------------------------------------------------------------

const LOAD_COLUMNS = ['side', 'calls', 'active', 'offered/s', 'handled/s', 'p50 ms', 'p99 ms', 'adv p50', 'adv p99', 'reads/adv', 'CPU ms/cb', 'user ms/cb', 'RSS MB', 'peak ever', 'machine', 'Azurite ms/cb', 'driver ms/cb', 'sustained'];

function printLoadHeader(what = 'the app, then the floor (the same requests from a bare script), level by level'): void {
  say(`\n== Load: ${what} ==`);
  say(
    `Callers think ${THINK_MS[0] / 1000}-${THINK_MS[1] / 1000} s per menu loop (4 callbacks), about ${fixed(CALLBACKS_PER_CALLER_PER_S, 2)} callbacks per caller per second; "active" = callers answered and started when the window opened. ` +
      'Times are per callback, measured in the host around the handler; "adv" = callbacks that advanced a call; "reads/adv" = ' +
        'every Table read in the window over the advancing callbacks (an upper bound: duplicates and answers read too). CPU and RSS are the host process\'s: ' +
      '"RSS MB" its peak within the window, "peak ever" since it started (dialing bursts included). "machine" = busy share of both cores (anyone\'s).',
  );
  say(table([LOAD_COLUMNS]));
}

function printStep(side: string, step: Step): void {
  const row = [
    side,
    String(step.calls),
    String(step.activeCallers),
    fixed(step.offeredPerS, 0),
    fixed(step.handledPerS, 0),
    fixed(step.p50Ms),
    fixed(step.p99Ms),
    fixed(step.advancingP50Ms),
    fixed(step.advancingP99Ms),
    fixed(step.tableReadsPerAdvancing, 2),
    fixed(step.cpuMsPerCallback, 2),
    fixed(step.userCpuMsPerCallback, 2),
    fixed(step.windowPeakRssMb, 0),
    fixed(step.maxRssMb, 0),
    `${fixed(step.machineBusy * 100, 0)} %`,
    fixed(step.azuriteCpuMsPerCallback, 2),
    fixed(step.driverCpuMsPerCallback, 2),
    step.sustained
      ? 'yes'
      : `no${step.p99Ms > P99_LIMIT_MS ? ' (p99)' : ''}${step.errors ? ` (${step.errors} errors)` : ''}${step.lostCalls ? ` (${step.lostCalls} calls lost)` : ''}${step.activeCallers < 0.95 * step.calls ? ' (not all answered)' : ''}`,
  ];
  // Each row is printed as soon as it is measured, padded to the header's widths.
  const widths = LOAD_COLUMNS.map((header, column) => Math.max(header.length, row[column]?.length ?? 0));
  say(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  '));
}

// ---- dial burst -----------------------------------------------------------------------------------------------------

/** The app's burst, then the floor's, each on its own warmed host; each host goes quiet before the next. */
async function measureBursts(app: Side, floor: Side, callers: number): Promise<{ app: Burst; floor: Burst }> {
  const appBurst = await measureDialBurst(app, callers, BURST_MS);
  await settleAfterBurst(app);
  const floorBurst = await measureDialBurst(floor, callers, BURST_MS);
  await settleAfterBurst(floor);
  printBursts({ app: appBurst, floor: floorBurst });
  return { app: appBurst, floor: floorBurst };
}

/** The burst's hang-ups are still being handled when it returns: the next measurement must not pay for them. */
const settleAfterBurst = (side: Side) => waitUntilQuiet(side.host);

function printBursts(bursts: { app: Burst; floor: Burst }): void {
  const { app, floor } = bursts;
  say(`\n== Dial burst: ${app.callers} callers dialing within ${app.overMs / 1000} s, each side alone ==`);
  say(`From the IncomingCall (the dial) to the answer reaching ACS; a caller not answered within the ${RING_WINDOW_MS / 1000} s ring is lost.`);
  const row = (name: string, burst: Burst) => [name, String(burst.answered), String(burst.lost), fixed(burst.p50Ms, 0), fixed(burst.p99Ms, 0), fixed(burst.maxMs, 0)];
  say(table([['side', 'answered', 'lost', 'p50 ms', 'p99 ms', 'max ms'], row('app', app), row('floor', floor)]));
}

/**
 * `--alongside [rounds]`: only the app-against-the-floor window, repeated, each round on the same two warmed hosts: the
 * CPU ratio moves by a third between runs on a shared machine, so a change is judged on several rounds of one run.
 */
async function alongsideOnly(rounds: number): Promise<void> {
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--alongside takes a number of rounds (1 or more)');
  const hostScript = await buildHostScript(ROOT, 'hotline-bench-alongside');
  const azurite = await startAzurite();
  const flags = workerNodeArguments();
  const sides = [await startSide('app', hostScript, azurite, flags), await startSide('floor', hostScript, azurite, flags)] as const;
  try {
    await Promise.all(sides.map((side) => warmUp(side, 100, 6_000)));
    const ratios: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const [app, floor] = await measureLevel([...sides], ALONGSIDE_CALLS, azurite.pid, ALONGSIDE_WINDOW_MS);
      printAlongside(app && floor ? { app, floor } : undefined);
      if (app && floor) ratios.push(app.cpuMsPerCallback / floor.cpuMsPerCallback);
    }
    const sorted = [...ratios].sort((a, b) => a - b);
    say(`\nCPU per callback, app over floor, by round: ${ratios.map((ratio) => fixed(ratio, 2)).join(', ')}; median ${fixed(sorted[Math.floor(sorted.length / 2)] ?? Number.NaN, 2)}`);
  } finally {
    for (const side of sides) {
      await side.host.stop();
      await side.emulator.close();
    }
    await azurite.stop();
  }
}

/** `--per-event`: only the requests-per-event table, on a fresh app host. */
async function perEventOnly(): Promise<void> {
  const hostScript = await buildHostScript(ROOT, 'hotline-bench-per-event');
  const azurite = await startAzurite();
  const side = await startSide('app', hostScript, azurite, workerNodeArguments());
  try {
    const perEvent = await measurePerEvent(side.emulator, side.host, CALLS_PER_SCRIPT);
    printPerEvent(perEvent.rows, perEvent.acsCountedByApp, perEvent.acsReceivedByEmulator);
  } finally {
    await side.host.stop();
    await side.emulator.close();
    await azurite.stop();
  }
}

async function burstOnly(callers: number): Promise<void> {
  if (!Number.isInteger(callers) || callers <= 0) throw new Error('--burst needs a number of callers, such as 1000');
  const hostScript = await buildHostScript(ROOT, 'hotline-bench-burst');
  const azurite = await startAzurite();
  const sides: Side[] = [];
  try {
    for (const mode of ['app', 'floor'] as const) {
      const side = await startSide(mode, hostScript, azurite, workerNodeArguments());
      sides.push(side);
      await warmUp(side, 50, 4_000);
    }
    const [app, floor] = sides;
    if (app && floor) await measureBursts(app, floor, callers);
  } finally {
    for (const side of sides) {
      await side.host.stop();
      await side.emulator.close();
    }
    await azurite.stop();
  }
}

// ---- app against floor, and saturation ---------------------------------------------------------------------------

function printAlongside(alongside: { app: Step; floor: Step } | undefined): void {
  say(`\n== App against the floor: ${ALONGSIDE_CALLS} callers on each, side by side in the same ${ALONGSIDE_WINDOW_MS / 1000} s window ==`);
  say('Times of advancing callbacks (each: 1 transaction and 1 ACS request; the floor also reads the row, the app goes on from its cached row);');
  say('CPU of the host process over all its callbacks; reads = every Table read of the window over the advancing callbacks.');
  if (!alongside) {
    say('not measured');
    return;
  }
  const ratio = (a: number, b: number) => fixed(a / b, 2);
  const { app: a, floor: f } = alongside;
  const row = (name: string, step: Step) => [
    name,
    fixed(step.advancingP50Ms),
    fixed(step.advancingMeanMs),
    fixed(step.advancingP99Ms),
    fixed(step.tableReadsPerAdvancing, 2),
    fixed(step.cpuMsPerCallback, 2),
    fixed(step.userCpuMsPerCallback, 2),
    fixed(step.handledPerS, 0),
    fixed(step.offeredPerS, 0),
    fixed(step.windowPeakRssMb, 0),
    step.sustained ? 'yes' : 'no',
  ];
  say(
    table([
      ['', 'adv p50 ms', 'adv mean ms', 'adv p99 ms', 'reads/adv', 'CPU ms/cb', 'user ms/cb', 'handled/s', 'offered/s', 'RSS MB', 'sustained'],
      row('app', a),
      row('floor', f),
      [
        'app / floor',
        ratio(a.advancingP50Ms, f.advancingP50Ms),
        ratio(a.advancingMeanMs, f.advancingMeanMs),
        ratio(a.advancingP99Ms, f.advancingP99Ms),
        '',
        ratio(a.cpuMsPerCallback, f.cpuMsPerCallback),
        ratio(a.userCpuMsPerCallback, f.userCpuMsPerCallback),
        '',
        '',
        '',
        '',
      ],
    ]),
  );
  if (!a.sustained || !f.sustained) say('Not sustained: this machine could not carry both sides at once, so the ratios come from a saturated window.');
  say(`Machine ${fixed(a.machineBusy * 100, 0)} % busy (both cores, anyone's); load average ${os.loadavg().map((value) => fixed(value, 1)).join(', ')}.`);
}

function printLadderRatios(app: readonly Step[], floor: readonly Step[]): void {
  const pairs = app.flatMap((step) => {
    const base = floor.find((candidate) => candidate.calls === step.calls);
    return base ? [`${step.calls} calls ${fixed(step.advancingP50Ms / base.advancingP50Ms, 2)} / ${fixed(step.cpuMsPerCallback / base.cpuMsPerCallback, 2)}`] : [];
  });
  if (pairs.length > 0) say(`\nFrom the load levels (app and floor measured apart, so noisier), p50 ratio / CPU ratio: ${pairs.join('; ')}.`);
}

interface Saturation {
  readonly perS: number;
  readonly calls: number;
  /** The ladder never found a step it could not sustain. */
  readonly open: boolean;
}

function saturationOf(steps: readonly Step[]): Saturation | undefined {
  const sustained = steps.filter((step) => step.sustained);
  const best = sustained.reduce<Step | undefined>((top, step) => (top && top.handledPerS >= step.handledPerS ? top : step), undefined);
  return best && { perS: best.handledPerS, calls: best.calls, open: steps.every((step) => step.sustained) };
}

function printSaturation(app: Saturation | undefined, floor: Saturation | undefined, skipped: readonly string[]): void {
  say(`\n== Saturation: the highest callback rate handled at a sustained level (p99 <= ${P99_LIMIT_MS} ms, no failure, 95 % of callers answered) ==`);
  const line = (name: string, value: Saturation | undefined) =>
    value ? `${name}: ${value.open ? '>= ' : ''}${fixed(value.perS, 0)} callbacks/s (${value.calls} calls)${value.open ? ', the ladder ended first' : ''}` : `${name}: not sustained at any step`;
  say(line('app  ', app));
  say(line('floor', floor));
  if (app && floor) say(`app / floor: ${fixed((app.perS / floor.perS) * 100, 0)} %`);
  if (skipped.length > 0) say(`Steps skipped to stay within the time budget: ${skipped.join(', ')} (side, calls).`);
}

// ---- targets -----------------------------------------------------------------------------------------------------

function printTargets(
  coldStarts: readonly ColdStart[],
  perEvent: readonly EventRow[],
  alongside: { app: Step; floor: Step } | undefined,
  app: readonly Step[],
  floor: readonly Step[],
  saturation: { app: Saturation | undefined; floor: Saturation | undefined },
  bursts: { app: Burst; floor: Burst },
): void {
  const at = (steps: readonly Step[], calls: number) => steps.find((step) => step.calls === calls);
  const atMost = (value: number, limit: number, unit: string) =>
    !Number.isFinite(value) ? 'not measured' : value <= limit ? 'met' : `MISSED by ${fixed(value - limit, unit === 'x' ? 2 : 1)} ${unit} (${fixed((value / limit - 1) * 100, 0)} % over)`;
  const versus = (field: 'cpuMsPerCallback' | 'advancingP50Ms') => (alongside ? alongside.app[field] / alongside.floor[field] : Number.NaN);
  const cpuRatio = versus('cpuMsPerCallback');
  const p50Ratio = versus('advancingP50Ms');
  const reads = alongside?.app.tableReadsPerAdvancing ?? Number.NaN;
  const p99 = at(app, 500)?.p99Ms ?? Number.NaN;
  const rss = at(app, 1000)?.windowPeakRssMb ?? Number.NaN;
  const floorRss = at(floor, 1000)?.windowPeakRssMb ?? Number.NaN;
  const published = coldStarts.find((cold) => cold.variant.name.includes('published'));
  const importMs = published ? median(published.runs.map((run) => run.importMs)) : Number.NaN;
  const share = saturation.app && saturation.floor ? saturation.app.perS / saturation.floor.perS : Number.NaN;
  const eventMisses = perEvent.filter((row) => verdictForEvent(row).startsWith('MISSED'));
  const burst = (side: Burst) => `p50 ${fixed(side.p50Ms / 1000, 1)} s, p99 ${fixed(side.p99Ms / 1000, 1)} s, max ${fixed(side.maxMs / 1000, 1)} s, ${side.lost} lost`;
  const sideBySide = `${ALONGSIDE_CALLS} calls, side by side`;
  say('\n== Targets ==');
  say(
    table([
      ['target', 'measured', 'verdict'],
      [`Table reads per advancing callback <= ${TARGET.readsPerAdvancing} (${sideBySide})`, fixed(reads, 3), atMost(reads, TARGET.readsPerAdvancing, 'reads')],
      [
        `advancing p50 below the floor's (${sideBySide}, app / floor)`,
        `${fixed(p50Ratio, 2)}x`,
        !Number.isFinite(p50Ratio) ? 'not measured' : p50Ratio < 1 ? 'met' : `MISSED (${fixed((p50Ratio - 1) * 100, 0)} % over the floor's)`,
      ],
      [`CPU per callback <= ${TARGET.cpuOverFloor}x the floor's (${sideBySide})`, `${fixed(cpuRatio, 2)}x`, atMost(cpuRatio, TARGET.cpuOverFloor, 'x')],
      [`RSS <= ${TARGET.rssAt1000Mb} MB at 1,000 calls (window peak)`, `${fixed(rss, 0)} MB (floor ${fixed(floorRss, 0)})`, atMost(rss, TARGET.rssAt1000Mb, 'MB')],
      [
        `dial burst (${bursts.app.callers} in ${bursts.app.overMs / 1000} s): every caller answered within the ${RING_WINDOW_MS / 1000} s ring`,
        `app ${burst(bursts.app)}; floor ${burst(bursts.floor)}`,
        bursts.app.lost === 0 ? 'met' : `MISSED (${bursts.app.lost} callers lost)`,
      ],
      ['(earlier targets, met before and still watched)', '', ''],
      [`p99 <= ${TARGET.p99At500Ms} ms at 500 calls (the ladder)`, `${fixed(p99)} ms`, atMost(p99, TARGET.p99At500Ms, 'ms')],
      [
        `saturation >= ${TARGET.saturationShare * 100} % of the floor's`,
        `${fixed(share * 100, 0)} %`,
        !Number.isFinite(share) ? 'not measured' : share >= TARGET.saturationShare ? 'met' : `MISSED by ${fixed((TARGET.saturationShare - share) * 100, 0)} points`,
      ],
      [`import of the published code <= ${TARGET.importMs} ms`, `${fixed(importMs, 0)} ms`, atMost(importMs, TARGET.importMs, 'ms')],
      [
        'requests per event (table above)',
        `${perEvent.length - eventMisses.length} of ${perEvent.length} rows met`,
        eventMisses.length === 0 ? 'met' : `MISSED: ${eventMisses.map((row) => `${row.event} ${row.outcome}`).join('; ')}`,
      ],
    ]),
  );
}

// ---- profile -----------------------------------------------------------------------------------------------------

/** The app (or the floor) under 500 callers, with --cpu-prof on the host process; packages stay separate files. */
async function profile(mode: HostMode): Promise<void> {
  const cache = path.join(ROOT, `node_modules/.cache/hotline-bench-profile-${mode}`);
  rmSync(cache, { recursive: true, force: true });
  const hostScript = path.join(cache, 'host-process.cjs');
  // Unminified, so that the summary can tell our folders apart by the module comments esbuild writes.
  await build({ ...bundleOptions(ROOT, hostScript, 'tools/bench/host-process.ts'), packages: 'external', plugins: [], minifyWhitespace: false, minifySyntax: false });
  const azurite = await startAzurite();
  const side = await startSide(mode, hostScript, azurite, ['--cpu-prof', `--cpu-prof-dir=${path.join(cache, 'profile')}`]);
  try {
    printLoadHeader(`the ${mode}, profiled (--cpu-prof slows it)`);
    const [step] = await measureLevel([side], 500, azurite.pid);
    if (step) printStep(mode, step);
  } finally {
    await side.host.stop();
    await side.emulator.close();
    await azurite.stop();
  }
  const summary = summariseProfiles(path.join(cache, 'profile'), 25, hostScript);
  say(`\n== Host process self time by package (${fixed(summary.totalMs / 1000, 1)} s of CPU, idle excluded) ==`);
  say(table([['package', 'ms', 'share'], ...summary.packages.map((entry) => [entry.name, fixed(entry.ms, 0), `${fixed(entry.share * 100, 1)} %`])]));
  say('\n== Top functions by self time ==');
  say(table([['function', 'ms', 'share'], ...summary.functions.map((entry) => [entry.name, fixed(entry.ms, 0), `${fixed(entry.share * 100, 1)} %`])]));
  say(`\nProfile files: ${path.join(cache, 'profile')}`);
}

// ---- one level -----------------------------------------------------------------------------------------------------

/**
 * `--level <calls>[,<calls>...] [app|floor ...]`: each named side (default: app, floor) in a fresh host process, warmed
 * up as in the full run, then the levels one after another on that host (so `100,500,1000` repeats the full run's
 * history); naming sides several times alternates runs. A side may carry Node flags for its host process after a
 * colon, comma-separated (`app:--optimize-for-size`), to try what Azure's `languageWorkers__node__arguments` would
 * pass. Prints where each window's peak RSS is.
 */
const isHostMode = (name: string): name is HostMode => name === 'app' || name === 'floor';

async function focus(levels: readonly number[], names: readonly string[]): Promise<void> {
  if (levels.length === 0 || !levels.every((calls) => Number.isInteger(calls) && calls > 0)) throw new Error('--level needs numbers of callers, such as 1000 or 500,1000');
  // Every host runs with the worker's flags, as in the full run; a side's own flags come after them, so they win.
  const workerFlags = workerNodeArguments();
  const sides = (names.length > 0 ? names : ['app', 'floor']).map((name) => {
    const [mode = '', flags] = name.split(/:(.*)/s);
    if (!isHostMode(mode)) throw new Error(`--level: unknown side ${name} (app or floor, optionally :<node flags>)`);
    return { label: name, mode, nodeFlags: [...workerFlags, ...(flags ? flags.split(',') : [])] };
  });
  say(`Hosts start with the worker's Node flags from the Bicep (${workerFlags.join(' ') || 'none'}), then each side's own.`);
  const hostScript = await buildHostScript(ROOT, 'hotline-bench-level');
  const azurite = await startAzurite();
  const rows = [['side', 'calls', 'peak', 'RSS MB', 'heap used', 'heap total', 'new space', 'old space', 'external', 'arrayBuffers', 'rest', 'handled/s', 'adv p50', 'p99 ms', 'reads/adv', 'CPU ms/cb', 'open fds']];
  const mb = (value: number | undefined) => fixed(value ?? Number.NaN, 0);
  try {
    for (const { label, mode, nodeFlags } of sides) {
      const side = await startSide(mode, hostScript, azurite, nodeFlags);
      try {
        await warmUp(side, 100, 6_000);
        for (const calls of levels) {
          const [step] = await measureLevel([side], calls, azurite.pid);
          if (!step) continue;
          const memory = (peak: string, { rssMb, heapUsedMb, heapTotalMb, spacesMb, externalMb, arrayBuffersMb }: MemoryFigures) =>
            [label, String(calls), peak, mb(rssMb), mb(heapUsedMb), mb(heapTotalMb), mb(spacesMb['new_space']), mb(spacesMb['old_space']), mb(externalMb), mb(arrayBuffersMb), mb(rssMb - heapTotalMb - externalMb)];
          rows.push([...memory('window', step.atPeak), fixed(step.handledPerS, 0), fixed(step.advancingP50Ms), fixed(step.p99Ms), fixed(step.tableReadsPerAdvancing, 2), fixed(step.cpuMsPerCallback, 2), String(step.openFds)]);
          rows.push(memory('ever', step.atPeakEver));
          say(`${label} ${calls} done (${elapsed()})`);
        }
      } finally {
        await side.host.stop();
        await side.emulator.close();
      }
    }
  } finally {
    await azurite.stop();
  }
  say(`\n== The host process's memory at its highest RSS, in MB: within the window ("window"), and since it started ("ever") ==`);
  say('"rest" = RSS - heap total - external: code, stacks, and memory malloc holds outside V8 (sockets, TLS, freed but kept).');
  say(table(rows));
}

/**
 * The Node flags Azure gives the worker (`languageWorkers__node__arguments` in the Bicep), so the benchmark's hosts run
 * as the app would; read from the Bicep itself so the two cannot drift apart.
 */
function workerNodeArguments(): string[] {
  const bicep = readFileSync(path.join(ROOT, 'infra/modules/functionapp.bicep'), 'utf8');
  const value = /^\s*languageWorkers__node__arguments:\s*'([^']*)'/m.exec(bicep)?.[1];
  return value ? value.split(/\s+/).filter(Boolean) : [];
}

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
