// `npm run smoke -- <resource group>`: checks a real deployment with the signed-in Azure CLI (see docs/deploy.md).
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { parseSmokeArgs, SMOKE_USAGE } from './smoke-args';
import { runSmoke, type SmokeWorld } from './smoke-checks';

const run = promisify(execFile);

const world: SmokeWorld = {
  async az(args) {
    try {
      return (await run('az', [...args], { maxBuffer: 64 << 20 })).stdout;
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim();
      throw new Error(`az ${args.slice(0, 4).join(' ')}: ${stderr || (error instanceof Error ? error.message : String(error))}`);
    }
  },
  async post(url, body) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(60_000) });
    return response.status;
  },
  async placeCall(acsEndpoint, from, to, callbackUrl) {
    // Loaded only for --call: the SDK and a credential from the signed-in CLI (the deployer, Owner of the group).
    const [{ CallAutomationClient }, { AzureCliCredential }] = await Promise.all([import('@azure/communication-call-automation'), import('@azure/identity')]);
    const client = new CallAutomationClient(acsEndpoint, new AzureCliCredential());
    const result = await client.createCall({ targetParticipant: { phoneNumber: to }, sourceCallIdNumber: { phoneNumber: from } }, callbackUrl);
    return { correlationId: result.callConnectionProperties.correlationId ?? '', hangUp: () => result.callConnection.hangUp(true).then(() => undefined) };
  },
  sleep: (ms) => sleep(ms),
  log: (line) => console.log(line),
};

async function main(): Promise<number> {
  const parsed = parseSmokeArgs(process.argv.slice(2));
  switch (parsed.kind) {
    case 'help':
      console.log(SMOKE_USAGE);
      return 0;
    case 'error':
      console.error(`error: ${parsed.message}\n\n${SMOKE_USAGE}`);
      return 2;
    case 'run':
      return (await runSmoke(parsed.options, world)) ? 0 : 1;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
