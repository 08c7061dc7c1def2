// Owns turning a flow prompt into what the caller hears: language fallback, voice, and {{menu}} answers.
import type { Flow, Prompt, PromptRef } from '../flow/flow-schema';
import type { SpokenPrompt } from './call-action';
import type { RecognizedInput } from './call-event';
import { speakNextOpening, speakWeeklyHours } from './opening-hours-speech';

type Localized = string | Readonly<Record<string, string>>;

/** The caller's language when the prompt has it, else the flow's default: never silence. */
function pick(value: Localized, language: string, fallback: string): { text: string; language: string } {
  if (typeof value === 'string') return { text: value, language: fallback };
  const own = value[language];
  if (own !== undefined) return { text: own, language };
  return { text: value[fallback] ?? Object.values(value)[0] ?? '', language: fallback };
}

/** How an earlier answer is read back: digits one by one, so TTS does not say "one thousand". */
function spoken(input: RecognizedInput | undefined): string {
  if (!input) return '';
  switch (input.kind) {
    case 'dtmf':
      return [...input.tones].join(' ');
    case 'choice':
      return input.label;
    case 'speech':
      return input.text;
  }
}

const escapeXml = (text: string) =>
  text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);

/** `{{office.hours}}` and `{{office.reopens}}` read a schedule aloud; the validator names the schedules and fields. */
export const SCHEDULE_TEMPLATE = /\{\{\s*([A-Za-z][A-Za-z0-9_-]*)\.(hours|reopens)\s*\}\}/g;
/** `{{name}}`: an earlier menu's answer, or an outbound request's variable; the validator checks every name. */
export const ANSWER_TEMPLATE = /\{\{\s*([A-Za-z][A-Za-z0-9_-]*)\s*\}\}/g;

function fillIn(flow: Flow, text: string, context: PromptContext, language: string, escape: (s: string) => string): string {
  return text
    .replace(SCHEDULE_TEMPLATE, (_, id: string, field: 'hours' | 'reopens') => {
      const schedule = flow.schedules[id];
      if (!schedule) return '';
      if (field === 'hours') return escape(speakWeeklyHours(schedule, language));
      return context.eventAt === undefined ? '' : escape(speakNextOpening(schedule, context.eventAt, language));
    })
    // An earlier answer when the name is a menu, else the outbound request's variable of that name.
    .replace(ANSWER_TEMPLATE, (_, name: string) =>
      escape(name in flow.menus ? spoken(context.collected[name]) : (context.variables?.[name] ?? '')),
    );
}

export interface PromptContext {
  readonly language: string;
  readonly collected: Readonly<Record<string, RecognizedInput>>;
  readonly variables?: Readonly<Record<string, string>> | undefined;
  /** The time of the event being answered: what "when we reopen" is counted from. */
  readonly eventAt?: string | undefined;
}

export function resolvePrompt(flow: Flow, ref: PromptRef, context: PromptContext): SpokenPrompt {
  const prompt: Prompt | undefined = typeof ref === 'string' ? flow.messages[ref] : ref;
  // The validator guarantees named messages exist; an empty text still beats throwing mid-call.
  if (!prompt) return { kind: 'text', text: '', voice: flow.voices[flow.defaultLanguage] ?? '', language: flow.defaultLanguage };
  const fallback = flow.defaultLanguage;
  switch (prompt.kind) {
    case 'audio':
      return { kind: 'file', url: pick(prompt.audioUrl, context.language, fallback).text };
    case 'ssml': {
      const chosen = pick(prompt.ssml, context.language, fallback);
      return { kind: 'ssml', ssml: fillIn(flow, chosen.text, context, chosen.language, escapeXml), language: chosen.language };
    }
    case 'text': {
      const chosen = pick(prompt.text, context.language, fallback);
      const voice = prompt.voice === undefined ? flow.voices[chosen.language] : pick(prompt.voice, chosen.language, fallback).text;
      return {
        kind: 'text',
        text: fillIn(flow, chosen.text, context, chosen.language, (s) => s),
        voice: voice ?? flow.voices[fallback] ?? '',
        language: chosen.language,
      };
    }
    default:
      throw new Error(`Unknown prompt ${JSON.stringify(prompt satisfies never)}`);
  }
}
