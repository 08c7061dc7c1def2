// Owns callback authentication: the RS256 JWT ACS puts on every callback, checked against its published keys.
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';

export type AuthResult = { readonly ok: true } | { readonly ok: false; readonly status: 401 | 503; readonly reason: string };

export interface JwtSettings {
  readonly openIdConfigurationUrl: string;
  readonly issuer: string;
  readonly audience: string;
}

/** Tokens live 5 minutes; a little leeway absorbs clock skew between ACS and the function host. */
const CLOCK_TOLERANCE_SECONDS = 30;
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

export class CallbackAuthenticator {
  private remote: Promise<JWTVerifyGetKey> | undefined;

  constructor(private readonly settings: JwtSettings) {}

  async verify(authorization: string | null): Promise<AuthResult> {
    const token = authorization && authorization.length <= MAX_TOKEN_LENGTH ? BEARER.exec(authorization)?.[1] : undefined;
    if (!token) return { ok: false, status: 401, reason: 'missing or malformed bearer token' };
    try {
      await jwtVerify(token, this.getKey, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ['RS256'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp'],
      });
      return { ok: true };
    } catch (error) {
      if (error instanceof KeysUnavailable) return { ok: false, status: 503, reason: 'signing keys unavailable' };
      return { ok: false, status: 401, reason: error instanceof errors.JOSEError ? error.code : 'invalid token' };
    }
  }

  /**
   * jose calls this only after the header passed the algorithm check, so `alg: none` and HS256 never cause a fetch.
   * Every failure to obtain a usable key set (network, timeout, non-200, bad JSON, malformed set) is `KeysUnavailable`;
   * a key set that simply lacks the token's key is the token's problem.
   */
  private readonly getKey: JWTVerifyGetKey = async (header, token) => {
    let keys: JWTVerifyGetKey;
    try {
      keys = await this.remoteKeySet();
    } catch (error) {
      throw new KeysUnavailable(error);
    }
    try {
      return await keys(header, token);
    } catch (error) {
      if (isTokenKeyMismatch(error)) throw error;
      throw new KeysUnavailable(error);
    }
  };

  /** The OpenID document names the key set; it is read once, and again on the next callback if reading failed. */
  private remoteKeySet(): Promise<JWTVerifyGetKey> {
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
