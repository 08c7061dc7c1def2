// Owns `npm run soak`: a bounded chaos run of N simulated calls through the ACS emulator, the local Functions host
// and Azurite (loopback only), with storage and ACS faults, duplicated and reordered callbacks; prints the figures and
// exits non-zero if any call was lost, doubled, stuck or leaked something private. It stops by itself.
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { TableClient, type TableEntityResult } from '@azure/data-tables';
import type { ExtraPolicy } from '../../src/app/composition-root';
import { EVENT_GRID_RETRY_DELAYS_MS, type AcsEmulator, type CallHandle } from '../acs-emulator/index.js';
import { startAzurite } from '../local/azurite';
import { OPERATOR_NUMBER, HOTLINE_NUMBER, startLocalStack } from '../local/local-stack';
import { leaksInRows, numberForms, PrivacyScanner } from '../local/privacy-scan';
import { StorageFaults } from '../local/storage-faults';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { audit, type Tracked } from './audit';
import { runCaller, SCENARIOS, SCENARIOS_AT, type CallerResult } from './callers';
import { explainCall } from './explain';
import { StorageTrace } from './storage-trace';

const USAGE = `npm run soak -- [--calls 500] [--concurrency 50] [--storage-faults 0.1] [--acs-faults 0.1]
                      [--duplicates 0.2] [--reorders 0.1] [--forgeries 0.1] [--time-scale 0.2] [--hosts 2, 1 in a burst] [--seed <n>]
                      [--burst]   (every call dials within 2 s, whatever --concurrency says)
                      [--explain-rescued]   (also explain the calls the watchdog recovered or that ended off script)`;

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '50' },
    'storage-faults': { type: 'string', default: '0.1' },
    'acs-faults': { type: 'string', default: '0.1' },
    duplicates: { type: 'string', default: '0.2' },
    reorders: { type: 'string', default: '0.1' },
    forgeries: { type: 'string', default: '0.1' },
    burst: { type: 'boolean', default: false },
    'explain-rescued': { type: 'boolean', default: false },
    'time-scale': { type: 'string', default: '0.2' },
    // Two instances on one table, every request to either at random: each instance's cached rows go stale.
    // Two by default; one in a burst (below).
    hosts: { type: 'string' },
    seed: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

function number(name: keyof typeof args, min: number, max: number): number {
  const value = Number(args[name]);
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`--${name} must be a number from ${min} to ${max}\n${USAGE}`);
  return value;
}

/** mulberry32: a small seeded generator, so a run's dice can be replayed with --seed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Fault rules roll their dice in turn and the first that fires wins; these per-rule probabilities make the kinds add up
 * to `rate` in the given shares (a later rule only rolls when the earlier ones did not fire).
 */
function inOrder(rate: number, shares: readonly number[]): number[] {
  let taken = 0;
  return shares.map((share) => {
    const probability = (rate * share) / (1 - taken);
    taken += rate * share;
    return probability;
  });
}

/** Callback redelivery is undocumented for ACS (R-09): the soak assumes retries after 0.5 s, 2 s and 5 s. */
const CALLBACK_RETRY_DELAYS_MS = [500, 2_000, 5_000];
/**
 * The watchdog sweeps every 2 s in the soak (15 s in Azure) and treats 10 s of waiting as stalled (45 s in Azure), so a
 * short run exercises it. In a burst callbacks queue for up to 18 s, and at 10 s the watchdog "recovered" 765 of 1,000
 * merely queued calls, each recovery more requests for the loaded host; at Azure's 45 s and 15 s, a call that did lose
 * its callback was recovered after its caller's minute of patience. A burst waits 25 s.
 */
const WATCHDOG_SWEEP_MS = 2_000;
const WATCHDOG_STALL_SECONDS = 10;
const BURST_WATCHDOG_STALL_SECONDS = 25;
/** After the last caller, how long pending redeliveries get to land before the rows are judged. */
const SETTLE_MS = 10_000;

async function main(): Promise<number> {
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const calls = number('calls', 1, 100_000);
  const concurrency = number('concurrency', 1, 500);
  const storageFaultRate = number('storage-faults', 0, 0.5);
  const acsFaultRate = number('acs-faults', 0, 0.5);
  const duplicateRate = number('duplicates', 0, 1);
  const reorderRate = number('reorders', 0, 1);
  const forgeryRate = number('forgeries', 0, 1);
  const burst = args.burst === true;
  const timeScale = number('time-scale', 0.01, 10);
  // A burst measures answering against the ring window. Two hosts in this one process add no capacity, only the front
  // door's hop for every request (with two, a 1,000-caller burst lost 407 callers to timeouts and resets at the door).
  const hostCount = args.hosts === undefined ? (burst ? 1 : 2) : number('hosts', 1, 8);
  const seed = args.seed === undefined ? randomBytes(4).readUInt32LE() : number('seed', 0, 2 ** 32 - 1);
  const random = seeded(seed);

  const started = Date.now();
  const telemetry: Tracked[] = [];
  const logs: string[] = [];
  const storageFaults = new StorageFaults(random);
  const etagRefusals = transactionRefusals();
  const storageTrace = new StorageTrace();
  // 10% of storage tries fail: mostly busy, some lost responses (the write landed), some resets, a few hangs.
  const storageMix = [['unavailable', 0.4], ['lostResponse', 0.3], ['reset', 0.2], ['hang', 0.1]] as const;
  inOrder(storageFaultRate, storageMix.map(([, share]) => share)).forEach((probability, i) => {
    if (probability > 0) storageFaults.inject({ fault: storageMix[i]?.[0] ?? 'unavailable', probability });
  });

  // A share of answer tries hang (as a dead socket does) until the client's try timeout: the owner must try again under
  // its extended claim before the ring ends, and no redelivery may take the call over meanwhile.
  let hungAnswers = 0;
  const hangAnswers: PipelinePolicy = {
    name: 'soakHangAnswers',
    sendRequest: (request, next) => {
      if (!request.url.includes(':answer') || random() >= acsFaultRate / 4) return next(request);
      hungAnswers += 1;
      return new Promise((_, reject) => {
        const stop = () => reject(Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' }));
        if (request.timeout > 0) setTimeout(stop, request.timeout);
        request.abortSignal?.addEventListener('abort', stop, { once: true });
      });
    },
  };
  const azurite = await startAzurite();
  const stack = await startLocalStack({
    tablesConnectionString: azurite.connectionString,
    timeScale,
    // Event Grid's own schedule (10 s, 30 s, 1 min, ...): only its first retry can still reach a ringing caller.
    emulator: {
      callbackRetryDelaysMs: CALLBACK_RETRY_DELAYS_MS,
      eventGridRetryDelaysMs: EVENT_GRID_RETRY_DELAYS_MS,
      random,
      callsAt: SCENARIOS_AT,
      // One callback token a second instead of one per callback: ACS signs on its own machines, and the emulator's RSA
      // signing took 6 % of a burst's CPU from the app it measures. The app still verifies every token.
      callbackTokenReuseMs: 1_000,
    },
    settings: { WATCHDOG_STALL_SECONDS: String(burst ? BURST_WATCHDOG_STALL_SECONDS : WATCHDOG_STALL_SECONDS) },
    telemetry: { trackEvent: (name, properties) => telemetry.push({ name, properties }) },
    log: (level, functionName, message) => logs.push(`${level} ${functionName} ${message}`),
    // The trace around the faults: outside, what the app saw; inside, what reached Azurite.
    overrides: { storagePolicies: [storageTrace.outer, storageFaults.extraPolicy, storageTrace.inner, etagRefusals.extraPolicy], acsPolicies: [{ policy: hangAnswers, position: 'perRetry' }] },
    hosts: hostCount,
    spread: random,
  });
  const { emulator, hosts } = stack;
  // 10% of ACS requests (answers included) fail: server errors the SDK retries, throttling it does not.
  const acsMix = [[500, 0.4], [503, 0.3], [429, 0.3]] as const;
  inOrder(acsFaultRate, acsMix.map(([, share]) => share)).forEach((probability, i) => {
    if (probability > 0) emulator.faults.inject({ path: /:(answer|recognize|play|transferToParticipant|terminate)$/, status: acsMix[i]?.[0] ?? 500, probability });
  });
  // Throttled answers with Retry-After, which the SDK waits out: retried by their owner inside the ring window.
  if (acsFaultRate > 0) emulator.faults.inject({ path: /:answer$/, status: 429, retryAfterSeconds: 1, probability: acsFaultRate / 2 });
  Object.assign(emulator.callbackQuirks, { duplicateRate, reorderRate, reorderHoldMs: 100 });

  let sweeping = true;
  const watchdog = (async () => {
    for (let sweep = 0; sweeping; sweep++) {
      await new Promise((resolve) => setTimeout(resolve, WATCHDOG_SWEEP_MS));
      await hosts[sweep % hosts.length]?.runTimer('watchdog').catch((error: unknown) => logs.push(`error watchdog ${String(error)}`));
    }
  })();

  console.log(`soak: ${calls} calls, ${concurrency} at a time, ${hostCount} host(s) on one table, seed ${seed}; storage faults ${pct(storageFaultRate)}, ACS faults ${pct(acsFaultRate)}, duplicates ${pct(duplicateRate)}, reorders ${pct(reorderRate)}`);
  const results: CallerResult[] = [];
  const forged = { sent: 0, rejected: 0, absorbed: 0, accepted: [] as string[] };
  const table = TableClient.fromConnectionString(azurite.connectionString, stack.settings['CALL_STATE_TABLE_NAME'] ?? '', { allowInsecureConnection: true });
  // The claim row as the app keeps it (src/adapters/tables/call-store.ts); a failed read is "not known yet".
  const claimOf = (correlationId: string) =>
    table.getEntity<{ callConnectionId?: string }>(`incoming|${correlationId}`, 'claim').then((row) => row, () => undefined);
  const forging =
    forgeryRate > 0 ? forgeCallbacks(stack.host.url, emulator, forgeryRate, random, forged, () => results.length >= calls, claimOf) : Promise.resolve();
  let nextCall = 0;
  // Where the callers still on the line are, by the call's state and its latest timeline entry: a run that stalls says why.
  const progress = setInterval(() => {
    const finished = new Set(results.map((result) => result.callId));
    const open: Record<string, number> = {};
    for (const handle of emulator.caller.calls) if (!finished.has(handle.callId)) count(open, `${handle.state} after ${handle.timeline.at(-1)?.kind ?? 'nothing'}`);
    console.log(`  ${results.length}/${calls} calls done, ${((Date.now() - started) / 1000).toFixed(0)} s; on the line: ${formatTally(open)}`);
  }, 10_000);
  const call = async (index: number) => {
    const scenario = SCENARIOS[index % SCENARIOS.length] ?? 'account';
    const from = `+1425555${String(1000 + (index % 9000)).padStart(4, '0')}`;
    results.push(await runCaller(emulator, scenario, from, random() < duplicateRate));
  };
  if (burst) {
    // Every caller dials within BURST_MS, evenly spread.
    await Promise.all(Array.from({ length: calls }, (_, index) => new Promise((resolve) => setTimeout(resolve, (index * BURST_MS) / calls)).then(() => call(index))));
  } else {
    await Promise.all(
      Array.from({ length: Math.min(concurrency, calls) }, async () => {
        while (nextCall < calls) await call(nextCall++);
      }),
    );
  }
  clearInterval(progress);
  // Everything after the last call is timed by phase: that time must grow no faster than the calls do.
  const lastCallAt = Date.now();
  const phases: Array<[string, number]> = [];
  const timed = async <T>(name: string, work: () => T | Promise<T>): Promise<T> => {
    const start = Date.now();
    const value = await work();
    phases.push([name, Date.now() - start]);
    return value;
  };
  await timed('forgeries', () => forging);

  await timed('settle', () => settle(table, results));
  sweeping = false;
  await timed('watchdog', () => watchdog);
  const elapsedMs = Date.now() - started;
  storageFaults.clear();

  // The table is read once, for the audit and the privacy scan alike.
  const listedAt = Date.now();
  const rows = await timed('table read', async () => {
    const all: TableEntityResult<Record<string, unknown>>[] = [];
    for await (const row of table.listEntities()) all.push(row);
    return all;
  });
  const figures = await timed('audit', () => audit(emulator, rows, listedAt, results, telemetry));
  // An event applied while the table was being read is judged by its own marker, read by key.
  for (const late of figures.lateMarkers) {
    const found = await table.getEntity(late.partitionKey, late.rowKey).then(() => true, () => false);
    if (found) continue;
    figures.lostTransitions.push(late.finding);
    figures.flaggedCalls.push(late.callId);
  }
  const troubled = new Set([...results.filter((result) => result.stuck || !result.end || !result.callConnectionId).map((result) => result.callId), ...figures.flaggedCalls]);
  const explained = [...[...troubled].slice(0, MAX_EXPLAINED), ...(args['explain-rescued'] ? figures.rescuedCalls.slice(0, MAX_EXPLAINED) : [])];
  const diagnosis = await timed('diagnosis', () => explained.map((callId) => explainCall(emulator, callId, rows, storageTrace, logs)));
  const secrets = [
    ...results.flatMap((result) => numberForms(emulator.caller.get(result.callId)?.from ?? '')),
    ...numberForms(OPERATOR_NUMBER),
    ...numberForms(HOTLINE_NUMBER),
    stack.settings['PSEUDONYM_KEY'] ?? '',
    stack.settings['CALLBACK_SIGNING_KEY'] ?? '',
    emulator.accessKey,
    // Each call's callback URL signature, as the app gave it to ACS.
    ...emulator.requests
      .filter((request) => request.path.endsWith(':answer') && request.status < 300)
      .map((request) => new URL((request.body as { callbackUri: string }).callbackUri).searchParams.get('sig') ?? ''),
  ];
  // Indexed once: comparing every form of every caller's number with every line made a 10,000-call run quadratic.
  const scanner = await timed('privacy: index', () => new PrivacyScanner(secrets));
  const leaks = [
    ...(await timed('privacy: logs', () => logs.flatMap((line, i) => scanner.scan(`log[${i}]`, line)))),
    ...(await timed('privacy: telemetry', () => telemetry.flatMap((event, i) => scanner.scan(`telemetry[${i}]`, JSON.stringify(event))))),
    ...(await timed('privacy: urls', () => emulator.requests.flatMap((request, i) => scanner.scan(`url[${i}]`, `${request.path}?${new URLSearchParams(request.query).toString()}`)))),
    ...(await timed('privacy: table', () => leaksInRows(rows, scanner))),
  ];
  await timed('stop', () => stack.stop());
  await timed('azurite', () => azurite.stop());
  const afterLastCallMs = Date.now() - lastCallAt;

  const storageInjected = storageFaults.count();
  const report = [
    `calls completed            ${figures.completed}/${figures.calls} (${figures.completedAsScripted} as scripted)`,
    `lost calls                 ${figures.lostCalls.length}`,
    `lost transitions           ${figures.lostTransitions.length}`,
    `doubled ACS actions        ${figures.doubledActions.length}`,
    `stuck calls                ${figures.stuckCalls.length}`,
    `unacted transitions        ${figures.unactedTransitions.length}`,
    `privacy leaks              ${leaks.length}`,
    `5xx by cause               ${formatTally(figures.fiveHundredsByCause)}`,
    `elapsed                    ${(elapsedMs / 1000).toFixed(1)} s`,
    '',
    `storage faults injected    ${storageInjected} of ${storageFaults.tries} tries (${pct(storageInjected / Math.max(1, storageFaults.tries))}): ${formatTally(Object.fromEntries(storageFaults.injected))}`,
    `ACS faults injected        ${figures.acsFaultsInjected} of ${figures.acsRequests} requests (${pct(figures.acsFaultsInjected / Math.max(1, figures.acsRequests))})`,
    `deliveries                 ${formatTally(figures.deliveriesByStatus)}`,
    `duplicate deliveries       ${figures.duplicateDeliveries} callbacks; redeliveries after a failure ${figures.redeliveries}`,
    `watchdog recoveries        ${figures.watchdogRecoveries}${figures.watchdogRecoveries > 0 ? ` (${formatTally(figures.recoveriesByPhase)})` : ''}`,
    `requests per host          ${stack.proxy ? stack.proxy.served.join(' / ') : 'one host'}`,
    `stale-ETag refusals        ${etagRefusals.count} transactions (a cached row another host overtook, or a race)`,
    `callback latency           p50 ${figures.callbackLatencyMs.p50} ms, p95 ${figures.callbackLatencyMs.p95} ms, max ${figures.callbackLatencyMs.max} ms`,
  ];
  console.log(report.join('\n'));
  const answerMs = results
    .map((result) => emulator.caller.get(result.callId)?.timeline.find((entry) => entry.kind === 'answered')?.elapsedMs)
    .filter((ms): ms is number => ms !== undefined)
    .sort((a, b) => a - b);
  const at = (p: number) => answerMs[Math.min(answerMs.length - 1, Math.floor(p * answerMs.length))] ?? 0;
  console.log(
    [
      `answer time                p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, p99 ${at(0.99)} ms, max ${answerMs.at(-1) ?? 0} ms (ring window 30,000 ms; ${answerMs.length} answered)`,
      `forged callbacks           ${forged.sent} sent (another call's body, a forked connection, a bad signature), ${forged.rejected} rejected, ${forged.absorbed} absorbed (503), ${forged.accepted.length} accepted`,
      `hung answer tries          ${hungAnswers}, each cut off at its timeout`,
      `after the last call        ${(afterLastCallMs / 1000).toFixed(1)} s (the calls took ${((lastCallAt - started) / 1000).toFixed(1)} s): ${phases.map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)} s`).join(', ')}`,
    ].join('\n'),
  );
  const problems = [...forged.accepted.map((what) => `forged callback accepted: ${what}`), ...figures.lostCalls, ...figures.lostTransitions, ...figures.unactedTransitions, ...figures.doubledActions.map((d) => `doubled: ${d}`), ...figures.stuckCalls, ...leaks.map((l) => `leak: ${l.kind} in ${l.where}`)];
  for (const problem of problems.slice(0, 20)) console.log(`  ! ${problem}`);
  if (problems.length > 20) console.log(`  ! ... and ${problems.length - 20} more`);
  for (const call of figures.offScript.slice(0, 5)) console.log(`  ~ off script: ${call}`);
  for (const lines of diagnosis) console.log(lines.join('\n'));
  return problems.length === 0 ? 0 : 1;
}

/** Flagged calls explained in full in the report; the rest are only named. */
const MAX_EXPLAINED = 5;

const BURST_MS = 2_000;

/**
 * While calls run, posts forged callbacks as someone holding one call's traffic would: a valid token (valid for every
 * call of the resource) on call A's genuine URL, with a body for call B, or for a made-up connection of A (a fork), or
 * on a URL whose signature is wrong. Each must be refused (401/403) and change nothing; the audit then finds B intact.
 */
async function forgeCallbacks(
  hostUrl: string,
  emulator: AcsEmulator,
  rate: number,
  random: () => number,
  tally: { sent: number; rejected: number; absorbed: number; accepted: string[] },
  done: () => boolean,
  claimOf: (correlationId: string) => Promise<{ callConnectionId?: string } | undefined>,
): Promise<void> {
  // From the call's own timeline: searching every request the emulator saw, ten times a second, grew with the run.
  const urlOf = (handle: CallHandle) => {
    const callbackUri = handle.timeline.find((entry) => entry.kind === 'answered')?.details['callbackUri'];
    return typeof callbackUri === 'string' ? callbackUri : undefined;
  };
  while (!done()) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const live = emulator.caller.calls.filter((handle) => handle.callConnectionId && !handle.ended);
    if (live.length < 2 || random() >= rate * 5) continue;
    const a = live[Math.floor(random() * live.length)];
    const b = live[Math.floor(random() * live.length)];
    const url = a && urlOf(a);
    if (!a || !b || a === b || !url) continue;
    const hangUp = (callConnectionId: string, correlationId: string) => [
      {
        id: randomUUID(),
        type: 'Microsoft.Communication.CallDisconnected',
        specversion: '1.0',
        time: new Date().toISOString(),
        data: { callConnectionId, correlationId, resultInformation: { code: 200, subCode: 540000 } },
      },
    ];
    // Another connection of A is refused once the app has A's own from the answer's response; before that, the
    // callback URL's binding is the only proof there is (a genuine callback may beat that response), so those two
    // are forged only against a call whose claim names its connection.
    const connectionKnown = (await claimOf(a.correlationId))?.callConnectionId === a.callConnectionId;
    const forgeries: Array<[string, string, unknown]> = [
      ['B\'s body on A\'s URL', url, hangUp(b.callConnectionId ?? '', b.correlationId)],
      ...(connectionKnown
        ? ([
            ['B\'s connection claiming A\'s call', url, hangUp(b.callConnectionId ?? '', a.correlationId)],
            ['a fork of A', url, hangUp(`fork-${randomUUID()}`, a.correlationId)],
          ] as Array<[string, string, unknown]>)
        : []),
      ['A\'s URL naming B', url.replace(`call=${a.correlationId}`, `call=${b.correlationId}`), hangUp(b.callConnectionId ?? '', b.correlationId)],
    ];
    for (const [what, target, body] of forgeries) {
      tally.sent += 1;
      const response = await fetch(target.startsWith('http') ? target : `${hostUrl}${target}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await emulator.signCallbackToken()}` },
        body: JSON.stringify(body),
      }).catch(() => undefined);
      if (response && (response.status === 401 || response.status === 403)) tally.rejected += 1;
      // Storage failing under the check: refused with a retryable 503 before anything was written.
      else if (response?.status === 503) tally.absorbed += 1;
      else tally.accepted.push(`${what}: ${response?.status ?? 'no answer'}`);
    }
  }
}

/**
 * Waits until every ended call's row says ended (or SETTLE_MS passes): redeliveries may still be on their way. One
 * listing finds the rows that ended; the few others are read by key from then on (a listing costs Azurite a scan of
 * the whole table per page, so listing again every half second grew with the square of the run).
 */
async function settle(table: TableClient, results: readonly CallerResult[]): Promise<void> {
  const deadline = Date.now() + SETTLE_MS;
  const waiting = new Set(results.filter((result) => result.end && result.callConnectionId).map((result) => result.callConnectionId ?? ''));
  for await (const row of table.listEntities<{ phase?: string }>({ queryOptions: { filter: "RowKey eq 'state' and phase eq 'ended'" } })) waiting.delete(row.partitionKey ?? '');
  while (waiting.size > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const callConnectionId of [...waiting]) {
      const row = await table.getEntity<{ phase?: string }>(callConnectionId, 'state').catch(() => undefined);
      if (row?.phase === 'ended') waiting.delete(callConnectionId);
    }
  }
}

function count(tally: Record<string, number>, key: string): void {
  tally[key] = (tally[key] ?? 0) + 1;
}

/** Counts state transactions the table refused with 412: with several hosts, mostly cached rows that went stale. */
function transactionRefusals(): { readonly extraPolicy: ExtraPolicy; readonly count: number } {
  let count = 0;
  return {
    extraPolicy: {
      position: 'perRetry',
      policy: {
        name: 'soakEtagRefusals',
        sendRequest: async (request, next) => {
          const response = await next(request);
          if (request.url.includes('$batch') && response.status === 202 && /HTTP\/1\.1 412/.test(response.bodyAsText ?? '')) count++;
          return response;
        },
      },
    },
    get count() {
      return count;
    },
  };
}

const pct = (share: number) => `${(share * 100).toFixed(1)}%`;
const formatTally = (tally: Readonly<Record<string, number>>) =>
  Object.keys(tally).length === 0 ? 'none' : Object.entries(tally).sort(([a], [b]) => a.localeCompare(b)).map(([key, value]) => `${key}: ${value}`).join(', ');

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // The whole story: a bare "write EPIPE" said neither where nor why.
    console.error(describeCrash(error));
    process.exit(2);
  },
);

/** An error with its stack and its chain of causes (a storage error wraps the socket's). */
function describeCrash(error: unknown): string {
  const lines: string[] = [];
  for (let current = error, depth = 0; current !== undefined && depth < 5; depth++) {
    lines.push(`${depth === 0 ? 'soak failed' : 'caused by'}: ${current instanceof Error ? (current.stack ?? current.message) : JSON.stringify(current)}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines.join('\n');
}
