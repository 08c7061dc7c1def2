// Owns the published build: src/index.ts and every dependency in one CommonJS file, the file package.json `main` names.
import { statSync } from 'node:fs';
import path from 'node:path';
import { build, type BuildOptions, type BuildResult, type Plugin } from 'esbuild';

/** What the Functions host loads (package.json `main`). */
export const PUBLISHED_ENTRY = 'dist/index.js';
/**
 * The Azure Monitor distro and the OpenTelemetry SDK: three quarters of the code, needed only when Application
 * Insights is configured and loaded after start-up (src/telemetry.ts). In a file of its own, the entry's import
 * does not have to compile it: 220 ms with it inside, about 110 without.
 */
export const PUBLISHED_TELEMETRY = 'dist/azure-monitor.js';
/** Everything published besides host.json and package.json; .funcignore and scripts/deploy.sh list the same. */
export const PUBLISHED_FILES = [PUBLISHED_ENTRY, PUBLISHED_TELEMETRY] as const;

/** The entry requires the telemetry bundle from beside itself at run time instead of carrying it. */
const telemetryApart: Plugin = {
  name: 'telemetry-apart',
  setup(bundle) {
    bundle.onResolve({ filter: /[\\/]adapters[\\/]telemetry[\\/]azure-monitor\.js$/ }, () => ({ path: `./${path.basename(PUBLISHED_TELEMETRY)}`, external: true }));
  },
};

/** The published bundle's settings; the benchmark bundles its host process with the same ones (`entry`). */
export function bundleOptions(root: string, outfile: string, entry = 'src/index.ts'): BuildOptions {
  return {
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // The Node worker provides this module at run time; it is not on npm.
    external: ['@azure/functions-core'],
    // Less to parse at start-up; identifiers stay, so stack traces in Application Insights still read.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    plugins: [telemetryApart],
    logLevel: 'warning',
  };
}

/** Builds what is published into `outDir` (the project root for `npm run build`), with `extra` options on both. */
export function buildPublished(root: string, outDir: string, extra: BuildOptions = {}): Promise<BuildResult[]> {
  return Promise.all([
    build({ ...bundleOptions(root, path.join(outDir, PUBLISHED_ENTRY)), ...extra }),
    build({ ...bundleOptions(root, path.join(outDir, PUBLISHED_TELEMETRY), 'src/adapters/telemetry/azure-monitor.ts'), ...extra }),
  ]);
}

/** What a build wrote, one line a file with its size, so `npm run build` says what it did. */
export function describeBuild(outDir: string): string {
  const lines = PUBLISHED_FILES.map((file) => `  ${file.padEnd(24)} ${(statSync(path.join(outDir, file)).size / 1024).toFixed(1).padStart(7)} KiB`);
  return [`Wrote ${PUBLISHED_FILES.length} files for func start and publishing:`, ...lines].join('\n');
}

if (require.main === module) {
  const root = path.resolve(__dirname, '../..');
  buildPublished(root, root).then(
    () => console.log(describeBuild(root)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
