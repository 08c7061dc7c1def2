// Owns the per-call random part of every operation context, so a result for a call cannot be guessed from outside it.
import { randomBytes } from 'node:crypto';

export const newNonce = () => `k${randomBytes(8).toString('hex')}`;
