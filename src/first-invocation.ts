// Owns knowing when a cold instance has served its first invocation, so that start-up work which holds the event loop
// (loading the Azure Monitor distro: 300 ms and more of CPU) comes after the caller who woke the instance, not during.

export interface FirstInvocation {
  /** Settles once the first invocation has ended, or after `idleMs` if none has begun by then. */
  readonly over: Promise<void>;
  /** The handler, telling `over` when its first call ends; every later call goes straight through. */
  wrap<Args extends unknown[], Result>(handler: (...args: Args) => Result | PromiseLike<Result>): (...args: Args) => Promise<Result>;
}

/**
 * An instance woken by an invocation gets it within milliseconds of loading the entry; one kept ready (Flex's
 * always-ready instances) may get none for a while, and then waits `idleMs` only.
 */
export function firstInvocation(idleMs: number): FirstInvocation {
  let end!: () => void;
  const over = new Promise<void>((resolve) => (end = resolve));
  let begun = false;
  // Cleared when the first invocation begins; unref'd, so a process with nothing else to do does not stay up for it.
  const idle = setTimeout(end, idleMs);
  idle.unref();
  return {
    over,
    wrap:
      (handler) =>
      async (...args) => {
        if (begun) return handler(...args);
        begun = true;
        clearTimeout(idle);
        try {
          return await handler(...args);
        } finally {
          end();
        }
      },
  };
}
