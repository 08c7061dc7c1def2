// Shared deadlines: operations that start within one slot share one timeout signal, and every slot's signal times out.
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { SharedDeadline, SLOT_MS } from '../../src/app/shared-deadline';

describe('SharedDeadline', () => {
  it('hands operations that start within one slot the same signal, and the next slot a new one', () => {
    // Just past a slot's start, so that half a slot later is still within it.
    let now = 1_001;
    const deadline = new SharedDeadline(2_000, () => now);
    const first = deadline.signal();
    now += SLOT_MS / 2;
    expect(deadline.signal()).toBe(first);
    now += SLOT_MS;
    const next = deadline.signal();
    expect(next).not.toBe(first);
    expect(first.aborted || next.aborted).toBe(false);
  });

  it('times out like AbortSignal.timeout, and the slot after it gets a fresh signal', async () => {
    const deadline = new SharedDeadline(1);
    const signal = deadline.signal();
    await once(signal, 'abort');
    expect(signal.reason).toBeInstanceOf(DOMException);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
    const later = deadline.signal();
    expect(later).not.toBe(signal);
    expect(later.aborted).toBe(false);
  });

  it("fires at its slot's end, however far the monotonic clock has run, and then lets the slot go", async () => {
    // A clock far from zero: the time left is the slot's end minus now, 50 ms here, never anything with now in it.
    const deadline = new SharedDeadline(1, () => 1_000_000);
    const signal = deadline.signal();
    expect(deadline.size).toBe(1);
    await once(signal, 'abort');
    expect(deadline.size).toBe(0);
  });
});
