// Gives each test its own table in the shared Azurite, so tests never see each other's rows.
import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { inject } from 'vitest';

export async function freshTable(): Promise<TableClient> {
  const name = `t${randomUUID().replace(/-/g, '').slice(0, 20)}`;
  const client = TableClient.fromConnectionString(inject('tablesConnectionString'), name, { allowInsecureConnection: true });
  await client.createTable();
  return client;
}
