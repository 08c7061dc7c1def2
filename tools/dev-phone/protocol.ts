// Owns what the dev phone's server and its page say to each other: request bodies and the live call updates.
// Types only, so the browser script can share them without pulling in Node code.

/** A node of the flow diagram: `start`, `menu:<menuId>`, `transfer` or `goodbye`. */
export type DiagramNodeId = 'start' | 'transfer' | 'goodbye' | `menu:${string}`;

/** Where the caller is in the flow, as far as the emulator's timeline shows. */
export interface CallPosition {
  /** The diagram node to highlight; undefined while the call rings. */
  readonly node: DiagramNodeId | undefined;
  /** The same in words, for the status line and screen readers. */
  readonly label: string;
  readonly ended: boolean;
}

export type RowTone = 'call' | 'action' | 'callback' | 'prompt' | 'input' | 'ignored' | 'failure' | 'end';

/** One timeline entry, said plainly. */
export interface TimelineRow {
  /** Position in the emulator's timeline: a reconnecting page skips what it already has. */
  readonly index: number;
  readonly elapsedMs: number;
  readonly tone: RowTone;
  /** Who did it: caller, app → ACS, ACS → app, … */
  readonly actor: string;
  readonly text: string;
  /** `code/subCode` of a callback, or the HTTP status (and error code) of a request. */
  readonly result: string | undefined;
  readonly operationContext: string | undefined;
}

export interface HeardPromptView {
  readonly kind: 'text' | 'ssml' | 'file';
  readonly text: string;
  readonly language: string | undefined;
  readonly voice: string | undefined;
}

/** The `data` of each `update` server-sent event. */
export interface CallUpdate {
  readonly row: TimelineRow;
  readonly position: CallPosition;
  /** Present when the entry is a prompt the caller hears. */
  readonly prompt: HeardPromptView | undefined;
}

export interface DialRequest {
  readonly from: string;
}
/** POST /api/reminders: the outbound request the hotline queued. */
export interface ReminderResponse {
  readonly id: string;
}

/** GET /api/ringing: outbound calls ringing the page's phone. */
export interface RingingCall {
  readonly callId: string;
  readonly from: string;
  readonly to: string;
}

export interface DialResponse {
  readonly callId: string;
}
export interface DtmfRequest {
  readonly tones: string;
}
export interface SayRequest {
  readonly text: string;
  readonly language?: string;
  readonly sentiment?: string;
  /** 0-1: how sure speech recognition is; 0.9 when absent. */
  readonly confidence?: number;
}
export interface ErrorResponse {
  readonly error: string;
}
