// Owns the caller's number at rest: a keyed pseudonym for logs and analytics, a sealed copy for Recognize.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { CallerPrivacy } from '../../app/ports';

/** Separate keys for separate purposes, both derived from the one configured secret. */
const derive = (secret: Buffer, purpose: string) => Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `hotline/${purpose}`, 32));

export class CallerIdentity implements CallerPrivacy {
  private readonly pseudonymKey: Buffer;
  private readonly sealKey: Buffer;

  constructor(secret: Buffer) {
    this.pseudonymKey = derive(secret, 'pseudonym');
    this.sealKey = derive(secret, 'seal');
  }

  /** Stable per caller and key, not reversible without the key (a plain hash of a phone number is enumerable). */
  pseudonym(rawId: string): string {
    return createHmac('sha256', this.pseudonymKey).update(rawId).digest('base64url').slice(0, 22);
  }

  /** AES-256-GCM: the table holds the caller's identifier only in a form the app alone can open. */
  seal(rawId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv);
    const sealed = Buffer.concat([cipher.update(rawId, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
  }

  unseal(sealed: string): string {
    const bytes = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.sealKey, bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  }
}
