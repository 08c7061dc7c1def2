// Owns the messages between the benchmark driver and its host process, and the figures the host reports.
import type { RequestCounts } from './request-counter';

export type HostMode = 'app' | 'floor';

export interface HostConfig {
  readonly mode: HostMode;
  readonly port: number;
  readonly env: Readonly<Record<string, string>>;
  /** Requests to this origin are counted as ACS requests. */
  readonly acsOrigin: string;
}

/** Driver -> host. */
export type HostCommand =
  | { readonly type: 'startWindow'; readonly id: number; readonly detail: boolean }
  | { readonly type: 'endWindow'; readonly id: number }
  | { readonly type: 'stop' };

/** One invocation, kept only in detail windows (the per-event table), where the body is read to name the event. */
export interface InvocationDetail {
  readonly functionName: string;
  /** The callback's event type (without the Microsoft.Communication. prefix), or IncomingCall. */
  readonly eventType: string;
  readonly outcome: string;
  /** The same CloudEvent id was handled before: a redelivery. */
  readonly redelivered: boolean;
  readonly counts: RequestCounts;
}

export interface WindowReport {
  readonly elapsedMs: number;
  /** CPU time of the host process (user + system: on loopback much of it is the kernel's TCP work). */
  readonly cpuMs: number;
  readonly userCpuMs: number;
  /** Peak resident set size of the host process since it started (dialing bursts included). */
  readonly maxRssMb: number;
  /** Peak resident set size within the window, sampled every 100 ms: the steady state at this load. */
  readonly windowPeakRssMb: number;
  /** `process.memoryUsage()` at that peak, to tell the V8 heap from native memory. */
  readonly atPeak: MemoryFigures;
  /** The same at the highest RSS since the host started (sampled every 100 ms, windows or not): dialing bursts. */
  readonly atPeakEver: MemoryFigures;
  /** Open file descriptors at the end of the window: mostly sockets (keep-alive pools, callers' connections). */
  readonly openFds: number;
  /** Handler times of callbacks that advanced a call (outcome "applied"). */
  readonly advancingMs: number[];
  /** Handler times of every other callback (informational, ignored, duplicate, failed). */
  readonly otherMs: number[];
  readonly incomingCallMs: number[];
  /** Callback invocations by outcome (the handler's `outcomes`, or "status <n>" when it had none). */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly requests: RequestCounts;
  /** Table reads the process sent within the window, from every invocation (counted without an async context). */
  readonly tableReads: number;
  readonly details: InvocationDetail[];
}

/** `process.memoryUsage()` in MB. RSS minus heapTotal minus external is roughly code, stacks and malloc's own memory. */
export interface MemoryFigures {
  readonly rssMb: number;
  readonly heapUsedMb: number;
  readonly heapTotalMb: number;
  /** Memory of C++ objects bound to JavaScript ones, arrayBuffers included. */
  readonly externalMb: number;
  /** ArrayBuffers and Buffers: socket reads, request and response bodies. */
  readonly arrayBuffersMb: number;
  /** Committed size of each V8 heap space (new_space, old_space, code_space, ...): where heapTotal is. */
  readonly spacesMb: Readonly<Record<string, number>>;
}

/** Host -> driver. */
export type HostMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'windowStarted'; readonly id: number }
  | { readonly type: 'window'; readonly id: number; readonly report: WindowReport };
