// Owns callback authentication: the RS256 JWT ACS puts on every callback, checked against its published keys.
import { KeyObject } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, errors, type CryptoKey, type ProtectedHeaderParameters } from 'jose';
import jwt from 'jsonwebtoken';

export type AuthResult = { readonly ok: true } | { readonly ok: false; readonly status: 401 | 503; readonly reason: string };

export interface JwtSettings {
  readonly openIdConfigurationUrl: string;
  readonly issuer: string;
  readonly audience: string;
}

type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>;

const ALGORITHMS: jwt.Algorithm[] = ['RS256'];
/** Tokens live 5 minutes; a little leeway absorbs clock skew between ACS and the function host. */
const CLOCK_TOLERANCE_SECONDS = 30;
/** ACS issues tokens for five minutes; one valid for longer than an hour was not issued by ACS for a callback. */
const MAX_LIFETIME_SECONDS = 3_600;
/** An unknown `kid` refetches the key set at most this often, so forged tokens cannot hammer the endpoint. */
const REFETCH_COOLDOWN_MS = 30_000;
const FETCH_TIMEOUT_MS = 3_000;
/** Real tokens are about 1 KiB; a longer header is not worth parsing. */
const MAX_TOKEN_LENGTH = 16 * 1024;
const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i;

/** The published keys could not be read: the caller may retry, so this is a 503 and never a 401. */
class KeysUnavailable extends Error {
  constructor(cause: unknown) {
    super('signing keys unavailable', { cause });
    this.name = 'KeysUnavailable';
  }
}

/** What key lookup throws when the token names a key or algorithm the set cannot serve: the token's fault. */
const isTokenKeyMismatch = (error: unknown) =>
  error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys || error instanceof errors.JOSENotSupported;

/**
 * jose keeps the key set (discovery, caching, the cooldown, matching a `kid`); jsonwebtoken checks the token with
 * node:crypto, synchronously: half the CPU of jose's WebCrypto path, and no trip to the thread pool.
 */
export class CallbackAuthenticator {
  private remote: Promise<RemoteKeySet> | undefined;
  /** jose hands out the same CryptoKey until the set is refetched, so its node:crypto twin is made once. */
  private readonly keyObjects = new WeakMap<CryptoKey, KeyObject>();

  constructor(private readonly settings: JwtSettings) {}

  async verify(authorization: string | null): Promise<AuthResult> {
    const token = authorization && authorization.length <= MAX_TOKEN_LENGTH ? BEARER.exec(authorization)?.[1] : undefined;
    if (!token) return { ok: false, status: 401, reason: 'missing or malformed bearer token' };
    try {
      const header = decodeProtectedHeader(token);
      // Checked before any key is looked up, so `alg: none` and HS256 never cause a fetch.
      if (!ALGORITHMS.some((alg) => alg === header.alg)) return { ok: false, status: 401, reason: 'invalid algorithm' };
      // RFC 7515 4.1.11: a critical extension the verifier does not understand invalidates the token; this app knows none.
      if (header.crit !== undefined) return { ok: false, status: 401, reason: 'unsupported critical header' };
      // ACS names the key it signed with. Without a kid, jose would try whichever key of the set fits: refused instead,
      // so a token can never be checked against a key its issuer did not name.
      if (typeof header.kid !== 'string' || header.kid === '') return { ok: false, status: 401, reason: 'kid required' };
      const payload = jwt.verify(token, await this.keyFor(header), {
        algorithms: ALGORITHMS,
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
      // jsonwebtoken checks `exp` when present; a token without one would never expire.
      if (typeof payload === 'string' || payload.exp === undefined) return { ok: false, status: 401, reason: 'exp required' };
      const issuedAt = payload.iat ?? payload.nbf ?? Math.floor(Date.now() / 1000);
      if (payload.exp - issuedAt > MAX_LIFETIME_SECONDS) return { ok: false, status: 401, reason: 'lifetime too long' };
      return { ok: true };
    } catch (error) {
      if (error instanceof KeysUnavailable) return { ok: false, status: 503, reason: 'signing keys unavailable' };
      if (error instanceof jwt.JsonWebTokenError) return { ok: false, status: 401, reason: error.message };
      return { ok: false, status: 401, reason: error instanceof errors.JOSEError ? error.code : 'invalid token' };
    }
  }

  /**
   * Every failure to obtain a usable key set (network, timeout, non-200, bad JSON, malformed set) is `KeysUnavailable`;
   * a key set that simply lacks the token's key is the token's problem.
   */
  private async keyFor(header: ProtectedHeaderParameters): Promise<KeyObject> {
    let keys: RemoteKeySet;
    try {
      keys = await this.remoteKeySet();
    } catch (error) {
      throw new KeysUnavailable(error);
    }
    let cryptoKey: CryptoKey;
    try {
      cryptoKey = await keys(header);
    } catch (error) {
      if (isTokenKeyMismatch(error)) throw error;
      throw new KeysUnavailable(error);
    }
    let keyObject = this.keyObjects.get(cryptoKey);
    if (!keyObject) this.keyObjects.set(cryptoKey, (keyObject = KeyObject.from(cryptoKey)));
    return keyObject;
  }

  /** The OpenID document names the key set; it is read once, and again on the next callback if reading failed. */
  private remoteKeySet(): Promise<RemoteKeySet> {
    if (this.remote) return this.remote;
    const loading = (async () => {
      const response = await fetch(this.settings.openIdConfigurationUrl, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`OpenID configuration returned ${response.status}`);
      const { jwks_uri: jwksUri } = (await response.json()) as { jwks_uri?: unknown };
      if (typeof jwksUri !== 'string') throw new Error('OpenID configuration has no jwks_uri');
      return createRemoteJWKSet(new URL(jwksUri), { cooldownDuration: REFETCH_COOLDOWN_MS, timeoutDuration: FETCH_TIMEOUT_MS });
    })();
    loading.catch(() => {
      if (this.remote === loading) this.remote = undefined;
    });
    this.remote = loading;
    return loading;
  }
}
