// Owns the driver's side of the host process: start it, open and close measurement windows, stop it.
import { spawn, type ChildProcess } from 'node:child_process';
import type { HostCommand, HostConfig, HostMessage, WindowReport } from './host-protocol';

export class HostChild {
  private nextId = 1;
  private readonly waiting = new Map<number, (message: HostMessage) => void>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: HostMessage) => {
      if (message.type === 'ready') return;
      this.waiting.get(message.id)?.(message);
      this.waiting.delete(message.id);
    });
  }

  /** Runs `script` (the bundled host process) in its own Node process, with extra Node flags such as --cpu-prof. */
  static async start(script: string, config: HostConfig, nodeFlags: readonly string[] = []): Promise<HostChild> {
    const child = spawn(process.execPath, [...nodeFlags, script], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, BENCH_HOST_CONFIG: JSON.stringify(config) },
    });
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the ${config.mode} host exited with code ${String(code)} before it was ready`)));
      child.on('message', (message: HostMessage) => {
        if (message.type === 'ready') resolve();
      });
    });
    child.removeAllListeners('exit');
    return new HostChild(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async startWindow(detail: boolean): Promise<void> {
    await this.request((id) => ({ type: 'startWindow', id, detail }));
  }

  async endWindow(): Promise<WindowReport> {
    const message = await this.request((id) => ({ type: 'endWindow', id }));
    if (message.type !== 'window') throw new Error(`host answered ${message.type} to endWindow`);
    return message.report;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.send({ type: 'stop' });
    await exited;
  }

  private request(command: (id: number) => HostCommand): Promise<HostMessage> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.send(command(id));
    });
  }

  private send(command: HostCommand): void {
    this.child.send(command);
  }
}
