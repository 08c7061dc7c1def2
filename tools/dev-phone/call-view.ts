// Owns reading one call's emulator timeline as the page shows it: plain rows, prompts heard, and where the caller is.
import { z } from 'zod';
import { keyOfTone, TONES, type TimelineEntry, type TimelineKind } from '../acs-emulator/index.js';
import { confidenceNote } from '../local/confidence-note';
import { menuNode, type FlowGraph } from './flow-graph';
import type { CallPosition, CallUpdate, HeardPromptView, RowTone, TimelineRow } from './protocol';

const TIMELINE_KINDS = [
  'dialed',
  'ringing',
  'incomingCallDelivered',
  'request',
  'answered',
  'callback',
  'promptHeard',
  'input',
  'inputIgnored',
  'transfer',
  'ended',
] as const satisfies readonly TimelineKind[];

/** An entry of `GET /emulator/calls/{id}/events`, checked at the HTTP boundary. */
export const timelineEntrySchema = z.object({
  at: z.string(),
  elapsedMs: z.number(),
  kind: z.enum(TIMELINE_KINDS),
  summary: z.string(),
  details: z.record(z.string(), z.unknown()),
}) satisfies z.ZodType<TimelineEntry>;

const result = z.object({ code: z.number(), subCode: z.number(), message: z.string() });
const callbackDetails = z.object({
  type: z.string(),
  status: z.number(),
  duplicate: z.boolean().optional(),
  resultInformation: result.optional(),
});
const requestDetails = z.object({ method: z.string(), path: z.string(), status: z.number(), errorCode: z.string().optional() });
const deliveryDetails = z.object({ status: z.number(), deliveryCount: z.number().optional() });
const promptDetails = z.object({
  kind: z.enum(['text', 'ssml', 'file']),
  text: z.string(),
  language: z.string().optional(),
  voice: z.string().optional(),
});
const inputDetails = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('tone'), tone: z.enum(TONES) }),
  z.object({ kind: z.literal('speech'), text: z.string(), language: z.string().optional(), sentiment: z.string().optional(), confidence: z.number().optional() }),
  z.object({ kind: z.literal('mumble') }),
]);
const endDetails = z.object({ kind: z.enum(['hungUpByApp', 'transferred', 'callerHungUp', 'missed', 'notConnected']) });
const withContext = z.object({ operationContext: z.string() });

/**
 * The operationContexts the decision core stamps: `<menu context>:<attempt>:<seq>`, `play:<seq>`, `transfer:<seq>`, each
 * ending in the call's random part (a letter, then hex).
 */
const MENU_CONTEXT = /^(.+):(\d+):(\d+)(?::[a-z][0-9a-f]+)?$/;
const STEP_CONTEXT = /^(play|transfer):(\d+)(?::[a-z][0-9a-f]+)?$/;

interface Tracker {
  /** Highest sequence number seen: callbacks for older operations arrive late and must not move the caller back. */
  readonly sequence: number;
  readonly menuId: string | undefined;
  readonly position: CallPosition;
}

/** Reads a call's timeline entry by entry; replaying the same timeline gives the same updates. */
export class CallView {
  private index = 0;
  private tracker: Tracker = { sequence: -1, menuId: undefined, position: { node: undefined, label: 'ringing', ended: false } };

  constructor(private readonly graph: FlowGraph) {}

  update(entry: TimelineEntry): CallUpdate {
    this.tracker = advance(this.graph, this.tracker, entry);
    const prompt = entry.kind === 'promptHeard' ? heardPrompt(entry) : undefined;
    const row = describe(entry, this.index++);
    const note = this.confidenceNote(entry);
    return { row: note === undefined ? row : { ...row, text: `${row.text}: ${note}` }, position: this.tracker.position, prompt };
  }

  /** Speech the caller gave a confidence, against the minimum of the menu being answered. */
  private confidenceNote(entry: TimelineEntry): string | undefined {
    const input = inputDetails.safeParse(entry.details);
    const { menuId } = this.tracker;
    if (entry.kind !== 'input' || !input.success || input.data.kind !== 'speech' || input.data.confidence === undefined || menuId === undefined) return undefined;
    return confidenceNote(menuId, this.graph.minConfidence.get(menuId), input.data.confidence);
  }
}

function advance(graph: FlowGraph, tracker: Tracker, entry: TimelineEntry): Tracker {
  if (entry.kind === 'answered') return { ...tracker, position: { node: 'start', label: 'answered, waiting for the first menu', ended: false } };
  if (entry.kind === 'ended') return ended(tracker, entry);
  const context = withContext.safeParse(entry.details);
  if (!context.success) return tracker;
  const step = STEP_CONTEXT.exec(context.data.operationContext);
  const menu = MENU_CONTEXT.exec(context.data.operationContext);
  const sequence = Number(step?.[2] ?? menu?.[3]);
  // Several prompts of one recognize share its sequence number, so equal is not stale.
  if (Number.isNaN(sequence) || sequence < tracker.sequence) return tracker;
  if (step?.[1] === 'transfer') return { ...tracker, sequence, position: { node: 'transfer', label: 'transferring to the operator', ended: false } };
  if (step?.[1] === 'play') {
    const after = tracker.menuId === undefined ? '' : ` after menu ${tracker.menuId}`;
    return { ...tracker, sequence, position: { ...tracker.position, label: `playing a message${after}` } };
  }
  const menuId = graph.menuByContext.get(menu?.[1] ?? '');
  if (menuId === undefined) return tracker;
  return { sequence, menuId, position: { node: menuNode(menuId), label: `in menu ${menuId}, attempt ${menu?.[2] ?? '?'}`, ended: false } };
}

function ended(tracker: Tracker, entry: TimelineEntry): Tracker {
  const end = endDetails.safeParse(entry.details);
  const where = tracker.menuId === undefined ? '' : ` in menu ${tracker.menuId}`;
  const position = ((): CallPosition => {
    switch (end.success ? end.data.kind : undefined) {
      case 'hungUpByApp':
        return { node: 'goodbye', label: 'ended: the hotline hung up', ended: true };
      case 'transferred':
        return { node: 'transfer', label: 'ended: transferred to the operator', ended: true };
      case 'callerHungUp':
        return { ...tracker.position, label: `ended: the caller hung up${where}`, ended: true };
      case 'missed':
        return { node: undefined, label: 'ended: not answered within the ring window', ended: true };
      case 'notConnected':
        return { node: undefined, label: 'ended: the reminder was not taken', ended: true };
      case undefined:
        return { ...tracker.position, label: 'ended', ended: true };
    }
  })();
  return { ...tracker, position };
}

function heardPrompt(entry: TimelineEntry): HeardPromptView | undefined {
  const prompt = promptDetails.safeParse(entry.details);
  if (!prompt.success) return undefined;
  return { kind: prompt.data.kind, text: prompt.data.text, language: prompt.data.language, voice: prompt.data.voice };
}

export function describe(entry: TimelineEntry, index: number): TimelineRow {
  const context = withContext.safeParse(entry.details);
  const row = (tone: RowTone, actor: string, text: string, resultText?: string): TimelineRow => ({
    index,
    elapsedMs: entry.elapsedMs,
    tone,
    actor,
    text,
    result: resultText,
    operationContext: context.success ? context.data.operationContext : undefined,
  });
  switch (entry.kind) {
    case 'dialed':
      return row('call', 'caller', 'dials the hotline');
    case 'ringing':
      return row('call', 'hotline', 'calls out; the phone rings');
    case 'incomingCallDelivered': {
      const delivery = deliveryDetails.safeParse(entry.details);
      if (!delivery.success) return row('call', 'Event Grid', entry.summary);
      const { status, deliveryCount = 0 } = delivery.data;
      const text = `IncomingCall${deliveryCount > 0 ? ` (delivery ${deliveryCount + 1})` : ''}`;
      return row(status >= 200 && status < 300 ? 'call' : 'failure', 'Event Grid', text, status === 0 ? 'not sent' : `HTTP ${status}`);
    }
    case 'request': {
      const request = requestDetails.safeParse(entry.details);
      if (!request.success) return row('action', 'app → ACS', entry.summary);
      const { method, path, status, errorCode } = request.data;
      return row(status < 400 ? 'action' : 'failure', 'app → ACS', actionName(method, path), `${status}${errorCode ? ` ${errorCode}` : ''}`);
    }
    case 'answered':
      return row('call', 'ACS', 'call connected');
    case 'callback': {
      const callback = callbackDetails.safeParse(entry.details);
      if (!callback.success) return row('callback', 'ACS → app', entry.summary);
      const { type, status, duplicate, resultInformation } = callback.data;
      const delivered = status >= 200 && status < 300 ? '' : ` · app answered ${status === 0 ? 'nothing' : `HTTP ${status}`}`;
      const code = resultInformation === undefined ? undefined : `${resultInformation.code}/${resultInformation.subCode}`;
      const failed = delivered !== '' || (resultInformation?.code ?? 200) >= 400;
      return row(failed ? 'failure' : 'callback', 'ACS → app', `${type}${duplicate ? ' (duplicate)' : ''}${delivered}`, code);
    }
    case 'promptHeard': {
      const prompt = heardPrompt(entry);
      if (prompt === undefined) return row('prompt', 'hears', entry.summary);
      const how = [prompt.language, prompt.voice].filter((part) => part !== undefined).join(', ');
      return row('prompt', 'hears', `“${prompt.text}”${how ? ` (${how})` : ''}`);
    }
    case 'input': {
      const input = inputDetails.safeParse(entry.details);
      return row('input', 'caller', input.success ? inputText(input.data) : entry.summary);
    }
    case 'inputIgnored':
      return row('ignored', 'ACS', `ignores: ${entry.summary}`);
    case 'transfer':
      return row('call', 'ACS', entry.summary);
    case 'ended': {
      const end = endDetails.safeParse(entry.details);
      return row('end', 'call', end.success ? endText(end.data.kind) : entry.summary);
    }
  }
}

function actionName(method: string, path: string): string {
  if (path.endsWith(':answer')) return 'answer';
  const action = /:([A-Za-z]+)$/.exec(path)?.[1];
  if (action === 'transferToParticipant') return 'transfer';
  if (action === 'terminate' || (action === undefined && method === 'DELETE')) return 'hang up';
  return action ?? `${method} call`;
}

function inputText(input: z.output<typeof inputDetails>): string {
  switch (input.kind) {
    case 'tone':
      return `presses ${keyOfTone(input.tone)}`;
    case 'speech': {
      const confidence = input.confidence === undefined ? undefined : `confidence ${input.confidence}`;
      const how = [input.language, input.sentiment, confidence].filter((part) => part !== undefined).join(', ');
      return `says “${input.text}”${how ? ` (${how})` : ''}`;
    }
    case 'mumble':
      return 'mumbles';
  }
}

function endText(kind: z.output<typeof endDetails>['kind']): string {
  switch (kind) {
    case 'hungUpByApp':
      return 'the hotline hung up';
    case 'transferred':
      return 'transferred to the operator';
    case 'callerHungUp':
      return 'the caller hung up';
    case 'missed':
      return 'not answered within the ring window';
    case 'notConnected':
      return 'the reminder was not taken (declined, busy or unanswered)';
  }
}
