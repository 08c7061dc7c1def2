// Starts one in-memory Azurite for the whole test run and tells the tests where it is.
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { startAzurite } from '../../tools/local/azurite';

declare module 'vitest' {
  export interface ProvidedContext {
    tablesConnectionString: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const azurite = await startAzurite();
  project.provide('tablesConnectionString', azurite.connectionString);
  return () => azurite.stop();
}
