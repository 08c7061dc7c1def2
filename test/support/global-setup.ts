// Starts one in-memory Azurite for the whole test run and tells the tests where it is.
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { startAzurite, startAzuriteQueues } from '../../tools/local/azurite';

declare module 'vitest' {
  export interface ProvidedContext {
    tablesConnectionString: string;
    queuesConnectionString: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [azurite, queues] = await Promise.all([startAzurite(), startAzuriteQueues()]);
  project.provide('tablesConnectionString', azurite.connectionString);
  project.provide('queuesConnectionString', queues.connectionString);
  return async () => {
    await Promise.all([azurite.stop(), queues.stop()]);
  };
}
