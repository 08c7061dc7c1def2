// The local commands as a person runs them: exit codes, and one clear line when something is in the way.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

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
function run(file: string, args: readonly string[], env: Record<string, string> = {}, cwd = ROOT): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [path.resolve(ROOT, file), ...args], { cwd, env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
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

let taken: Server[] = [];
let takenPort: number;
let takenPorts: number[] = [];
beforeAll(async () => {
  taken = [createServer(), createServer(), createServer()];
  for (const server of taken) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  takenPorts = taken.map((server) => (server.address() as { port: number }).port);
  takenPort = takenPorts[0] ?? 0;
});
afterAll(() => Promise.all(taken.map((server) => new Promise<void>((resolve) => server.close(() => resolve())))));

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

  it('refuses malformed scripts with one line a mistake, every mistake of every script, before starting anything', async () => {
    const malformed = path.join(dir, 'malformed.call');
    writeFileSync(malformed, 'dial\nexpect "Welcome"\nsay hola --lang spanish\npres 2\n');
    const missing = path.join(dir, 'missing.call');
    const result = await run('tools/local/call-cli.ts', [malformed, missing]);
    expect(result.stderr.trim()).toBe(
      [
        `${malformed}:3: say: --lang must be a language tag such as es-ES`,
        `${malformed}:4: unknown step "pres" (steps: dial, press, say, remind, answer, decline, no-answer, expect-request, mumble, silence, hangup, expect, expect-end, expect-outcome)`,
        `${missing}: no such file`,
      ].join('\n'),
    );
    expect(result.code).toBe(1);
  });
});

describe('npm run host without settings', { timeout: 60_000 }, () => {
  it('lists every missing setting, the pairs and the flow problems at once', async () => {
    const flowFile = path.join(dir, 'broken-flow.json');
    writeFileSync(flowFile, '{"start": "main"}');
    // A directory with no local.settings.json, as on a fresh clone.
    const result = await run('tools/local/host-cli.ts', [], { HOTLINE_FLOW_FILE: flowFile }, dir);
    const problems = result.stderr.split('\n').filter((line) => line.startsWith('  - ')).map((line) => line.slice(4).split(':')[0]);
    expect(problems).toEqual([
      'CALLBACK_BASE_URL',
      'COGNITIVE_SERVICES_ENDPOINT',
      'OPERATOR_PHONE_NUMBER',
      'PSEUDONYM_KEY',
      'CALLBACK_SIGNING_KEY',
      'ACS_CONNECTION_STRING / ACS_ENDPOINT',
      'TABLES_CONNECTION_STRING / TABLES_ENDPOINT',
      'ACS_CALLBACK_AUDIENCE',
      // The flow: what the schema finds, and no echo of it (no "menu main does not exist" for a flow without menus).
      'voices',
      'goodbye',
      'apology',
      'menus',
    ]);
    expect(result.stderr).toContain(`Flow ${flowFile} has 4 problem(s)`);
    expect(result.code).toBe(1);
  });
});

describe('npm start on free ports', { timeout: 60_000 }, () => {
  it('takes a call with PORT=0, ACS_EMULATOR_PORT=0 and DEV_PHONE_PORT=0, typed through a pipe', async () => {
    const child = spawn(TSX, [path.join(ROOT, 'tools/local/start.ts')], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', PORT: '0', ACS_EMULATOR_PORT: '0', DEV_PHONE_PORT: '0', HOTLINE_TIME_SCALE: '0.2' },
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await vi.waitFor(() => expect(stdout).toContain('Type dial to call'), { timeout: 50_000, interval: 100 });
      child.stdin.write('dial\n');
      await vi.waitFor(() => expect(stdout).toContain('hotline (en-US): "Welcome to Contoso.'), { timeout: 20_000, interval: 50 });
      child.stdin.write('quit\n');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGTERM');
    }
    // Piped both ways, as a script would type: no caller> prompt in the output.
    expect(stdout).not.toContain('caller>');
  });
});

describe('npm run dev-phone with a broken flow', { timeout: 60_000 }, () => {
  it('prints the problems, not only the URL', async () => {
    const flowFile = path.join(dir, 'typo-flow.json');
    const flow = JSON.parse(readFileSync(path.join(ROOT, 'src/flow/default-flow.json'), 'utf8')) as { menus: { main: { routes: Array<{ then: { menu?: string } }> } } };
    const route = flow.menus.main.routes[1];
    if (route?.then.menu !== 'account') throw new Error('the default flow changed: main route 1 should lead to account');
    route.then.menu = 'acount';
    writeFileSync(flowFile, JSON.stringify(flow));
    const child = spawn(TSX, [path.join(ROOT, 'tools/dev-phone/cli.ts')], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', HOTLINE_FLOW_FILE: flowFile, DEV_PHONE_PORT: '0' } });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await vi.waitFor(() => expect(stdout).toContain('the dev phone lists them too: http://127.0.0.1:'), { timeout: 50_000, interval: 100 });
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    expect(stdout).toContain(`Flow ${flowFile} has 3 problem(s):\n  - menus.main.routes.1.then.menu: names menu "acount", which does not exist`);
  });
});

describe.concurrent('ports in use', { timeout: 60_000 }, () => {
  it('npm start names the setting that moves the emulator, and leaves nothing running', async () => {
    const result = await run('tools/local/start.ts', [], { PORT: '0', ACS_EMULATOR_PORT: String(takenPort) });
    expect(result.stderr.trim()).toBe(`Port ${takenPort} is in use: set ACS_EMULATOR_PORT or stop the other process`);
    expect(result.stdout).not.toContain('Stopping');
    expect(result.code).toBe(1);
    // Nothing of it stays behind: tsx, node and anything they started share the command's process group.
    expect(result.leftRunning).toEqual([]);
  });

  it('npm start names every taken port and its setting in one message, before starting anything', async () => {
    const [host, emulator, devPhone] = takenPorts.map(String) as [string, string, string];
    const result = await run('tools/local/start.ts', [], { PORT: host, ACS_EMULATOR_PORT: emulator, DEV_PHONE_PORT: devPhone });
    expect(result.stderr.trim()).toBe(
      `Ports in use: ${host} (set PORT), ${emulator} (set ACS_EMULATOR_PORT), ${devPhone} (set DEV_PHONE_PORT); move them or stop the other processes`,
    );
    expect(result.stdout).toBe('');
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
