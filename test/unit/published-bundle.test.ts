import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isBuiltin } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startAcsEmulator } from '../../tools/acs-emulator/index.js';
import { buildClean, buildPublished, bundleOptions, describeBuild, PUBLISHED_ENTRY, PUBLISHED_FILES, PUBLISHED_TELEMETRY, PUBLISHED_TRACING } from '../../tools/build/bundle';
import { HOTLINE_NUMBER, stackSettings } from '../../tools/local/local-stack';
import type { InvocationReport } from '../support/published-invocation';
import { minimalSettings } from '../support/settings';

const root = path.resolve(__dirname, '../..');
const settings = minimalSettings;

let dir: string;
/** Non-builtin modules each published file leaves to be required at run time. */
let externals: Record<string, string[]>;
/** The zod files in the entry, from inside the package (`v4/mini/schemas.js`). */
let zodFiles: string[];
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'published-'));
  const results = await buildPublished(root, dir, { metafile: true, logLevel: 'silent' });
  externals = Object.fromEntries(
    results.flatMap((result) =>
      Object.entries(result.metafile?.outputs ?? {}).map(([file, output]) => [
        path.relative(dir, path.resolve(root, file)),
        output.imports.filter((entry) => entry.external && !isBuiltin(entry.path)).map((entry) => entry.path),
      ]),
    ),
  );
  const entryInputs = results.flatMap((result) =>
    Object.entries(result.metafile?.outputs ?? {}).filter(([file]) => path.resolve(root, file) === path.join(dir, PUBLISHED_ENTRY)).flatMap(([, output]) => Object.keys(output.inputs)),
  );
  zodFiles = entryInputs.flatMap((file) => /node_modules\/zod\/(.*)$/.exec(file)?.[1] ?? []);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Loads the published entry in a child process as the Functions worker would, and runs `then` with `app` and `functions`. */
function loadPublished(extraSettings: Record<string, string>, then: string): string {
  // A child process: the stand-in patches module resolution, and the app reads its settings at load time. The
  // bundle sits in a temporary folder, so any package it failed to carry would not resolve.
  const script = `const { startAsTheWorker } = require(${JSON.stringify(path.join(root, 'tools/build/functions-core-stand-in.ts'))});
    const app = startAsTheWorker(${JSON.stringify(path.join(dir, PUBLISHED_ENTRY))});
    const functions = app.functions;
    ${then}`;
  return execFileSync(process.execPath, ['--import', 'tsx', '--eval', script], { cwd: root, env: { ...process.env, ...settings, ...extraSettings }, encoding: 'utf8' });
}

describe('the published bundle', () => {
  it('is described file by file with its size, as npm run build prints it', () => {
    const lines = describeBuild(dir).split('\n');
    expect(lines[0]).toBe(`Wrote ${PUBLISHED_FILES.length} files for func start and publishing:`);
    expect(lines.slice(1).map((line) => line.trim().split(/\s+/))).toEqual(PUBLISHED_FILES.map((file) => [file, expect.stringMatching(/^\d+\.\d$/) as string, 'KiB']));
  });

  it('carries every dependency except the module the Functions worker provides and the published files beside it', () => {
    const beside = (file: string) => `./${path.basename(file)}`;
    expect(new Set(externals[PUBLISHED_ENTRY])).toEqual(new Set(['@azure/functions-core', beside(PUBLISHED_TELEMETRY), beside(PUBLISHED_TRACING)]));
    // One @azure/core-tracing for both: the distro installs its instrumenter in the same module state the Azure SDK
    // clients of the entry read. The distro probes for @opentelemetry/instrumentation with require.resolve inside a
    // try, only to count auto-instrumentations for its usage stats; absent, that count is skipped and nothing else changes.
    expect(new Set(externals[PUBLISHED_TELEMETRY])).toEqual(new Set(['@azure/functions-core', beside(PUBLISHED_TRACING), '@opentelemetry/instrumentation']));
    expect(externals[PUBLISHED_TRACING]).toEqual([]);
  });

  it('fails the build on a warning from a package, which esbuild would otherwise not even report', async () => {
    // A package whose import.meta would be empty in a CommonJS bundle, as the distro's ESM build was.
    const project = mkdtempSync(path.join(tmpdir(), 'warns-'));
    try {
      mkdirSync(path.join(project, 'node_modules/warns'), { recursive: true });
      writeFileSync(path.join(project, 'node_modules/warns/package.json'), JSON.stringify({ name: 'warns', type: 'module', main: 'index.js' }));
      writeFileSync(path.join(project, 'node_modules/warns/index.js'), 'export const here = import.meta.dirname;\n');
      writeFileSync(path.join(project, 'entry.js'), "import { here } from 'warns';\nconsole.log(here);\n");
      const options = { ...bundleOptions(project, path.join(project, 'out.js'), 'entry.js'), logLevel: 'silent' as const };
      expect((await build({ ...options, logOverride: {} })).warnings).toEqual([]);
      await expect(buildClean(options)).rejects.toThrow(/"import\.meta" is not available/);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it('carries zod\'s mini API with English messages, not the classic API, other locales or the JSON Schema tools', () => {
    // Each comes back as soon as a module imports 'zod', or uses a whole zod namespace as a value (`import { z }`).
    expect(zodFiles).toContain('v4/mini/schemas.js');
    expect(zodFiles).toContain('v4/locales/en.js');
    expect(zodFiles.filter((file) => /^v4\/classic\/|^v4\/locales\/(?!en\.js|index\.js)|json-schema/.test(file))).toEqual([]);
  });

  it('loads the telemetry bundle only when Application Insights is configured, and it starts', () => {
    // The entry's appTerminate hook shuts telemetry down, which waits for the distro if it is loading: after it,
    // the bundle is either loaded and started (its preInvocation hook registered) or was never asked for.
    const afterTerminate = `app.terminate().then(() => {
      const loaded = Object.keys(require.cache).some((file) => file.endsWith(${JSON.stringify(path.basename(PUBLISHED_TELEMETRY))}));
      process.stdout.write(JSON.stringify({ loaded, hooks: app.hooks() }));
      process.exit(0);
    });`;
    const report = (output: string) => JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as { loaded: boolean; hooks: string[] };
    expect(report(loadPublished({ APPLICATIONINSIGHTS_CONNECTION_STRING: '' }, afterTerminate))).toEqual({ loaded: false, hooks: ['appTerminate'] });
    const configured = { APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:9/' };
    const output = loadPublished(configured, afterTerminate);
    expect(output).not.toMatch(/did not start/);
    expect(report(output)).toEqual({ loaded: true, hooks: ['appTerminate', 'preInvocation'] });
  });

  it('registers every function when loaded as the worker loads it, away from any node_modules', () => {
    const output = loadPublished({}, 'process.stdout.write(JSON.stringify([...functions.values()].map((fn) => fn.metadata)));');
    const metadata = JSON.parse(output.trim().split('\n').at(-1) ?? '[]') as Array<{ name: string; bindings: Record<string, Record<string, unknown>> }>;
    const triggers = Object.fromEntries(metadata.map(({ name, bindings }) => [name, Object.values(bindings).find((binding) => String(binding['type']).endsWith('Trigger'))]));
    expect(Object.keys(triggers).sort()).toEqual(['callbacks', 'incomingCall', 'retention', 'watchdog']);
    expect(triggers['callbacks']).toMatchObject({ type: 'httpTrigger', route: 'callbacks', methods: ['POST'], authLevel: 'anonymous' });
    expect(triggers['incomingCall']).toMatchObject({ type: 'eventGridTrigger' });
    expect(triggers['watchdog']).toMatchObject({ type: 'timerTrigger' });
    expect(triggers['retention']).toMatchObject({ type: 'timerTrigger' });
  });

  it('is what package.json names as main, and all that .funcignore lets Core Tools publish besides host.json and package.json', () => {
    const packageJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string };
    expect(packageJson.main).toBe(PUBLISHED_ENTRY);
    const lines = readFileSync(path.join(root, '.funcignore'), 'utf8').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
    // Core Tools publishes a file a `!` line matches, and leaves out whatever else a plain line matches.
    expect(lines).toContain('*');
    expect(lines.filter((line) => line.startsWith('!')).sort()).toEqual([...PUBLISHED_FILES.map((file) => `!${file}`), '!host.json', '!package.json'].sort());
  });
});

interface Envelope {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly data: { readonly baseType: string; readonly baseData: Readonly<Record<string, unknown>> };
}

const run = promisify(execFile);

describe('the published bundle with Application Insights on', () => {
  it('serves the invocation that woke the instance before loading the distro, then registers its preInvocation hook, logs no error, and sends the next invocation\'s dependencies and events under its operation id', async () => {
    // Event Grid's and the app's callback receivers: 200 and nothing else.
    const receiver = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(200).end());
    });
    // The ingestion endpoint, which keeps what it is posted. HTTPS, since the exporter turns http:// into https://;
    // its certificate is made here and given to the child alone (NODE_EXTRA_CA_CERTS), so nothing skips verification.
    const certificate = path.join(dir, 'ingestion.crt');
    const key = path.join(dir, 'ingestion.key');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', certificate], { stdio: 'ignore' });
    const envelopes: Envelope[] = [];
    const ingestion = createHttpsServer({ cert: readFileSync(certificate), key: readFileSync(key) }, (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        const items = JSON.parse((request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8')) as Envelope[];
        envelopes.push(...items);
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ itemsReceived: items.length, itemsAccepted: items.length, errors: [] }));
      });
    });
    const servers = [receiver, ingestion];
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))));
    const urlOf = (server: (typeof servers)[number], scheme: string) => `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const serverUrl = urlOf(receiver, 'http');
    const ingestionUrl = urlOf(ingestion, 'https');
    const emulator = await startAcsEmulator({ eventGridUrl: `${serverUrl}/runtime/webhooks/eventgrid` });
    try {
      const tablesConnectionString = inject('tablesConnectionString');
      // The call that wakes the instance, answered at once, and the one answered once the distro has started.
      const waking = await emulator.caller.dial({ from: '+14255550124', to: HOTLINE_NUMBER });
      const call = await emulator.caller.dial({ from: '+14255550123', to: HOTLINE_NUMBER });
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', path.join(root, 'test/support/published-invocation.ts'), path.join(dir, PUBLISHED_ENTRY)], {
        cwd: root,
        env: {
          ...process.env,
          ...stackSettings({ emulator, hostUrl: serverUrl, tablesConnectionString }),
          APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-0000-0000-000000000002;IngestionEndpoint=${ingestionUrl}/`,
          NODE_EXTRA_CA_CERTS: certificate,
          // Every span kept: the default keeps about 5 traces a second, so which spans of a burst remain would
          // depend on how fast this machine made them.
          OTEL_TRACES_SAMPLER: 'always_on',
          COLD_INVOCATION_EVENT: JSON.stringify(waking.incomingCallEvent),
          INVOCATION_EVENT: JSON.stringify(call.incomingCallEvent),
          INVOCATION_TRACEPARENT: `00-${traceId}-00f067aa0ba902b7-01`,
        },
      });
      const lines = stdout.trim().split('\n');
      const report = JSON.parse(lines.at(-1) ?? '{}') as InvocationReport;

      // Requiring the distro holds the event loop for hundreds of ms: the waking caller's answer does not wait for it.
      expect(report.cold?.log.join('\n')).toMatch(/"outcome":"answered"/);
      expect(report.cold?.telemetryLoaded).toBe(false);
      // Registered by the distro once it started, after the entry's own appTerminate.
      expect(report.hooksAtLoad).toEqual(['appTerminate']);
      expect(report.hooks).toEqual(['appTerminate', 'preInvocation']);
      expect(report.log.join('\n')).toMatch(/"outcome":"answered"/);
      // Nothing else on either stream: no "Failed to load JSON config file values", no tracing bridge warning.
      expect(lines.slice(0, -1)).toEqual([]);
      expect(stderr).toBe('');

      const underInvocation = envelopes.filter((envelope) => envelope.tags['ai.operation.id'] === traceId);
      const dependencies = underInvocation.filter((envelope) => envelope.data.baseType === 'RemoteDependencyData').map((envelope) => envelope.data.baseData);
      const hostOf = (connectionString: string, key: string) => new URL(new RegExp(`${key}=([^;]+)`, 'i').exec(connectionString)?.[1] ?? 'http://missing').host;
      const tables = hostOf(tablesConnectionString, 'TableEndpoint');
      const acs = hostOf(emulator.connectionString, 'endpoint');
      // The HTTP dependencies (core-rest-pipeline's spans), by the host they went to.
      const requests = dependencies.filter((dependency) => dependency['type'] === 'Http').map((dependency) => ({ host: new URL(String(dependency['target'])).host, name: String(dependency['name']) }));
      expect(requests.filter((request) => request.host === tables).length).toBeGreaterThan(0);
      expect(requests.filter((request) => request.host === acs).map((request) => request.name)).toContain('POST /calling/callConnections:answer');
      const events = underInvocation.filter((envelope) => envelope.data.baseType === 'EventData').map((envelope) => envelope.data.baseData['name']);
      expect(events).toEqual(expect.arrayContaining(['CallReceived', 'CallAnswered']));
    } finally {
      await emulator.close();
      for (const server of servers) server.closeAllConnections();
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    }
  }, 90_000);
});
