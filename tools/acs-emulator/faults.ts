// Owns fault injection: the next N REST requests matching a method and path pattern (or a random share of them) get a canned ACS error.
export interface FaultSpec {
  /** HTTP method to match; any method when omitted. */
  method?: string;
  /** Matched against the decoded request path (without query), e.g. /:recognize$/. A string is a regex source. */
  path: RegExp | string;
  status: number;
  /** ACS error code (the subcode as a string), e.g. "8522". Defaults to the HTTP status. */
  code?: string;
  message?: string;
  /** How many matching requests fail; default 1, or unlimited with `probability`. */
  times?: number;
  /** Each matching request fails with this probability (0-1) instead of always; for chaos runs. */
  probability?: number;
  /** Adds Retry-After (seconds), as the service does on 429/503. */
  retryAfterSeconds?: number;
}

export interface InjectedFault {
  status: number;
  body: { error: { code: string; message: string } };
  retryAfterSeconds: number | undefined;
}

export interface FaultInjector {
  inject(spec: FaultSpec): void;
  clear(): void;
  /** Faults that still have requests left to fail. */
  readonly pending: readonly FaultSpec[];
}

interface ActiveFault {
  spec: FaultSpec;
  pattern: RegExp;
  remaining: number;
}

const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'Bad request.',
  401: 'Unauthorized.',
  403: 'Forbidden.',
  404: 'Call not found.',
  409: 'Conflict.',
  429: 'Too many requests.',
  500: 'Internal server error.',
  503: 'Service unavailable.',
};

export class Faults implements FaultInjector {
  private active: ActiveFault[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  inject(spec: FaultSpec): void {
    const pattern = typeof spec.path === 'string' ? new RegExp(spec.path) : spec.path;
    if (spec.probability !== undefined && !(spec.probability >= 0 && spec.probability <= 1)) throw new Error('probability must be between 0 and 1');
    this.active.push({ spec, pattern, remaining: spec.times ?? (spec.probability === undefined ? 1 : Infinity) });
  }

  clear(): void {
    this.active = [];
  }

  get pending(): readonly FaultSpec[] {
    return this.active.map((fault) => fault.spec);
  }

  /** Consumes one use of the first fault that matches (and, for a probabilistic one, whose dice say so). */
  take(method: string, path: string): InjectedFault | undefined {
    const fault = this.active.find(
      (f) =>
        (f.spec.method === undefined || f.spec.method.toUpperCase() === method) &&
        f.pattern.test(path) &&
        (f.spec.probability === undefined || this.random() < f.spec.probability),
    );
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.active = this.active.filter((f) => f !== fault);
    const { status } = fault.spec;
    return {
      status,
      body: {
        error: {
          code: fault.spec.code ?? String(status),
          message: fault.spec.message ?? DEFAULT_MESSAGES[status] ?? 'Injected fault.',
        },
      },
      retryAfterSeconds: fault.spec.retryAfterSeconds,
    };
  }
}
