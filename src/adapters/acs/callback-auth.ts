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

export class CallbackAuthenticator {
  private keys: Promise<JWTVerifyGetKey> | undefined;

  constructor(private readonly settings: JwtSettings) {}

  async verify(authorization: string | null): Promise<AuthResult> {
    const token = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(authorization ?? '')?.[1];
    if (!token) return { ok: false, status: 401, reason: 'missing or malformed bearer token' };
    let keys: JWTVerifyGetKey;
    try {
      keys = await this.keySet();
    } catch {
      this.keys = undefined;
      return { ok: false, status: 503, reason: 'signing keys unavailable' };
    }
    try {
      await jwtVerify(token, keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ['RS256'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp'],
      });
      return { ok: true };
    } catch (error) {
      if (error instanceof errors.JWKSTimeout || isFetchFailure(error)) return { ok: false, status: 503, reason: 'signing keys unavailable' };
      return { ok: false, status: 401, reason: error instanceof errors.JOSEError ? error.code : 'invalid token' };
    }
  }

  /** The OpenID document names the key set; it is read once and kept. */
  private keySet(): Promise<JWTVerifyGetKey> {
    this.keys ??= (async () => {
      const response = await fetch(this.settings.openIdConfigurationUrl, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`OpenID configuration returned ${response.status}`);
      const { jwks_uri: jwksUri } = (await response.json()) as { jwks_uri?: unknown };
      if (typeof jwksUri !== 'string') throw new Error('OpenID configuration has no jwks_uri');
      return createRemoteJWKSet(new URL(jwksUri), { cooldownDuration: REFETCH_COOLDOWN_MS, timeoutDuration: FETCH_TIMEOUT_MS });
    })();
    return this.keys;
  }
}

function isFetchFailure(error: unknown): boolean {
  return error instanceof TypeError || (error instanceof errors.JOSEError && error.code === 'ERR_JWKS_TIMEOUT') || (error instanceof Error && /fetch|ECONNREFUSED|status code/i.test(error.message) && !(error instanceof errors.JWTClaimValidationFailed));
}
