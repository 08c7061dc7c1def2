// Owns talking to the ACS emulator's caller API over HTTP: dial, press, say, hang up, and follow a call's timeline.
import { EventSourceParserStream } from 'eventsource-parser/stream';
import type { TimelineEntry } from '../acs-emulator/index.js';
import { timelineEntrySchema } from './call-view';

/** The emulator refused or failed a caller action; its status and message are passed on to the page. */
export class EmulatorError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'EmulatorError';
  }
}

export interface SayOptions {
  readonly text: string;
  readonly language?: string | undefined;
  readonly sentiment?: string | undefined;
}

export class EmulatorCaller {
  private readonly base: string;

  constructor(emulatorUrl: string) {
    this.base = `${emulatorUrl.replace(/\/+$/, '')}/emulator/calls`;
  }

  /** `at`: the call happens at this time, as far as the hotline's opening hours are concerned; absent, now. */
  async dial(from: string, to: string, at?: string): Promise<{ callId: string }> {
    const body = await this.post('', { from, to, ...(at === undefined ? {} : { at }) });
    const callId = (body as { callId?: unknown } | undefined)?.callId;
    if (typeof callId !== 'string') throw new EmulatorError(502, 'the emulator answered the dial without a callId');
    return { callId };
  }

  async press(callId: string, tones: string): Promise<void> {
    await this.post(`/${encodeURIComponent(callId)}/dtmf`, { tones });
  }

  async say(callId: string, options: SayOptions): Promise<void> {
    await this.post(`/${encodeURIComponent(callId)}/say`, options);
  }

  async answer(callId: string): Promise<void> {
    await this.post(`/${encodeURIComponent(callId)}/answer`, {});
  }

  async decline(callId: string): Promise<void> {
    await this.post(`/${encodeURIComponent(callId)}/decline`, {});
  }

  /** Outbound calls whose phone is ringing now: the hotline calling someone (a reminder). */
  async ringing(): Promise<Array<{ callId: string; from: string; to: string }>> {
    const response = await fetch(this.base);
    if (!response.ok) throw new EmulatorError(response.status, await errorMessage(response));
    const calls = (await response.json()) as Array<{ callId: string; direction?: string; from?: string; to?: string; state?: string }>;
    return calls
      .filter((call) => call.direction === 'outbound' && call.state === 'ringing')
      .map((call) => ({ callId: call.callId, from: call.from ?? '', to: call.to ?? '' }));
  }

  async mumble(callId: string): Promise<void> {
    await this.post(`/${encodeURIComponent(callId)}/mumble`, {});
  }

  async hangUp(callId: string): Promise<void> {
    await this.post(`/${encodeURIComponent(callId)}/hangup`, {});
  }

  /** The call's timeline from its first entry, then each new one, until the call ends or `signal` aborts. */
  async *timeline(callId: string, signal: AbortSignal): AsyncGenerator<TimelineEntry> {
    const response = await fetch(`${this.base}/${encodeURIComponent(callId)}/events`, { signal, headers: { accept: 'text/event-stream' } });
    if (!response.ok || response.body === null) throw new EmulatorError(response.status, await errorMessage(response));
    const messages = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
    for await (const message of messages) {
      const entry = timelineEntrySchema.safeParse(parseJson(message.data));
      if (!entry.success) throw new EmulatorError(502, `the emulator sent a timeline entry the dev phone cannot read: ${entry.error.message}`);
      yield entry.data;
    }
  }

  private async post(path: string, body: unknown): Promise<unknown> {
    const response = await fetch(`${this.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new EmulatorError(response.status, await errorMessage(response));
    const text = await response.text();
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function errorMessage(response: Response): Promise<string> {
  const text = await response.text();
  const message = (parseJson(text) as { error?: { message?: unknown } } | undefined)?.error?.message;
  if (typeof message === 'string') return message;
  return text || `the emulator answered HTTP ${response.status}`;
}
