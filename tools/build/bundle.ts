// Owns the published build: src/index.ts and every dependency in one CommonJS file, the file package.json `main` names.
import path from 'node:path';
import { build, type BuildOptions, type Plugin } from 'esbuild';

/** What the Functions host loads (package.json `main`); .funcignore and scripts/deploy.sh publish only this file. */
export const PUBLISHED_ENTRY = 'dist/index.js';

/**
 * zod's classic API imports every error-message locale (a sixth of the bundle) and uses only English unless told
 * otherwise; the app never switches locale, so the others are left out.
 */
const englishZodMessagesOnly: Plugin = {
  name: 'english-zod-messages-only',
  setup(bundle) {
    bundle.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer) ? { path: path.resolve(args.resolveDir, '../locales/index.js'), namespace: 'zod-locales' } : undefined,
    );
    bundle.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
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
    plugins: [englishZodMessagesOnly],
    logLevel: 'warning',
  };
}

if (require.main === module) {
  const root = path.resolve(__dirname, '../..');
  build(bundleOptions(root, path.join(root, PUBLISHED_ENTRY))).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
