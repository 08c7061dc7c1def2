// The local commands as a person runs them: exit codes, and one clear line when something is in the way.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const dir = mkdtempSync(path.join(tmpdir(), 'hotline-commands-'));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command file with tsx, as its npm script does, with a clean environment plus `env`. */
function run(file: string, args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(TSX, [file, ...args], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

let taken: Server;
let takenPort: number;
beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  takenPort = (taken.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

// Each test starts tsx (and the first and third Azurite) in a child process: slow on a busy machine, not flaky.
describe.concurrent('npm run call', { timeout: 60_000 }, () => {
  it('passes a script that goes as written and exits 1 naming the line of one that does not', async () => {
    const wrong = path.join(dir, 'wrong.call');
    writeFileSync(wrong, 'dial\nexpect "Welcome to Contoso"\npress 2\nexpect "Your account is verified"\n');
    const result = await run('tools/local/call-cli.ts', ['examples/calls/operator-by-voice.call', wrong]);
    expect(result.stdout).toMatch(/^PASS examples\/calls\/operator-by-voice\.call \(6 steps, [\d.]+ s\)$/m);
    expect(result.stdout).toContain(
      `FAIL ${wrong}:4: expected a prompt containing "Your account is verified", heard "Please enter your account number, then press the pound key."`,
    );
    expect(result.stdout).toContain('1 passed, 1 failed');
    expect(result.code).toBe(1);
  });

  it('refuses a malformed script in one line, before starting anything', async () => {
    const malformed = path.join(dir, 'malformed.call');
    writeFileSync(malformed, 'dial\nexpect "Welcome"\nsay hola --lang spanish\n');
    const result = await run('tools/local/call-cli.ts', [malformed]);
    expect(result.stderr.trim()).toBe(`${malformed}:3: say: --lang must be a language tag such as es-ES`);
    expect(result.code).toBe(1);
  });
});

describe.concurrent('ports in use', { timeout: 60_000 }, () => {
  it('npm start names the setting that moves the emulator, and leaves nothing running', async () => {
    const result = await run('tools/local/start.ts', [], { PORT: '0', ACS_EMULATOR_PORT: String(takenPort) });
    // The command returned, so the Azurite it had started is gone too (its child process would keep it alive).
    expect(result.stderr.trim()).toBe(`Port ${takenPort} is in use: set ACS_EMULATOR_PORT or stop the other process`);
    expect(result.code).toBe(1);
  });

  it('npm run host names PORT', async () => {
    const sample = (JSON.parse(readFileSync(path.join(ROOT, 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> }).Values;
    const result = await run('tools/local/host-cli.ts', [], { ...sample, PORT: String(takenPort) });
    expect(result.stderr.trim()).toBe(`Port ${takenPort} is in use: set PORT or stop the other process`);
    expect(result.code).toBe(1);
  });
});

describe('npm run host without Table Storage (issue 19, item 5; issue 13, item 8)', { timeout: 60_000 }, () => {
  it('warns at start-up that storage is unreachable, listens, and runs the watchdog on its schedule', async () => {
    const sample = (JSON.parse(readFileSync(path.join(ROOT, 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> }).Values;
    const noStorage = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;';
    const child = spawn(TSX, ['tools/local/host-cli.ts'], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', ...sample, PORT: '0', TABLES_CONNECTION_STRING: noStorage },
    });
    let stdout = '';
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (data: Buffer) => {
          stdout += data.toString();
          // The watchdog's first sweep (15 s in) meets the missing storage and says so: the timer runs by itself.
          if (/watchdog error/.test(stdout)) resolve();
        });
        child.once('exit', (code) => reject(new Error(`host exited ${String(code)}: ${stdout}`)));
      });
    } finally {
      child.kill('SIGINT');
    }
    const warning = stdout.split('\n').findIndex((line) => /warning: Table Storage is unreachable \(.*127\.0\.0\.1:9/.test(line));
    expect(warning, stdout).toBeGreaterThanOrEqual(0);
    expect(warning).toBeLessThan(stdout.split('\n').findIndex((line) => line.startsWith('Functions host listening')));
  });
});
