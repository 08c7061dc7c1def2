// Owns starting Azurite's Table and Queue services in memory on free loopback ports, for tests and `npm start`.
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import path from 'node:path';

/** How much of Azurite's stderr is kept for the message when it dies. */
const STDERR_KEPT = 8_192;
/** Azurite's documented development account; not a secret. */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface RunningAzurite {
  readonly connectionString: string;
  readonly port: number;
  /** Its process id, for tools that measure it (the benchmark reads its CPU time). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Azurite exited with code ${child.exitCode} before listening`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('connect', () => socket.end(() => resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Azurite did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

export async function startAzurite(options: { port?: number } = {}): Promise<RunningAzurite> {
  const port = options.port ?? (await freePort());
  return startService('table', port, `TableEndpoint=http://127.0.0.1:${port}/${DEV_ACCOUNT};`);
}

/** The Queue service, for outbound calls' `outbound-calls` queue: a process of its own, like the Table service. */
export async function startAzuriteQueues(options: { port?: number } = {}): Promise<RunningAzurite> {
  const port = options.port ?? (await freePort());
  return startService('queue', port, `QueueEndpoint=http://127.0.0.1:${port}/${DEV_ACCOUNT};`);
}

async function startService(service: 'table' | 'queue', port: number, endpoint: string): Promise<RunningAzurite> {
  const bin = path.join(path.dirname(require.resolve('azurite/package.json')), `dist/src/${service}/main.js`);
  // In memory, so nothing is written to the working directory and every run starts empty.
  const child = spawn(
    process.execPath,
    [bin, '--inMemoryPersistence', '--disableTelemetry', '--silent', '--skipApiVersionCheck', `--${service}Host`, '127.0.0.1', `--${service}Port`, String(port)],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  // However this process ends (process.exit, an uncaught error), Azurite must not outlive it.
  const killOnExit = () => child.kill();
  process.once('exit', killOnExit);
  // Only its last words are kept: a long run must not grow a buffer of everything it ever said.
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-STDERR_KEPT)));
  let stopping = false;
  // Dying mid-run (out of memory, a crash) is said at once and with its reason: otherwise the next storage request
  // fails with a bare "write EPIPE" or "ECONNREFUSED" that names nothing.
  child.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`Azurite's ${service} service (pid ${child.pid ?? '?'}) exited ${signal ? `on ${signal}` : `with code ${code ?? '?'}`}${stderr ? `:\n${stderr.trim()}` : ' and said nothing'}`);
  });
  try {
    await waitForPort(port, child, 15_000);
  } catch (error) {
    stopping = true;
    process.removeListener('exit', killOnExit);
    child.kill();
    throw new Error(`${error instanceof Error ? error.message : String(error)}${stderr ? `: ${stderr.trim()}` : ''}`);
  }
  return {
    port,
    pid: child.pid,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};${endpoint}`,
    stop: async () => {
      stopping = true;
      process.removeListener('exit', killOnExit);
      // A child killed by a signal has no exit code, only a signal code: it has ended all the same.
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill();
        await exited;
      }
    },
  };
}
