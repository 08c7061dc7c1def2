// Gives each test its own table in the shared Azurite, so tests never see each other's rows.
import { randomUUID } from 'node:crypto';
import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import { inject } from 'vitest';

export async function freshTable(options: TableServiceClientOptions = {}): Promise<TableClient> {
  const name = `t${randomUUID().replace(/-/g, '').slice(0, 20)}`;
  const client = TableClient.fromConnectionString(inject('tablesConnectionString'), name, { allowInsecureConnection: true, ...options });
  await client.createTable();
  return client;
}

/** Every row of a table, as [partitionKey, rowKey] pairs sorted, for asserting what was (not) written. */
export async function allRows(table: TableClient): Promise<Array<[string, string]>> {
  const rows: Array<[string, string]> = [];
  for await (const row of table.listEntities({ queryOptions: { select: ['PartitionKey', 'RowKey'] } })) rows.push([row.partitionKey ?? '', row.rowKey ?? '']);
  return rows.sort(([a1, b1], [a2, b2]) => a1.localeCompare(a2) || b1.localeCompare(b2));
}
