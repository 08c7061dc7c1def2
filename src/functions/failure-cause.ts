// Owns naming why an invocation failed, for the status it answers with and the telemetry ops group by.
import { RestError } from '@azure/core-rest-pipeline';
import { isTableMissing } from '../adapters/tables/call-store';
import { CommitConflict } from '../app/hotline';

/** Every cause but `unexpected` is worth a redelivery: the next attempt may well succeed. */
export type FailureCause = 'storageTimeout' | 'storageUnavailable' | 'storageUnreachable' | 'tableMissing' | 'writeConflicts' | 'unexpected';

/** Causes that mean storage is down for everyone, not one unlucky request: ops are told with a `StorageOutage` event. */
export const isOutage = (cause: FailureCause) => cause === 'tableMissing';

export function failureCause(error: unknown): FailureCause {
  // The per-operation AbortSignal.timeout fires as an AbortError (or TimeoutError, depending on who raises it).
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) return 'storageTimeout';
  if (error instanceof CommitConflict) return 'writeConflicts';
  if (isTableMissing(error)) return 'tableMissing';
  if (error instanceof RestError) {
    if (error.statusCode === undefined) return 'storageUnreachable';
    if (error.statusCode >= 500 || error.statusCode === 408 || error.statusCode === 429) return 'storageUnavailable';
  }
  return 'unexpected';
}

export const describeError = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
