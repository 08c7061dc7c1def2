import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { firstInvocation } from '../../src/first-invocation';

const IDLE_MS = 1_000;

/** Whether `promise` has settled once every pending microtask has run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

/** A handler whose invocations end only when the test says so. */
function controllable() {
  const pending: Array<(value: string) => void> = [];
  const handler = vi.fn((input: string) => new Promise<string>((resolve) => pending.push(() => resolve(`handled ${input}`))));
  return { handler, finish: (index: number) => pending[index]?.('') };
}

describe('firstInvocation', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('is over when the first invocation ends, not when it begins, and a second one begun meanwhile changes nothing', async () => {
    const first = firstInvocation(IDLE_MS);
    const { handler, finish } = controllable();
    const wrapped = first.wrap(handler);
    const one = wrapped('one');
    const two = wrapped('two');
    // Past the idle time: an invocation is running, so the timer is not what ends the wait.
    await vi.advanceTimersByTimeAsync(5 * IDLE_MS);
    expect(await settled(first.over)).toBe(false);
    finish(1);
    await expect(two).resolves.toBe('handled two');
    expect(await settled(first.over)).toBe(false);
    finish(0);
    await expect(one).resolves.toBe('handled one');
    expect(await settled(first.over)).toBe(true);
    expect(handler.mock.calls).toEqual([['one'], ['two']]);
  });

  it('is over after the idle time when no invocation has begun (an instance kept ready)', async () => {
    const first = firstInvocation(IDLE_MS);
    await vi.advanceTimersByTimeAsync(IDLE_MS - 1);
    expect(await settled(first.over)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(first.over)).toBe(true);
  });

  it('is over when the first invocation fails, whose error still reaches the worker', async () => {
    const first = firstInvocation(IDLE_MS);
    const failing = first.wrap(async () => {
      await Promise.resolve();
      throw new Error('storage unavailable');
    });
    await expect(failing()).rejects.toThrow('storage unavailable');
    expect(await settled(first.over)).toBe(true);
  });

  it('hands every later invocation its own result, untouched', async () => {
    const first = firstInvocation(IDLE_MS);
    const wrapped = first.wrap((value: number) => value * 2);
    await expect(Promise.all([wrapped(1), wrapped(2), wrapped(3)])).resolves.toEqual([2, 4, 6]);
  });

  it('keeps no process alive with its idle timer', () => {
    const timers = vi.spyOn(globalThis, 'setTimeout');
    firstInvocation(IDLE_MS);
    const timer = timers.mock.results.at(-1)?.value as { hasRef?: () => boolean } | undefined;
    expect(timer?.hasRef?.()).toBe(false);
  });
});
