// Owns every timer the emulator starts, so close() can clear them all and leave no handle open.
export type TimerId = ReturnType<typeof setTimeout>;

export class TimerSet {
  private readonly live = new Set<TimerId>();

  constructor(private readonly timeScale: number) {}

  /** Runs `fn` after `seconds` of emulated time (multiplied by timeScale). */
  afterSeconds(seconds: number, fn: () => void): TimerId {
    return this.afterMs(seconds * 1000 * this.timeScale, fn);
  }

  /** Runs `fn` after `ms` of real time (not scaled). */
  afterMs(ms: number, fn: () => void): TimerId {
    const id = setTimeout(() => {
      this.live.delete(id);
      fn();
    }, Math.max(0, ms));
    this.live.add(id);
    return id;
  }

  clear(id: TimerId | undefined): void {
    if (id === undefined) return;
    clearTimeout(id);
    this.live.delete(id);
  }

  clearAll(): void {
    for (const id of this.live) clearTimeout(id);
    this.live.clear();
  }
}
