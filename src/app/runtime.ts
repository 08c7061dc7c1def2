// Owns the one App per Functions worker: built from process.env on first use, the table ensured locally.
import { loadSettings, type Settings } from '../config';
import { createApp, type App } from './composition-root';
import type { Telemetry } from './ports';

let app: Promise<App> | undefined;

export function runtimeSettings(): Settings {
  return loadSettings(process.env);
}

export function runtimeApp(settings: Settings, telemetry: Telemetry): () => Promise<App> {
  return () =>
    (app ??= (async () => {
      const created = createApp(settings, telemetry);
      // In Azure the Bicep creates the table (and the identity may not be allowed to); locally Azurite starts empty.
      if (settings.tables.kind === 'connectionString') await created.table.createTable();
      return created;
    })().catch((error: unknown) => {
      app = undefined;
      throw error;
    }));
}
