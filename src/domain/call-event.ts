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
  /** The app asked ACS to call someone: the call's start, with the request's data. */
  | {
      readonly type: 'callPlaced';
      readonly at: string;
      readonly requestId: string;
      readonly campaign: string;
      readonly attempt: number;
      readonly variables: Readonly<Record<string, string>>;
      readonly language: string | undefined;
    }
  | { readonly type: 'callConnected'; readonly at: string }
  /** ACS could not connect an outbound call: `code` is its resultInformation code (a SIP status such as 486). */
  | { readonly type: 'createCallFailed'; readonly at: string; readonly code: number; readonly subCode: number }
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
  | { readonly type: 'callDisconnected'; readonly at: string; readonly subCode: number; readonly code?: number }
  /** The watchdog found the call waiting too long for a result that will never come. */
  | { readonly type: 'stalled'; readonly at: string; readonly operationContext: string | undefined };

export type CallEventType = CallEvent['type'];
