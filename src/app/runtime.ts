// Owns the one App per Functions worker: built on first use, the table ensured locally.
import type { Settings } from '../config';
import { createApp, type App, type Overrides } from './composition-root';
import type { Telemetry } from './ports';

/** Like every storage request, bounded: a hung Azurite must not hold the first invocation past its deadline. */
const TABLE_CREATE_TIMEOUT_MS = 5_000;

/** Built lazily, once: the first invocation pays for clients and the flow, later ones reuse them. */
export function runtimeApp(settings: Settings, telemetry: Telemetry, overrides: Overrides = {}): () => Promise<App> {
  let app: Promise<App> | undefined;
  return () =>
    (app ??= (async () => {
      const created = createApp(settings, telemetry, overrides);
      // In Azure the Bicep creates the table (and the identity may not be allowed to); locally Azurite starts empty.
      if (settings.tables.kind === 'connectionString') await created.table.createTable({ abortSignal: AbortSignal.timeout(TABLE_CREATE_TIMEOUT_MS) });
      return created;
    })().catch((error: unknown) => {
      app = undefined;
      throw error;
    }));
}
