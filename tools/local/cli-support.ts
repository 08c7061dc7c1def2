// Owns what the local commands share: their environment read with zod, and any failure told in one clear line.
import { createServer } from 'node:net';
import { z } from 'zod';

/** A failure the person at the terminal can fix; its message is the whole story. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** An empty variable (`PORT= npm start`) means the default, as if it were not set. */
const unsetIfEmpty = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === '' ? undefined : value), schema);

const PORT_ERROR = 'must be a port number from 1 to 65535 (0 picks a free one)';
export const portSetting = (fallback: number) =>
  unsetIfEmpty(z.coerce.number({ error: PORT_ERROR }).int(PORT_ERROR).min(0, PORT_ERROR).max(65_535, PORT_ERROR).default(fallback));
const TIME_SCALE_ERROR = 'must be a positive number, such as 1 for real time or 0.05 for a quick run';
export const timeScaleSetting = (fallback: number) =>
  unsetIfEmpty(z.coerce.number({ error: TIME_SCALE_ERROR }).positive(TIME_SCALE_ERROR).default(fallback));
export const flowFileSetting = unsetIfEmpty(z.string().optional());
export const urlSetting = unsetIfEmpty(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:7071' }).optional());

/** Reads the variables `shape` names; a bad one is reported by name and value. */
export function readEnv<S extends z.ZodRawShape>(shape: S, env: NodeJS.ProcessEnv = process.env): z.output<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.');
    return `${name}=${JSON.stringify(env[name] ?? '')}: ${issue.message}`;
  });
  throw new CliError(problems.join('; '));
}

/** The failure as the person should read it; `portNames` says which setting moves a port that is taken. */
export function describeFailure(error: unknown, portNames: Readonly<Record<number, string>> = {}): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    const port = (error as { port?: number }).port ?? 0;
    const setting = portNames[port];
    return `Port ${port} is in use: ${setting ? `set ${setting} or stop` : 'stop'} the other process`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Fails, naming every port that is taken and the setting that moves it, before anything starts: so one try shows
 * them all and nothing needs stopping. `ports` maps each setting to its port; 0 (any free port) is never taken.
 */
export async function checkPortsFree(ports: Readonly<Record<string, number>>, host = '127.0.0.1'): Promise<void> {
  const taken: Array<[string, number]> = [];
  for (const [setting, port] of Object.entries(ports)) {
    if (port !== 0 && !(await canListen(port, host))) taken.push([setting, port]);
  }
  const [only, ...more] = taken;
  if (only === undefined) return;
  if (more.length === 0) throw new CliError(describeFailure(Object.assign(new Error(), { code: 'EADDRINUSE', port: only[1] }), { [only[1]]: only[0] }));
  throw new CliError(`Ports in use: ${taken.map(([setting, port]) => `${port} (set ${setting})`).join(', ')}; move them or stop the other processes`);
}

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/** Runs a command's body: a failure prints one line (or a settings list) to stderr and sets a non-zero exit code. */
export function runCli(body: () => Promise<number>, portNames: () => Readonly<Record<number, string>> = () => ({})): void {
  body().then(
    (exitCode) => {
      process.exitCode = exitCode;
    },
    (error: unknown) => {
      process.stderr.write(`${describeFailure(error, portNames())}\n`);
      process.exitCode = 1;
    },
  );
}

/** Calls `stop` once on Ctrl-C or a kill, so child processes (Azurite) end with this one. */
export function onInterrupt(stop: () => void): () => void {
  const handler = () => stop();
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.removeListener('SIGINT', handler);
    process.removeListener('SIGTERM', handler);
  };
}
