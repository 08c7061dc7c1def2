import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPublished, describeBuild, PUBLISHED_ENTRY, PUBLISHED_FILES, PUBLISHED_TELEMETRY } from '../../tools/build/bundle';
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

/** Loads the published entry in a child process as the Functions worker would, and runs `then` with `functions`. */
function loadPublished(extraSettings: Record<string, string>, then: string): string {
  // A child process: the stand-in patches module resolution, and the app reads its settings at load time. The
  // bundle sits in a temporary folder, so any package it failed to carry would not resolve.
  const script = `const { loadAsTheWorker } = require(${JSON.stringify(path.join(root, 'tools/build/functions-core-stand-in.ts'))});
    const functions = loadAsTheWorker(${JSON.stringify(path.join(dir, PUBLISHED_ENTRY))});
    ${then}`;
  return execFileSync(process.execPath, ['--import', 'tsx', '--eval', script], { cwd: root, env: { ...process.env, ...settings, ...extraSettings }, encoding: 'utf8' });
}

describe('the published bundle', () => {
  it('is described file by file with its size, as npm run build prints it', () => {
    const lines = describeBuild(dir).split('\n');
    expect(lines[0]).toBe('Wrote 2 files for func start and publishing:');
    expect(lines.slice(1).map((line) => line.trim().split(/\s+/))).toEqual(PUBLISHED_FILES.map((file) => [file, expect.stringMatching(/^\d+\.\d$/) as string, 'KiB']));
  });

  it('carries every dependency except the module the Functions worker provides, and the telemetry bundle beside it', () => {
    expect(new Set(externals[PUBLISHED_ENTRY])).toEqual(new Set(['@azure/functions-core', `./${path.basename(PUBLISHED_TELEMETRY)}`]));
    // The Azure Monitor distro probes for @opentelemetry/instrumentation with require.resolve inside a try, only to
    // count auto-instrumentations for its usage stats; absent, that count is skipped and nothing else changes.
    expect(externals[PUBLISHED_TELEMETRY]).toEqual(['@opentelemetry/instrumentation']);
  });

  it('carries zod\'s mini API with English messages, not the classic API, other locales or the JSON Schema tools', () => {
    // Each comes back as soon as a module imports 'zod', or uses a whole zod namespace as a value (`import { z }`).
    expect(zodFiles).toContain('v4/mini/schemas.js');
    expect(zodFiles).toContain('v4/locales/en.js');
    expect(zodFiles.filter((file) => /^v4\/classic\/|^v4\/locales\/(?!en\.js|index\.js)|json-schema/.test(file))).toEqual([]);
  });

  it('loads the telemetry bundle only when Application Insights is configured, and it starts', () => {
    const telemetryLoaded = `setTimeout(() => {
      process.stdout.write(JSON.stringify(Object.keys(require.cache).some((file) => file.endsWith(${JSON.stringify(path.basename(PUBLISHED_TELEMETRY))}))));
      process.exit(0);
    }, 1500);`;
    expect(loadPublished({ APPLICATIONINSIGHTS_CONNECTION_STRING: '' }, telemetryLoaded).trim().split('\n').at(-1)).toBe('false');
    const configured = { APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/' };
    const output = loadPublished(configured, telemetryLoaded);
    expect(output).not.toMatch(/did not start/);
    expect(output.trim().split('\n').at(-1)).toBe('true');
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
