// Owns what the shell is built from: the flows, the ports, and the settings its rules read.
import type { CallMilestone } from '../domain/call-action';
import type { CallState } from '../domain/call-state';
import type { Flow } from '../flow/flow-schema';
import type { FlowLibrary } from './flow-library';
import type { CallBindings, CallControl, CallerPrivacy, CallStorage, Clock, Log, Telemetry, Timers, WaitingPhase } from './ports';

/** What the shell asks of outbound calls: a first state for an early callback, and a word when a call ends. */
export interface OutboundHooks {
  initialState(callConnectionId: string, correlationId: string | undefined, operationContext: string | undefined, log: Log): Promise<CallState | undefined>;
  onMilestones(milestones: readonly CallMilestone[], log: Log): Promise<void>;
}

export interface HotlineDependencies {
  readonly flow: Flow;
  /** The current flow's version and every version live calls started on. */
  readonly flows: FlowLibrary;
  readonly store: CallStorage;
  readonly calls: CallControl;
  readonly callers: CallerPrivacy;
  readonly telemetry: Telemetry;
  readonly clock: Clock;
  readonly timers: Timers;
  /** The callback URL for a call, carrying the value that binds callbacks to it. */
  readonly binding: CallBindings;
  readonly cognitiveServicesEndpoint: string;
  readonly stallAfterMs: Readonly<Record<WaitingPhase, number>>;
  readonly retentionMs: number;
  readonly outbound?: OutboundHooks | undefined;
}
