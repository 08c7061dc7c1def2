// Owns the actions a decision asks for, as data: only the ACS adapter turns them into requests.
import type { RecognizeInput, Sentiment } from '../flow/flow-schema';
import type { CallOutcome } from './call-state';

export type SpokenPrompt =
  | { readonly kind: 'text'; readonly text: string; readonly voice: string; readonly language: string }
  | { readonly kind: 'ssml'; readonly ssml: string; readonly language: string }
  | { readonly kind: 'file'; readonly url: string };

/** A Recognize with every parameter resolved: defaults applied, language chosen. */
export type RecognizeSpec = RecognizeInput & { readonly speechLanguage?: string };

export type CallAction =
  | {
      readonly type: 'recognize';
      readonly operationContext: string;
      readonly prompts: readonly SpokenPrompt[];
      readonly input: RecognizeSpec;
    }
  | { readonly type: 'play'; readonly operationContext: string; readonly prompts: readonly SpokenPrompt[] }
  | { readonly type: 'transferToOperator'; readonly operationContext: string }
  | { readonly type: 'hangUp' };

export type CallActionType = CallAction['type'];

/** A business event for ops, as data; the shell hands it to telemetry. */
export type CallMilestone =
  | { readonly name: 'MenuEntered'; readonly menuId: string; readonly attempt: number }
  | {
      readonly name: 'RecognizeCompleted';
      readonly menuId: string;
      readonly inputType: 'dtmf' | 'choices' | 'speech';
      readonly subCode: number;
      readonly attempt: number;
      readonly language: string | undefined;
      readonly sentiment: Sentiment | undefined;
      readonly confidence: number | undefined;
    }
  | {
      readonly name: 'RecognizeFailed';
      readonly menuId: string;
      readonly reason: string;
      readonly subCode: number;
      readonly attempt: number;
    }
  | { readonly name: 'TransferStarted'; readonly menuId: string | undefined; readonly target: 'operator' }
  | { readonly name: 'TransferFailed'; readonly subCode: number }
  /** The call's flow version could not be found (retired, wiped, unreadable): it is ended politely on the current flow. */
  | { readonly name: 'FlowVersionMissing'; readonly missingVersion: string }
  | { readonly name: 'CallEnded'; readonly outcome: CallOutcome; readonly lastMenuId: string | undefined; readonly durationMs: number | undefined }
  | {
      readonly name: 'OutboundCallEnded';
      readonly requestId: string;
      readonly campaign: string;
      /** A route's result (`confirmed`), or how the attempt ended without one (`noAnswer`, `hungUp`, ...). */
      readonly outcome: string;
      readonly attempt: number;
      /** ACS's result code when ACS ended the attempt, `ringTimeout` when the ring time ran out; `none` otherwise. */
      readonly code: string;
      readonly ringMs: number | undefined;
      readonly durationMs: number | undefined;
    };

