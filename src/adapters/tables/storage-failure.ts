// Owns what Table Storage's errors mean: a missing table, a row already gone, a timeout, the service out of reach.
import { RestError, type TableClient } from '@azure/data-tables';
import { isTimeout, statusOf } from '../rest-errors';

/**
 * The call-state table is not there (deleted, a storage account restored empty, a fresh Azurite): an outage, never
 * "no such row", or every callback would be dropped as a call this hotline does not know.
 */
export class TableMissing extends Error {
  constructor(cause: unknown) {
    super('the call-state table does not exist', { cause });
    this.name = 'TableMissing';
  }
}

/** The service names the error in its body (`odata.error.code`) and header; the SDK does not always copy it to `code`. */
export function isTableMissing(error: unknown): boolean {
  if (error instanceof TableMissing) return true;
  if (!(error instanceof RestError) || error.statusCode !== 404) return false;
  return (
    error.code === 'TableNotFound' ||
    error.response?.headers.get('x-ms-error-code') === 'TableNotFound' ||
    /"code"\s*:\s*"TableNotFound"/.test(error.response?.bodyAsText ?? error.message)
  );
}

/** Every kind is worth a redelivery: the next attempt may well succeed. `tableMissing` is an outage for everyone. */
export type StorageFailure = 'storageTimeout' | 'storageUnavailable' | 'storageUnreachable' | 'tableMissing';

/** What a storage operation's error means, or `undefined` when it is not one storage could be blamed for. */
export function storageFailure(error: unknown): StorageFailure | undefined {
  // The per-operation AbortSignal.timeout fires as an AbortError (or TimeoutError, depending on who raises it).
  if (isTimeout(error)) return 'storageTimeout';
  if (isTableMissing(error)) return 'tableMissing';
  if (error instanceof RestError) {
    if (error.statusCode === undefined) return 'storageUnreachable';
    if (error.statusCode >= 500 || error.statusCode === 408 || error.statusCode === 429) return 'storageUnavailable';
  }
  return undefined;
}

/** A delete of a row that is already gone has nothing left to do; a missing table is an outage all the same. */
export async function deleteIfPresent(table: TableClient, partitionKey: string, rowKey: string, abortSignal: AbortSignal): Promise<void> {
  try {
    await table.deleteEntity(partitionKey, rowKey, { abortSignal });
  } catch (error) {
    if (statusOf(error) !== 404 || isTableMissing(error)) throw error;
  }
}
