// Owns what the benchmark runs and compares: the published bundle, the plain tsc output, and its own helper scripts.
import { execFile } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { bundleOptions, buildClean, buildPublished, PUBLISHED_ENTRY, PUBLISHED_FILES, PUBLISHED_TRACING, tracingOptions } from '../build/bundle';

const run = promisify(execFile);

export interface Published {
  readonly name: string;
  /** The file the Functions host would load (package.json `main`). */
  readonly entry: string;
  readonly files: number;
  readonly bytes: number;
  /** Run with an Application Insights connection string, as in Azure: the entry then loads the telemetry bundle too. */
  readonly applicationInsights?: boolean;
}

export interface Artifacts {
  readonly variants: readonly Published[];
  readonly hostScript: string;
  readonly probeScript: string;
}

/**
 * Builds into node_modules/.cache (ignored by git, and inside the project so the tsc output resolves its packages).
 * The tsc variant is counted as scripts/deploy.sh used to publish it: its JavaScript plus production node_modules.
 */
export async function buildArtifacts(root: string): Promise<Artifacts> {
  const cache = path.join(root, 'node_modules/.cache/hotline-bench');
  rmSync(cache, { recursive: true, force: true });
  const bundledDir = path.join(cache, 'bundle');
  const unminifiedDir = path.join(cache, 'bundle-unminified');
  const tscDir = path.join(cache, 'tsc');
  const hostScript = path.join(cache, 'host-process.cjs');
  const probeScript = path.join(cache, 'cold-start-probe.cjs');
  const [, , , , , , productionModules] = await Promise.all([
    run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', tscDir, '--sourceMap', 'false'], { cwd: root }),
    buildPublished(root, bundledDir),
    buildPublished(root, unminifiedDir, { minifyWhitespace: false, minifySyntax: false }),
    buildClean(bundleOptions(root, hostScript, 'tools/bench/host-process.ts')),
    // The host process requires it from beside itself, as the published entry does.
    buildClean(tracingOptions(root, path.join(cache, path.basename(PUBLISHED_TRACING)))),
    build({ ...bundleOptions(root, probeScript, 'tools/bench/cold-start-probe.ts'), external: [] }),
    productionDependencies(root),
  ]);
  const tscFiles = walk(path.join(tscDir, 'src')).filter((file) => file.endsWith('.js'));
  return {
    variants: [
      { name: 'tsc output + node_modules', entry: path.join(tscDir, 'src/index.js'), files: tscFiles.length + productionModules.files, bytes: sizeOf(tscFiles) + productionModules.bytes },
      publishedVariant('esbuild bundle, unminified', unminifiedDir),
      publishedVariant('esbuild bundle (published)', bundledDir),
      { ...publishedVariant('the same, Application Insights on', bundledDir), applicationInsights: true },
    ],
    hostScript,
    probeScript,
  };
}

/**
 * Only the host process (and the shared core-tracing it requires from beside itself, as the published entry does),
 * into a fresh `node_modules/.cache/<name>`: what the focused modes run. Returns the script's path.
 */
export async function buildHostScript(root: string, name: string): Promise<string> {
  const cache = path.join(root, 'node_modules/.cache', name);
  rmSync(cache, { recursive: true, force: true });
  const hostScript = path.join(cache, 'host-process.cjs');
  await Promise.all([
    buildClean(bundleOptions(root, hostScript, 'tools/bench/host-process.ts')),
    buildClean(tracingOptions(root, path.join(cache, path.basename(PUBLISHED_TRACING)))),
  ]);
  return hostScript;
}

/** The published files as built into `dir`; the entry is what the import time is measured on. */
function publishedVariant(name: string, dir: string): Published {
  const files = PUBLISHED_FILES.map((file) => path.join(dir, file));
  return { name, entry: path.join(dir, PUBLISHED_ENTRY), files: files.length, bytes: sizeOf(files) };
}

/** What `npm ci --omit=dev` installs: each production package's files, without the packages nested inside it. */
async function productionDependencies(root: string): Promise<{ files: number; bytes: number }> {
  const { stdout } = await run('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  const packages = stdout.split('\n').filter((line) => line.includes(`${path.sep}node_modules${path.sep}`));
  const files = packages.flatMap((dir) => walk(dir, true));
  return { files: files.length, bytes: sizeOf(files) };
}

function walk(dir: string, skipNestedModules = false): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return skipNestedModules && entry.name === 'node_modules' ? [] : walk(full, skipNestedModules);
    return entry.isFile() ? [full] : [];
  });
}

const sizeOf = (files: readonly string[]) => files.reduce((sum, file) => sum + statSync(file).size, 0);
