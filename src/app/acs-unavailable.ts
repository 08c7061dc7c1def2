// Owns the error an outbound placement throws when ACS could not take the call now: the queue's redelivery tries again.
import type { AcsFailure } from './ports';

export class AcsUnavailable extends Error {
  constructor(
    what: string,
    readonly failure: AcsFailure,
  ) {
    super(`${what}: ACS answered ${failure.statusCode ?? 'nothing'} (${failure.code ?? 'no code'}): ${failure.error}`);
    this.name = 'AcsUnavailable';
  }
}
