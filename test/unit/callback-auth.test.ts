// Callback authentication: every kind of bad token is a 401, unreachable keys a 503, and forged kids cannot make it fetch keys more than once per 30 s.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallbackAuthenticator } from '../../src/adapters/acs/callback-auth';

const ISSUER = 'https://acscallautomation.communication.azure.com';
const AUDIENCE = '6d1b0c2e-5f4a-4c3b-9e8d-7a6f5e4d3c2b';
const KID = 'acs-key-1';

/** What the fake ACS key endpoints answer; tests switch it to simulate outages and garbage. */
type Behaviour = 'ok' | 'oidcDown' | 'jwksDown' | 'jwksNotJson' | 'jwksMalformed' | 'noJwksUri';

let server: Server;
let baseUrl: string;
let behaviour: Behaviour;
let jwksFetches: number;
let keys: { privateKey: CryptoKey; publicKey: CryptoKey; jwk: JWK };
let otherKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  keys = { ...pair, jwk: { ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'RS256', use: 'sig' } };
  otherKey = (await generateKeyPair('RS256')).privateKey;
  server = createServer((request, response) => {
    const send = (status: number, body: string) => response.writeHead(status, { 'content-type': 'application/json' }).end(body);
    if (request.url === '/calling/.well-known/acsopenidconfiguration') {
      if (behaviour === 'oidcDown') return send(503, '{}');
      return send(200, JSON.stringify(behaviour === 'noJwksUri' ? { issuer: ISSUER } : { issuer: ISSUER, jwks_uri: `${baseUrl}/calling/keys` }));
    }
    jwksFetches++;
    if (behaviour === 'jwksDown') return send(500, '{}');
    if (behaviour === 'jwksNotJson') return send(200, '<html>maintenance</html>');
    if (behaviour === 'jwksMalformed') return send(200, JSON.stringify({ keys: 'none' }));
    return send(200, JSON.stringify({ keys: [keys.jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  behaviour = 'ok';
  jwksFetches = 0;
});

const authenticator = (openIdConfigurationUrl = `${baseUrl}/calling/.well-known/acsopenidconfiguration`) =>
  new CallbackAuthenticator({ openIdConfigurationUrl, issuer: ISSUER, audience: AUDIENCE });

const now = () => Math.floor(Date.now() / 1000);
async function token(
  options: { key?: CryptoKey; kid?: string | null; issuer?: string; audience?: string; issuedAt?: number; expires?: false; lifetime?: number; crit?: boolean } = {},
): Promise<string> {
  const issuedAt = options.issuedAt ?? now();
  const jwt = new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', ...(options.kid === null ? {} : { kid: options.kid ?? KID }), typ: 'JWT', ...(options.crit ? { crit: ['exp2'], exp2: 1 } : {}) })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt);
  return (options.expires === false ? jwt : jwt.setExpirationTime(issuedAt + (options.lifetime ?? 300))).sign(options.key ?? keys.privateKey, options.crit ? { crit: { exp2: true } } : {});
}
const bearer = async (options?: Parameters<typeof token>[0]) => `Bearer ${await token(options)}`;

describe('CallbackAuthenticator: tokens ACS would not issue (issue 13, item 3)', () => {
  it.each([
    ['an unknown critical header', { crit: true }, 'unsupported critical header'],
    ['a lifetime of two hours', { lifetime: 7_200 }, 'lifetime too long'],
    ['no kid', { kid: null }, 'kid required'],
  ] as const)('%s: 401', async (_, options, reason) => {
    expect(await authenticator().verify(await bearer(options))).toEqual({ ok: false, status: 401, reason });
  });

  it('a lifetime of an hour (far above the 5 minutes ACS issues, within what is tolerated) is accepted', async () => {
    expect(await authenticator().verify(await bearer({ lifetime: 3_600 }))).toEqual({ ok: true });
  });
});

describe('CallbackAuthenticator', () => {
  it('accepts a valid token, whatever the case of the scheme', async () => {
    const auth = authenticator();
    expect(await auth.verify(await bearer())).toEqual({ ok: true });
    expect(await auth.verify(`bearer ${await token()}`)).toEqual({ ok: true });
    expect(jwksFetches).toBe(1);
  });

  it('tolerates a little clock skew, not more', async () => {
    const auth = authenticator();
    expect(await auth.verify(await bearer({ issuedAt: now() - 310 }))).toEqual({ ok: true });
    expect(await auth.verify(await bearer({ issuedAt: now() - 360 }))).toMatchObject({ ok: false, status: 401, reason: 'jwt expired' });
  });

  it.each<[string, () => Promise<string | null> | string | null]>([
    ['no header', () => null],
    ['an empty header', () => ''],
    ['another scheme', () => `Basic ${Buffer.from('acs:secret').toString('base64')}`],
    ['garbage', () => 'Bearer garbage'],
    ['a token in pieces', async () => `Bearer ${(await token()).split('.').slice(0, 2).join('.')}`],
    ['a header far too long', () => `Bearer ${'a'.repeat(20_000)}.${'b'.repeat(10)}.${'c'.repeat(10)}`],
    ['a broken header segment', async () => `Bearer e30x.${(await token()).split('.')[1]}.sig`],
  ])('rejects %s with 401, without fetching keys', async (_, header) => {
    expect(await authenticator().verify(await header())).toMatchObject({ ok: false, status: 401 });
    expect(jwksFetches).toBe(0);
  });

  it.each([
    ['the wrong audience', () => bearer({ audience: 'another-acs-resource' }), `jwt audience invalid. expected: ${AUDIENCE}`],
    ['the wrong issuer', () => bearer({ issuer: 'https://evil.example' }), `jwt issuer invalid. expected: ${ISSUER}`],
    ['an expired token (6 minutes old)', () => bearer({ issuedAt: now() - 360 - 300 }), 'jwt expired'],
    ['a token not valid for another 5 minutes', () => bearer({ issuedAt: now() + 300 }), 'jwt not active'],
    ['a token that never expires', () => bearer({ expires: false }), 'exp required'],
    ['a forged signature (another key, the real kid)', () => bearer({ key: otherKey }), 'invalid signature'],
  ])('rejects %s with 401', async (_, header, reason) => {
    expect(await authenticator().verify(await header())).toEqual({ ok: false, status: 401, reason });
  });

  it('rejects alg "none" and HS256 keyed with the public key, before any key is fetched', async () => {
    const unsecured = new UnsecuredJWT({}).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('5m').encode();
    const publicPem = await exportSPKI(keys.publicKey);
    const confused = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: KID })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(publicPem));
    const auth = authenticator();
    expect(await auth.verify(`Bearer ${unsecured}`)).toEqual({ ok: false, status: 401, reason: 'invalid algorithm' });
    expect(await auth.verify(`Bearer ${confused}`)).toEqual({ ok: false, status: 401, reason: 'invalid algorithm' });
    expect(jwksFetches).toBe(0);
  });

  it('refetches the keys at most once per 30 s for unknown kids, then rejects them with 401', async () => {
    const auth = authenticator();
    expect(await auth.verify(await bearer())).toEqual({ ok: true });
    expect(jwksFetches).toBe(1);
    // Within the cooldown of the first fetch: no refetch at all, however many forged kids arrive.
    for (let i = 0; i < 5; i++) {
      expect(await auth.verify(await bearer({ kid: `forged-${i}` }))).toEqual({ ok: false, status: 401, reason: 'ERR_JWKS_NO_MATCHING_KEY' });
    }
    expect(jwksFetches).toBe(1);
  });

  it('picks up a rotated key once the cooldown has passed, with one refetch', async () => {
    const auth = authenticator();
    expect(await auth.verify(await bearer())).toEqual({ ok: true });
    const original = keys.jwk;
    keys.jwk = { ...original, kid: 'acs-key-2' };
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      expect(await auth.verify(await bearer({ kid: 'acs-key-2' }))).toMatchObject({ ok: false, status: 401 });
      expect(jwksFetches).toBe(1);
      vi.setSystemTime(Date.now() + 31_000);
      expect(await auth.verify(await bearer({ kid: 'acs-key-2' }))).toEqual({ ok: true });
      expect(await auth.verify(await bearer({ kid: 'acs-key-3' }))).toMatchObject({ ok: false, status: 401 });
      expect(jwksFetches).toBe(2);
    } finally {
      vi.useRealTimers();
      keys.jwk = original;
    }
  });

  it.each<[string, Behaviour]>([
    ['the OpenID configuration is down', 'oidcDown'],
    ['the OpenID configuration names no key set', 'noJwksUri'],
    ['the key set is down', 'jwksDown'],
    ['the key set is not JSON', 'jwksNotJson'],
    ['the key set is malformed', 'jwksMalformed'],
  ])('answers 503 (not 401) when %s, and recovers once it is back', async (_, down) => {
    behaviour = down;
    const auth = authenticator();
    expect(await auth.verify(await bearer())).toEqual({ ok: false, status: 503, reason: 'signing keys unavailable' });
    behaviour = 'ok';
    expect(await auth.verify(await bearer())).toEqual({ ok: true });
  });

  it('answers 503 when nothing listens at the keys address', async () => {
    const auth = authenticator('http://127.0.0.1:9/calling/.well-known/acsopenidconfiguration');
    expect(await auth.verify(await bearer())).toEqual({ ok: false, status: 503, reason: 'signing keys unavailable' });
  });
});
