// Owns measuring cold starts: a fresh process per run loads a published entry and handles one real IncomingCall.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { startAcsEmulator } from '../acs-emulator/index.js';
import { DEFAULT_CALLER, HOTLINE_NUMBER } from '../local/constants';
import { stackSettings } from '../local/local-stack';
import type { Published } from './artifacts';
import type { ProbeResult } from './cold-start-probe';

const run = promisify(execFile);

export interface ColdStart {
  readonly variant: Published;
  readonly runs: Array<ProbeResult & { readonly wallMs: number }>;
}

/**
 * Each run dials a call on an emulator of its own, whose Event Grid delivery goes to a sink that answers 200 and
 * nothing else; the probe process then gets that IncomingCall as the worker would hand it over, and answers the call.
 * Variants take turns, so a busy moment on this shared machine hits them alike.
 */
export async function measureColdStarts(variants: readonly Published[], probeScript: string, tablesConnectionString: string, runs: number): Promise<ColdStart[]> {
  const sink = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200).end());
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  const emulator = await startAcsEmulator({ eventGridUrl: `${sinkUrl}/runtime/webhooks/eventgrid` });
  const env = { ...process.env, ...stackSettings({ emulator, hostUrl: sinkUrl, tablesConnectionString, tableName: 'coldstart' }) };
  // The exporter's posts go to the sink too; nothing is sent to Azure.
  const telemetryTo = `InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=${sinkUrl}/`;
  const results = variants.map((variant) => ({ variant, runs: [] as ColdStart['runs'] }));
  try {
    for (let round = 0; round < runs; round++) {
      for (const result of results) {
        const call = await emulator.caller.dial({ from: DEFAULT_CALLER, to: HOTLINE_NUMBER });
        const started = performance.now();
        const { stdout } = await run(process.execPath, [probeScript, result.variant.entry], {
          env: { ...env, ...(result.variant.applicationInsights ? { APPLICATIONINSIGHTS_CONNECTION_STRING: telemetryTo } : {}), BENCH_EVENT: JSON.stringify(call.incomingCallEvent) },
        });
        const wallMs = performance.now() - started;
        // The app's telemetry also writes to stdout; the probe's result is the last line.
        const probe = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as ProbeResult;
        if (probe.outcome !== 'answered') throw new Error(`${result.variant.name}: the first IncomingCall was not answered (${probe.outcome})`);
        result.runs.push({ ...probe, wallMs });
      }
    }
  } finally {
    await emulator.close();
    sink.closeAllConnections();
    await new Promise((resolve) => sink.close(resolve));
  }
  return results;
}
