// Owns `tsx tools/bench/jwt-verify.ts [module] [count]`: CPU and wall time per callback token check, keys already cached.
// `module` (default src/adapters/acs/callback-auth.ts) lets an older copy of the authenticator be measured the same way.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CallbackAuthenticator, JwtSettings } from '../../src/adapters/acs/callback-auth';

const ISSUER = 'https://acscallautomation.communication.azure.com';
const AUDIENCE = 'bench-audience';
const KID = 'bench-key';

async function main(): Promise<void> {
  const modulePath = path.resolve(process.argv[2] ?? path.join(__dirname, '../../src/adapters/acs/callback-auth.ts'));
  const count = Number(process.argv[3] ?? 5000);
  if (!Number.isInteger(count) || count < 1) throw new Error(`count must be a positive integer, got ${process.argv[3]}`);
  const { CallbackAuthenticator: Authenticator } = (await import(modulePath)) as { CallbackAuthenticator: new (settings: JwtSettings) => CallbackAuthenticator };

  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
  const server = createServer((request, response) => {
    const body = request.url === '/openid' ? { issuer: ISSUER, jwks_uri: `${base}/keys` } : { keys: [jwk] };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime('1h')
      .sign(privateKey);
    const authorization = `Bearer ${token}`;
    const auth = new Authenticator({ openIdConfigurationUrl: `${base}/openid`, issuer: ISSUER, audience: AUDIENCE });
    // Warm-up: fetches the keys once and lets the JIT settle before anything is counted.
    for (let i = 0; i < Math.min(count, 1000); i++) {
      const result = await auth.verify(authorization);
      if (!result.ok) throw new Error(`the bench token was rejected: ${result.reason}`);
    }
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < count; i++) await auth.verify(authorization);
    const wallMs = performance.now() - start;
    const { user, system } = process.cpuUsage(cpu);
    console.log(JSON.stringify({ module: path.relative(process.cwd(), modulePath), count, cpuUsPerVerify: +((user + system) / count).toFixed(1), wallUsPerVerify: +((wallMs * 1000) / count).toFixed(1) }));
  } finally {
    server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
