// Owns the one error of applying events that is worth a redelivery rather than a 500: too many lost ETag races.

/** Lost ETag races are retried on fresh state; more than this means something is wrong, not busy. */
export const MAX_COMMIT_ATTEMPTS = 5;

export class CommitConflict extends Error {
  constructor(callConnectionId: string) {
    super(`gave up after ${MAX_COMMIT_ATTEMPTS} conflicting writes for call ${callConnectionId}`);
    this.name = 'CommitConflict';
  }
}
