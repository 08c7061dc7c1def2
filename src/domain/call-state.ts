// Owns the shape of one call's state between invocations, and how a new call starts.
import type { InputType, OutboundFailure, RepromptReason, Sentiment, Step } from '../flow/flow-schema';
import type { RecognizedInput } from './call-event';

export type CallOutcome = 'completed' | 'transferred' | 'abandoned' | 'failed';

/** What makes a call outbound: the request it places, for which campaign, and which try this is. */
export interface OutboundCall {
  readonly requestId: string;
  readonly campaign: string;
  readonly attempt: number;
  readonly placedAt: string;
  /** Set once ACS (or the ring time) ends the attempt before anyone answered: busy, declined, noAnswer or failed. */
  readonly unanswered?: { readonly outcome: OutboundFailure; readonly code: string };
}

/** What the call is waiting for. Every waiting phase names the operationContext it expects back. */
export type CallPhase =
  | { readonly name: 'connecting' }
  | {
      readonly name: 'awaitingInput';
      readonly menuId: string;
      readonly attempt: number;
      readonly inputType: InputType;
      readonly operationContext: string;
    }
  | {
      readonly name: 'playing';
      readonly operationContext: string;
      /** What follows the message; `hangUp` ends the call. */
      readonly then: Step | 'hangUp';
      /** A failed message is apologised for once; a failed apology or goodbye just hangs up. */
      readonly onFailure: 'apologize' | 'hangUp';
      readonly outcome: CallOutcome;
    }
  | { readonly name: 'transferring'; readonly operationContext: string; readonly menuId: string | undefined }
  | { readonly name: 'transferred' }
  | { readonly name: 'hangingUp'; readonly outcome: CallOutcome }
  | { readonly name: 'ended'; readonly outcome: CallOutcome };

export interface CallState {
  readonly callConnectionId: string;
  readonly correlationId: string;
  /** Keyed pseudonym of the caller's number: safe for logs and analytics. */
  readonly callerPseudonym: string;
  /** The caller's identifier sealed with the app's key: Recognize must target the caller. */
  readonly callerSealed: string;
  /** Random per call, the last part of every operationContext, so a prompt's result cannot be forged by guessing. */
  readonly nonce: string;
  readonly connectedAt: string | undefined;
  readonly phase: CallPhase;
  /** Bumped by every action that expects a result, so each operationContext is unique. */
  readonly sequence: number;
  readonly language: string;
  readonly sentiment: Sentiment | undefined;
  /** What the caller gave each menu (digits, label, transcript, confidence), latest answer per menu. */
  readonly collected: Readonly<Record<string, RecognizedInput>>;
  /** Menus entered, oldest first; capped to keep the row small. */
  readonly path: readonly string[];
  readonly lastFailure: RepromptReason | 'promptFailed' | 'playFailed' | 'transferFailed' | undefined;
  /** The time of the event being decided: schedules are read at it, never at the machine's clock. */
  readonly eventAt?: string | undefined;
  /** The version of the flow the call started on, which it keeps to the end; absent in rows from before versions. */
  readonly flowVersion?: string | undefined;
  /** Outbound calls only (rows written before outbound calls existed have none of these). */
  readonly outbound?: OutboundCall;
  /** The request's values for the campaign's `{{variables}}`. */
  readonly variables?: Readonly<Record<string, string>>;
  /** The business result the last route with one recorded, e.g. `confirmed`. */
  readonly result?: string;
}

export const MAX_PATH_LENGTH = 50;

export function newCallState(init: {
  callConnectionId: string;
  correlationId: string;
  callerPseudonym: string;
  callerSealed: string;
  language: string;
  nonce: string;
  flowVersion?: string;
}): CallState {
  return {
    ...init,
    connectedAt: undefined,
    phase: { name: 'connecting' },
    sequence: 0,
    sentiment: undefined,
    collected: {},
    path: [],
    lastFailure: undefined,
  };
}

export function isWaitingFor(phase: CallPhase, operationContext: string | undefined): boolean {
  return 'operationContext' in phase && phase.operationContext === operationContext;
}
