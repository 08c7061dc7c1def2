// Owns the published build: src/index.ts and every dependency in CommonJS files, the first of them the one package.json `main` names.
import { statSync } from 'node:fs';
import path from 'node:path';
import { build, type BuildOptions, type BuildResult, type Message, type Plugin } from 'esbuild';

/** What the Functions host loads (package.json `main`). */
export const PUBLISHED_ENTRY = 'dist/index.js';
/**
 * The Azure Monitor distro and the OpenTelemetry SDK: three quarters of the code, needed only when Application
 * Insights is configured and loaded after start-up (src/telemetry.ts). In a file of its own, the entry's import
 * does not have to compile it: 220 ms with it inside, about 110 without.
 */
export const PUBLISHED_TELEMETRY = 'dist/azure-monitor.js';
/**
 * @azure/core-tracing, which both bundles require from beside themselves. Its module state holds the instrumenter:
 * the distro installs the OpenTelemetry one there, and only if the Azure SDK clients in the entry read that same
 * state do their calls become dependencies. A copy inside each bundle would be two states.
 */
export const PUBLISHED_TRACING = 'dist/core-tracing.js';
/** Everything published besides host.json and package.json; .funcignore lists the same, and scripts/deploy.sh reads it. */
export const PUBLISHED_FILES = [PUBLISHED_ENTRY, PUBLISHED_TELEMETRY, PUBLISHED_TRACING] as const;

/** Requires of these, from the app or any package, go to the published file beside the bundle instead of a copy. */
const SHARED: ReadonlyArray<{ readonly filter: RegExp; readonly file: string }> = [
  { filter: /[\\/]adapters[\\/]telemetry[\\/]azure-monitor\.js$/, file: PUBLISHED_TELEMETRY },
  { filter: /^@azure\/core-tracing$/, file: PUBLISHED_TRACING },
];

/** The other published files are required from beside the bundle at run time instead of being carried. */
const publishedApart: Plugin = {
  name: 'published-apart',
  setup(bundle) {
    for (const { filter, file } of SHARED) bundle.onResolve({ filter }, () => ({ path: `./${path.basename(file)}`, external: true }));
  },
};

/**
 * The distro's CommonJS build, although the app imports it. Its ESM build reaches @azure/functions-core and
 * @azure/core-tracing through createRequire(import.meta.url), which esbuild can neither follow nor keep (import.meta
 * is empty in CommonJS): the Functions hook was never registered and the tracing bridge looked for a node_modules
 * that is not published. The CommonJS build requires both plainly, so the external and the shared file above apply.
 */
const distroAsCommonJs: Plugin = {
  name: 'distro-as-commonjs',
  setup(bundle) {
    bundle.onResolve({ filter: /^@azure\/monitor-opentelemetry$/ }, (args) =>
      args.kind === 'require-call' ? undefined : bundle.resolve(args.path, { kind: 'require-call', resolveDir: args.resolveDir, importer: args.importer }),
    );
  },
};

/**
 * Every kind of JavaScript, bundler, source-map, package.json and tsconfig.json warning esbuild has (its
 * internal/logger/msg_ids.go; nothing here is CSS). It reports most of them only for code outside node_modules;
 * raised to errors here, they fail the build wherever they come from, since a warning in a dependency is as much a
 * broken published file (an empty import.meta was one) as one in our own code.
 */
const WARNING_KINDS = [
  'assert-to-with', 'assert-type-json', 'assign-to-constant', 'assign-to-define', 'assign-to-import', 'bigint',
  'call-import-namespace', 'class-name-will-throw', 'commonjs-variable-in-esm', 'confusing-typescript-cast',
  'delete-super-property', 'direct-eval', 'duplicate-case', 'duplicate-class-member', 'duplicate-object-key',
  'empty-import-meta', 'equals-nan', 'equals-negative-zero', 'equals-new-object', 'html-comment-in-js',
  'impossible-typeof', 'indirect-require', 'private-name-will-throw', 'semicolon-after-return',
  'suspicious-boolean-not', 'suspicious-define', 'suspicious-logical-operator', 'suspicious-nullish-coalescing',
  'this-is-undefined-in-esm', 'unsupported-dynamic-import', 'unsupported-jsx-comment', 'unsupported-regexp',
  'unsupported-require-call', 'ambiguous-reexport', 'different-path-case', 'empty-glob', 'ignored-bare-import',
  'ignored-dynamic-import', 'import-is-undefined', 'require-resolve-not-external', 'invalid-source-mappings',
  'missing-source-map', 'unsupported-source-map-comment', 'package.json', 'tsconfig.json',
] as const;

/** The published bundle's settings; the benchmark bundles its host process with the same ones (`entry`). */
export function bundleOptions(root: string, outfile: string, entry = 'src/index.ts'): BuildOptions {
  return {
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    // Node has had them since 10; esbuild counts them unsupported on every engine version (its table tests each
    // engine against the newest Unicode data, evanw/esbuild#3471), and would rewrite jose's /\p{Cs}/u, warning.
    supported: { 'regexp-unicode-property-escapes': true },
    format: 'cjs',
    // The Node worker provides this module at run time; it is not on npm.
    external: ['@azure/functions-core'],
    // ESM-only packages (`open`, which @azure/identity imports for its browser sign-in) ask where their own file is.
    define: { 'import.meta.url': '__import_meta_url' },
    banner: { js: 'var __import_meta_url=require("node:url").pathToFileURL(__filename).href;' },
    // Less to parse at start-up; identifiers stay, so stack traces in Application Insights still read.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    plugins: [publishedApart, distroAsCommonJs],
    logLevel: 'warning',
    logOverride: Object.fromEntries(WARNING_KINDS.map((kind) => [kind, 'error'])),
  };
}

/** Fails on any warning left (kinds esbuild adds after this list), so a clean build is a clean log. */
function refuseWarnings(result: BuildResult): BuildResult {
  if (result.warnings.length > 0) throw new Error(`esbuild warned; the published build must be clean:\n${result.warnings.map(describe).join('\n')}`);
  return result;
}

const describe = (message: Message) => `${message.location ? `${message.location.file}:${message.location.line}: ` : ''}${message.text} [${message.id}]`;

/** Builds one of the published files (or a benchmark's script) with the published settings, refusing warnings. */
export function buildClean(options: BuildOptions): Promise<BuildResult> {
  return build(options).then(refuseWarnings);
}

/** The shared @azure/core-tracing as `outfile`: beside anything bundled with bundleOptions, which requires it. */
export function tracingOptions(root: string, outfile: string): BuildOptions {
  return bundleOptions(root, outfile, require.resolve('@azure/core-tracing', { paths: [root] }));
}

/** Builds what is published into `outDir` (the project root for `npm run build`), with `extra` options on each. */
export function buildPublished(root: string, outDir: string, extra: BuildOptions = {}): Promise<BuildResult[]> {
  return Promise.all([
    buildClean({ ...bundleOptions(root, path.join(outDir, PUBLISHED_ENTRY)), ...extra }),
    buildClean({ ...bundleOptions(root, path.join(outDir, PUBLISHED_TELEMETRY), 'src/adapters/telemetry/azure-monitor.ts'), ...extra }),
    buildClean({ ...tracingOptions(root, path.join(outDir, PUBLISHED_TRACING)), ...extra }),
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
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
