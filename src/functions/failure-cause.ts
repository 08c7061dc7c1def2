// Owns naming why an invocation failed, for the status it answers with and the telemetry ops group by.
import { storageFailure, type StorageFailure } from '../adapters/tables/storage-failure';
import { AcsUnavailable } from '../app/acs-unavailable';
import { CommitConflict } from '../app/commit-conflict';

/** Every cause but `unexpected` is worth a redelivery: the next attempt may well succeed. */
export type FailureCause = StorageFailure | 'acsUnavailable' | 'writeConflicts' | 'unexpected';

/** Causes that mean storage is down for everyone, not one unlucky request: ops are told with a `StorageOutage` event. */
export const isOutage = (cause: FailureCause) => cause === 'tableMissing';

/** Storage's errors are named by the storage adapter; ACS's reach here only as the shell's own `AcsUnavailable`. */
export function failureCause(error: unknown): FailureCause {
  if (error instanceof CommitConflict) return 'writeConflicts';
  if (error instanceof AcsUnavailable) return 'acsUnavailable';
  return storageFailure(error) ?? 'unexpected';
}
