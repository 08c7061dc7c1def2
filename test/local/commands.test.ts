// The local commands as a person runs them: exit codes, and one clear line when something is in the way.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  /** The processes of the command's own process group (tsx, node, an Azurite it started) still alive after it exited. */
  leftRunning: string[];
}

/** Runs a command file with tsx, as its npm script does, with a clean environment plus `env`, in a process group of its own. */
function run(file: string, args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [file, ...args], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // A hung command is stopped, group and all, so a failing test does not leave it behind either.
    const timer = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, 'SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      void leftInGroup(child.pid).then((leftRunning) => resolve({ code, stdout, stderr, leftRunning }));
    });
  });
}

/** The command lines of the processes in a process group, read from /proc. */
function groupMembers(pgid: number): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        // Field 3 of stat is the state, field 5 the process group; the command name in field 2 may hold spaces, so
        // read after its ')'. A zombie is not running: it only waits for a parent (here PID 1) to collect its status.
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(fields[2]) !== pgid || fields[0] === 'Z' || fields[0] === 'X') return [];
        return [readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim() || `(${fields[0] ?? '?'}) ${pid}`];
      } catch {
        return []; // gone while we looked
      }
    });
}

/**
 * What of the command's process group is still alive once it has had time to wind down. Helpers that exit on their
 * own when their parent goes (tsx's esbuild service) may take a moment on a busy machine; Azurite would not.
 */
async function leftInGroup(pid: number | undefined): Promise<string[]> {
  if (pid === undefined) return [];
  const deadline = Date.now() + 15_000;
  for (;;) {
    const members = groupMembers(pid);
    if (members.length === 0 || Date.now() > deadline) return members;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
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
    expect(result.stderr.trim()).toBe(`Port ${takenPort} is in use: set ACS_EMULATOR_PORT or stop the other process`);
    expect(result.code).toBe(1);
    // It had started Azurite before it found the port taken; Azurite runs in the command's process group.
    expect(result.leftRunning).toEqual([]);
  });

  it('npm run host names PORT', async () => {
    const sample = (JSON.parse(readFileSync(path.join(ROOT, 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> }).Values;
    const result = await run('tools/local/host-cli.ts', [], { ...sample, PORT: String(takenPort) });
    expect(result.stderr.trim()).toBe(`Port ${takenPort} is in use: set PORT or stop the other process`);
    expect(result.code).toBe(1);
  });
});
