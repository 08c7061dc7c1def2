// Owns the events a call reacts to, in the app's own terms (the ACS adapter maps the wire onto these).
import type { Sentiment } from '../flow/flow-schema';

export type RecognizedInput =
  | { readonly kind: 'dtmf'; readonly tones: string }
  | { readonly kind: 'choice'; readonly label: string; readonly phrase?: string; readonly confidence?: number }
  | { readonly kind: 'speech'; readonly text: string; readonly confidence?: number };

/** Why a Recognize ended without usable input: each has its own planned answer. */
export type RecognizeFailureReason =
  | 'noInput' // 8510
  | 'incompleteDigits' // 8532, on Completed or Failed
  | 'wrongKey' // 8534
  | 'noMatch' // 8547
  | 'speechNotRecognized' // 8563, 8570
  | 'promptFailed' // 8511
  | 'other'; // 9999 and codes the docs do not list

export type CallEvent =
  | { readonly type: 'callConnected'; readonly at: string }
  | {
      readonly type: 'recognizeCompleted';
      readonly at: string;
      readonly operationContext: string | undefined;
      readonly subCode: number;
      readonly input: RecognizedInput;
      /** The language ACS identified, when the menu listed candidates. */
      readonly language: string | undefined;
      /** The caller's sentiment, when the menu enabled sentiment analysis. */
      readonly sentiment: Sentiment | undefined;
    }
  | {
      readonly type: 'recognizeFailed';
      readonly at: string;
      readonly operationContext: string | undefined;
      readonly subCode: number;
      readonly reason: RecognizeFailureReason;
    }
  | { readonly type: 'recognizeCanceled'; readonly at: string; readonly operationContext: string | undefined; readonly subCode: number }
  | { readonly type: 'playCompleted'; readonly at: string; readonly operationContext: string | undefined }
  | { readonly type: 'playFailed'; readonly at: string; readonly operationContext: string | undefined; readonly subCode: number }
  | { readonly type: 'transferAccepted'; readonly at: string; readonly operationContext: string | undefined }
  | { readonly type: 'transferFailed'; readonly at: string; readonly operationContext: string | undefined; readonly subCode: number }
  | { readonly type: 'callDisconnected'; readonly at: string; readonly subCode: number }
  /** The watchdog found the call waiting too long for a result that will never come. */
  | { readonly type: 'stalled'; readonly at: string; readonly operationContext: string | undefined };

export type CallEventType = CallEvent['type'];
