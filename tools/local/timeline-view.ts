// Owns how a call's timeline reads in a terminal: one short line an entry, with what the caller hears and does standing out.
import { styleText } from 'node:util';
import { keyOfTone, TONES, type CallEnd, type HeardPrompt, type TimelineEntry, type Tone } from '../acs-emulator/index.js';

/** `hotline` and `caller` are the conversation; `detail` is the wire between ACS and the app. */
export type LineTone = 'hotline' | 'caller' | 'detail' | 'warning' | 'end';

export interface TimelineLine {
  readonly elapsedMs: number;
  readonly tone: LineTone;
  readonly text: string;
}

/** Lines for entries, in order; consecutive key presses read as one line (`caller presses 1234#`). */
export function timelineLines(
  entries: readonly TimelineEntry[],
  options: { details: boolean; note?: (entry: TimelineEntry) => string | undefined },
): TimelineLine[] {
  const lines: TimelineLine[] = [];
  for (const entry of entries) {
    // Called for every entry, in order, so a note can follow the call (which menu the caller is answering).
    const note = options.note?.(entry);
    const pressed = entry.kind === 'input' && entry.details['kind'] === 'tone' ? (entry.details['tone'] as Tone) : undefined;
    const tone = pressed !== undefined && TONES.includes(pressed) ? keyOfTone(pressed) : undefined;
    const last = lines.at(-1);
    if (tone !== undefined && last?.text.startsWith('caller presses ')) {
      lines[lines.length - 1] = { ...last, text: last.text + tone };
      continue;
    }
    const described = describe(entry, tone);
    const line = described && note !== undefined ? { ...described, text: `${described.text}: ${note}` } : described;
    if (line !== undefined && (options.details || line.tone !== 'detail')) lines.push(line);
  }
  return lines;
}

function describe(entry: TimelineEntry, key: string | undefined): TimelineLine | undefined {
  const d = entry.details;
  const at = (tone: LineTone, text: string): TimelineLine => ({ elapsedMs: entry.elapsedMs, tone, text });
  // Traffic that failed (a refused callback, an unanswered IncomingCall) shows even when the details are hidden.
  const wire = typeof d['status'] === 'number' && (d['status'] === 0 || d['status'] >= 400) ? 'warning' : 'detail';
  switch (entry.kind) {
    case 'dialed':
      return at('caller', `caller ${String(d['from'])} dials ${String(d['to'])}`);
    case 'ringing':
      return at('hotline', `hotline calls out: ${entry.summary}`);
    case 'incomingCallDelivered':
      return at(wire, `Event Grid -> app: IncomingCall (delivery ${String(d['deliveryCount'])}) -> HTTP ${String(d['status'])}`);
    case 'answered':
      return at('hotline', 'hotline answers');
    case 'request': {
      const action = String(d['path']).replace(/^\/calling\/callConnections\/?[^:/]*/, '') || 'call';
      return at(wire, `app -> ACS: ${String(d['method'])} ${action} -> ${String(d['status'])}`);
    }
    case 'callback': {
      const result = d['resultInformation'] as { code?: number; subCode?: number } | undefined;
      const code = result === undefined ? '' : ` ${String(result.code)}/${String(result.subCode)}`;
      return at(wire, `ACS -> app: ${String(d['type'])}${code}${d['duplicate'] === true ? ' (duplicate)' : ''} -> HTTP ${String(d['status'])}`);
    }
    case 'promptHeard': {
      const prompt = d as unknown as HeardPrompt;
      return at('hotline', `hotline${prompt.language === undefined ? '' : ` (${prompt.language})`}: "${prompt.text}"`);
    }
    case 'input':
      if (key !== undefined) return at('caller', `caller presses ${key}`);
      if (d['kind'] === 'speech') {
        const said = d as { text: string; language?: string; sentiment?: string; confidence?: number };
        const tags = [said.language, said.sentiment, said.confidence === undefined ? undefined : `confidence ${said.confidence}`].filter((tag) => tag !== undefined);
        return at('caller', `caller says "${said.text}"${tags.length > 0 ? ` (${tags.join(', ')})` : ''}`);
      }
      return at('caller', d['kind'] === 'mumble' ? 'caller mumbles' : 'caller stays silent');
    case 'inputIgnored':
      return at('warning', `not heard: ${entry.summary}`);
    case 'transfer':
      return at('hotline', entry.summary);
    case 'ended':
      return at('end', `call ended: ${describeEnd(d as unknown as CallEnd)}`);
  }
}

export function describeEnd(end: CallEnd): string {
  switch (end.kind) {
    case 'hungUpByApp':
      return 'the hotline hung up';
    case 'transferred':
      return `transferred to ${end.target}`;
    case 'callerHungUp':
      return end.beforeAnswer ? 'the caller hung up before the answer' : 'the caller hung up';
    case 'missed':
      return 'nobody answered within the ring window';
    case 'notConnected':
      return end.reason === 'noAnswer' ? 'the callee did not answer' : end.reason === 'busy' ? 'the callee was busy' : 'the callee declined';
  }
}

const STYLE: Readonly<Record<LineTone, Parameters<typeof styleText>[0]>> = {
  hotline: 'cyan',
  caller: 'green',
  detail: 'dim',
  warning: 'yellow',
  end: 'magenta',
};

/** `  12.3s  hotline (en-US): "Welcome…"`, coloured when the terminal wants colour. */
export function formatLine(line: TimelineLine, color: boolean): string {
  const text = `${(line.elapsedMs / 1000).toFixed(1).padStart(6)}s  ${line.text}`;
  return color ? styleText(STYLE[line.tone], text) : text;
}

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function wantsColor(stream: NodeJS.WritableStream & { isTTY?: boolean }): boolean {
  return stream.isTTY === true && !process.env['NO_COLOR'];
}
