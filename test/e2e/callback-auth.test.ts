// Callback authentication through the host: bad tokens get 401 and unreachable keys 503, with nothing written
// and nothing sent to ACS; turning authentication off takes an explicit setting and is warned about at start-up.
import { exportSPKI, importJWK, SignJWT, UnsecuredJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadSettings } from '../../src/config';
import { hotlineFunctions } from '../../src/functions/hotline-functions';
import { cloudEvent, startTestStack, type TestStack } from '../support/stack';

let s: TestStack;
let live: { callConnectionId: string; correlationId: string };
let forged: Record<string, string>;
beforeAll(async () => {
  s = await startTestStack({ timeScale: 5 });
  live = await s.dial();
  const em = s.emulator;
  const { jwks_uri: jwksUri } = (await (await fetch(em.openIdConfigurationUrl)).json()) as { jwks_uri: string };
  const [jwk] = ((await (await fetch(jwksUri)).json()) as { keys: JWK[] }).keys;
  const publicPem = await exportSPKI((await importJWK(jwk ?? {}, 'RS256', { extractable: true })) as CryptoKey);
  const claims = () => new SignJWT({}).setIssuer(em.issuer).setAudience(em.audience).setIssuedAt().setExpirationTime('5m');
  forged = {
    'no header': '',
    garbage: 'Bearer garbage',
    'the wrong audience': `Bearer ${await em.signCallbackToken({ audience: 'another-acs-resource' })}`,
    'the wrong issuer': `Bearer ${await em.signCallbackToken({ issuer: 'https://evil.example' })}`,
    'an expired token (6 minutes old)': `Bearer ${await em.signCallbackToken({ shiftSeconds: -660 })}`,
    'an unknown kid': `Bearer ${await em.signCallbackToken({ kid: 'not-published' })}`,
    'alg none': `Bearer ${new UnsecuredJWT({}).setIssuer(em.issuer).setAudience(em.audience).setIssuedAt().setExpirationTime('5m').encode()}`,
    'HS256 keyed with the public key': `Bearer ${await claims().setProtectedHeader({ alg: 'HS256', kid: jwk?.kid ?? '' }).sign(new TextEncoder().encode(publicPem))}`,
  };
});
afterAll(async () => s?.stop());

const hangUp = () => cloudEvent('CallDisconnected', { callConnectionId: live.callConnectionId, correlationId: live.correlationId, resultInformation: { code: 200, subCode: 540000 } });

describe('a callback with a bad token (R-23)', () => {
  it.each([
    'no header',
    'garbage',
    'the wrong audience',
    'the wrong issuer',
    'an expired token (6 minutes old)',
    'an unknown kid',
    'alg none',
    'HS256 keyed with the public key',
  ])('%s: 401, nothing written, nothing sent to ACS', async (name) => {
    const rowsBefore = await s.rows();
    const requestsBefore = s.emulator.requests.length;
    const reply = await s.postCallbacks([hangUp()], { authorization: forged[name] || null });
    expect(reply).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect(await s.rows()).toEqual(rowsBefore);
    expect((await s.stateOf(live.callConnectionId))?.phase.name).toBe('awaitingInput');
    expect(s.emulator.requests.length).toBe(requestsBefore);
    expect(s.telemetry.at(-1)).toMatchObject({ name: 'CallbackRejected', properties: { reason: 'auth', status: '401' } });
  });

  it('the same event with a valid token is applied', async () => {
    expect(await s.postCallbacks([hangUp()])).toMatchObject({ status: 200, body: { outcomes: ['applied'] } });
  });
});

describe('a callback while the signing keys cannot be fetched', () => {
  it('gets 503 (retryable), with nothing written', async () => {
    const stack = await startTestStack({ settings: { ACS_OPENID_CONFIGURATION_URL: 'http://127.0.0.1:9/calling/.well-known/acsopenidconfiguration' } });
    try {
      const reply = await stack.postCallbacks([cloudEvent('CallConnected', { callConnectionId: 'c', correlationId: 'k' })]);
      expect(reply).toMatchObject({ status: 503, body: { error: 'signing keys unavailable' } });
      expect(await stack.rows()).toEqual([]);
    } finally {
      await stack.stop();
    }
  });
});

describe('a callback while Table Storage is unreachable (issue 19, item 5)', () => {
  it('is authenticated first: 401 without a token or with a forged URL, 503 only for a genuine callback', async () => {
    const unreachable = inject('tablesConnectionString').replace(/TableEndpoint=http:\/\/127\.0\.0\.1:\d+/, 'TableEndpoint=http://127.0.0.1:9');
    const stack = await startTestStack({ tablesConnectionString: unreachable });
    try {
      const event = [cloudEvent('CallConnected', { callConnectionId: 'c', correlationId: 'k' })];
      expect(await stack.postCallbacks(event, { authorization: null })).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
      expect(await stack.postCallbacks(event, { url: `${stack.host.url}/api/callbacks` })).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
      expect(await stack.postCallbacks(event)).toMatchObject({ status: 503, body: { cause: 'storageUnreachable' } });
    } finally {
      await stack.stop();
    }
  });
});

describe('CALLBACK_AUTH', () => {
  const env = {
    ACS_CONNECTION_STRING: 'endpoint=https://acs.example/;accesskey=a2V5',
    CALLBACK_BASE_URL: 'https://hotline.example',
    COGNITIVE_SERVICES_ENDPOINT: 'https://ai.example/',
    TABLES_CONNECTION_STRING: 'UseDevelopmentStorage=true',
    OPERATOR_PHONE_NUMBER: '+18005550199',
    PSEUDONYM_KEY: Buffer.alloc(32, 7).toString('base64'),
    CALLBACK_SIGNING_KEY: Buffer.alloc(32, 8).toString('base64'),
    ACS_CALLBACK_AUDIENCE: 'aud',
  };
  const silent = { trackEvent: () => undefined };

  it('is on by default, with no start-up warning', () => {
    expect(hotlineFunctions(loadSettings(env), silent).warnings).toEqual([]);
  });

  it('off takes CALLBACK_AUTH=disabled, and the host logs a warning at start-up', async () => {
    expect(hotlineFunctions(loadSettings({ ...env, CALLBACK_AUTH: 'disabled' }), silent).warnings).toEqual([expect.stringMatching(/CALLBACK_AUTH is disabled/) as string]);
    const stack = await startTestStack({ settings: { CALLBACK_AUTH: 'disabled' } });
    try {
      expect(stack.logs.filter((entry) => entry.level === 'warning' && entry.functionName === 'host').map((entry) => entry.message)).toEqual([
        expect.stringMatching(/callbacks are accepted without a valid ACS token/) as string,
      ]);
      expect((await stack.postCallbacks([cloudEvent('CallConnected', { callConnectionId: 'c' })], { authorization: null })).status).toBe(200);
    } finally {
      await stack.stop();
    }
  });

  it('rejects any other value', () => {
    expect(() => loadSettings({ ...env, CALLBACK_AUTH: 'off' })).toThrow(/CALLBACK_AUTH/);
  });
});
