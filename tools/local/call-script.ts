// Owns the call-script language: one step a line (`press 2`, `say yes --lang es-ES`, `expect "Welcome"`), validated with zod.
// The terminal phone (`npm start`) reads the same steps a person types, so a session can be pasted into a script.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { CallOutcome } from '../../src/domain/call-state';
import { E164 } from '../../src/config';
import { LANGUAGE_TAG, OUTBOUND_OUTCOMES, SENTIMENTS, TONE_KEYS } from '../../src/flow/flow-schema';
import type { CallEnd, SayOptions } from '../acs-emulator/index.js';

export type CallStep =
  /** `at`: the call happens at this time (ISO 8601 with an offset), as far as the hotline's clock-reading is concerned. */
  | { readonly kind: 'dial'; readonly from: string | undefined; readonly at?: string }
  /** Asks the hotline (POST /api/outbound-calls) for the appointment reminder to this number. */
  | { readonly kind: 'remind'; readonly to: string; readonly time: string; readonly language: string | undefined }
  /** The callee's phone: pick up, refuse, or let it ring until the ring window closes. */
  | { readonly kind: 'answer' }
  | { readonly kind: 'decline' }
  | { readonly kind: 'noAnswer' }
  /** The outcome of the reminder request once it has ended (confirmed, cancelled, noAnswer, ...). */
  | { readonly kind: 'expectRequest'; readonly outcome: string }
  | { readonly kind: 'press'; readonly keys: string }
  | { readonly kind: 'say'; readonly text: string; readonly options: SayOptions }
  | { readonly kind: 'mumble' }
  | { readonly kind: 'silence' }
  | { readonly kind: 'hangup' }
  /** The next prompt the caller hears contains this text (case-insensitive). */
  | { readonly kind: 'expect'; readonly text: string }
  | { readonly kind: 'expectEnd'; readonly end: CallEnd['kind'] }
  /** The outcome the app saved in the call's state row once the call ended. */
  | { readonly kind: 'expectOutcome'; readonly outcome: CallOutcome };

export interface ScriptStep {
  readonly line: number;
  readonly source: string;
  readonly step: CallStep;
}

export interface CallScript {
  readonly name: string;
  readonly steps: readonly ScriptStep[];
}

/** A step or script that cannot run; the message is one line naming the script and line. */
export class CallScriptError extends Error {
  override readonly name = 'CallScriptError';
}

const END_KINDS = ['hungUpByApp', 'transferred', 'callerHungUp', 'missed', 'notConnected'] as const satisfies ReadonlyArray<CallEnd['kind']>;
/** The reminder's results and the ways an outbound attempt ends without one (OUTBOUND_OUTCOMES). */
const REQUEST_OUTCOMES = ['confirmed', 'cancelled', ...OUTBOUND_OUTCOMES] as const;
const OUTCOMES = ['completed', 'transferred', 'abandoned', 'failed'] as const satisfies readonly CallOutcome[];
const isKeys = (keys: string) => keys.length > 0 && [...keys.toUpperCase()].every((key) => (TONE_KEYS as readonly string[]).includes(key));

/** A line split into its words and its --flags, before each step's schema checks them. */
interface RawStep {
  readonly args: readonly string[];
  readonly flags: Readonly<Record<string, string | undefined>>;
}

const noFlags = z.strictObject({}, { error: (issue) => `takes no option ${describeKeys(issue)}`.trim() });
const oneOf = <const T extends readonly [string, ...string[]]>(what: string, values: T) =>
  z
    .array(z.string())
    .length(1, `needs exactly one ${what} (${values.join(', ')})`)
    .transform((words) => words[0])
    .pipe(z.enum(values, { error: `must be one of ${values.join(', ')}` }));
const noWords = z.array(z.string()).max(0, 'takes no arguments');
const someText = (what: string) => z.array(z.string()).min(1, `needs ${what}`).transform((words) => words.join(' '));

/** The flow's own rule for a language tag: a script may say anything the hotline could be configured to hear. */
const langFlag = z.string().regex(LANGUAGE_TAG, '--lang must be a language tag such as es-ES').optional();
const e164 = z.string().regex(E164, 'the number must be E.164, such as +14255550123');

const STEPS = {
  dial: z
    .object({
      args: z.array(z.string().regex(E164, 'the caller number must be E.164, such as +14255550123')).max(1, 'takes at most one caller number'),
      flags: z.strictObject(
        {
          at: z
            .string()
            .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/, '--at must be a time with an offset, such as 2026-12-25T10:00+01:00')
            .refine((at) => !Number.isNaN(Date.parse(at)), '--at must be a time with an offset, such as 2026-12-25T10:00+01:00')
            .optional(),
        },
        { error: (issue) => `takes only --at ${describeKeys(issue)}`.trim() },
      ),
    })
    .transform(({ args, flags }): CallStep => ({ kind: 'dial', from: args[0], ...(flags.at === undefined ? {} : { at: flags.at }) })),
  press: z
    .object({ args: someText('keys to press, such as 2 or 1234#'), flags: noFlags })
    .transform(({ args }) => args.replace(/\s+/g, ''))
    .refine(isKeys, 'keys are 0-9, *, # and A-D')
    .transform((keys): CallStep => ({ kind: 'press', keys })),
  say: z
    .object({
      args: someText('what the caller says'),
      flags: z.strictObject(
        {
          lang: langFlag,
          sentiment: z.enum(SENTIMENTS, { error: `--sentiment must be one of ${SENTIMENTS.join(', ')}` }).optional(),
          confidence: z.coerce
            .number({ error: '--confidence must be a number from 0 to 1' })
            .min(0, '--confidence must be a number from 0 to 1')
            .max(1, '--confidence must be a number from 0 to 1')
            .optional(),
        },
        { error: (issue) => `takes only --lang, --sentiment and --confidence ${describeKeys(issue)}`.trim() },
      ),
    })
    .transform(
      ({ args, flags }): CallStep => ({
        kind: 'say',
        text: args,
        options: {
          ...(flags.lang === undefined ? {} : { language: flags.lang }),
          ...(flags.sentiment === undefined ? {} : { sentiment: flags.sentiment }),
          ...(flags.confidence === undefined ? {} : { confidence: flags.confidence }),
        },
      }),
    ),
  remind: z
    .object({
      args: z.array(e164).length(1, 'needs the number to call, such as +14255550123'),
      flags: z.strictObject(
        {
          time: z.string().min(1, '--time needs the appointment time, such as "2 PM"').optional(),
          lang: langFlag,
        },
        { error: (issue) => `takes only --time and --lang ${describeKeys(issue)}`.trim() },
      ),
    })
    .transform(({ args, flags }): CallStep => ({ kind: 'remind', to: args[0] ?? '', time: flags.time ?? '2 PM', language: flags.lang })),
  answer: z.object({ args: noWords, flags: noFlags }).transform((): CallStep => ({ kind: 'answer' })),
  decline: z.object({ args: noWords, flags: noFlags }).transform((): CallStep => ({ kind: 'decline' })),
  'no-answer': z.object({ args: noWords, flags: noFlags }).transform((): CallStep => ({ kind: 'noAnswer' })),
  'expect-request': z
    .object({ args: oneOf('request outcome', REQUEST_OUTCOMES), flags: noFlags })
    .transform(({ args }): CallStep => ({ kind: 'expectRequest', outcome: args })),
  mumble: z.object({ args: noWords, flags: noFlags }).transform((): CallStep => ({ kind: 'mumble' })),
  silence: z.object({ args: noWords, flags: noFlags }).transform((): CallStep => ({ kind: 'silence' })),
  hangup: z.object({ args: noWords, flags: noFlags }).transform((): CallStep => ({ kind: 'hangup' })),
  expect: z
    .object({ args: someText('the text of the prompt, such as "Welcome to Contoso"'), flags: noFlags })
    .transform(({ args }): CallStep => ({ kind: 'expect', text: args })),
  'expect-end': z
    .object({ args: oneOf('way the call ends', END_KINDS), flags: noFlags })
    .transform(({ args }): CallStep => ({ kind: 'expectEnd', end: args })),
  'expect-outcome': z
    .object({ args: oneOf('outcome', OUTCOMES), flags: noFlags })
    .transform(({ args }): CallStep => ({ kind: 'expectOutcome', outcome: args })),
} satisfies Record<string, z.ZodType<CallStep>>;

type StepName = keyof typeof STEPS;
const STEP_NAMES = Object.keys(STEPS) as StepName[];

function describeKeys(issue: { code?: string; keys?: readonly string[] }): string {
  return issue.code === 'unrecognized_keys' && issue.keys ? `(got --${issue.keys.join(', --')})` : '';
}

/** Words of a line; "double" or 'single' quotes keep spaces together. */
function words(line: string): string[] {
  const found: string[] = [];
  for (const match of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    const bare = match[3];
    if (bare !== undefined && /^["']/.test(bare)) throw new CallScriptError(`unterminated quote in ${bare}`);
    found.push(match[1] ?? match[2] ?? bare ?? '');
  }
  return found;
}

/** Parses one step (`press 1234#`); throws CallScriptError with a one-line message. */
export function parseStep(line: string): CallStep {
  const [name, ...rest] = words(line);
  if (name === undefined) throw new CallScriptError('empty step');
  if (!Object.hasOwn(STEPS, name)) throw new CallScriptError(`unknown step "${name}" (steps: ${STEP_NAMES.join(', ')})`);
  const schema: z.ZodType<CallStep> = STEPS[name as StepName];
  let raw: RawStep;
  try {
    const parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { lang: { type: 'string' }, sentiment: { type: 'string' }, confidence: { type: 'string' }, at: { type: 'string' }, time: { type: 'string' } },
    });
    raw = { args: parsed.positionals, flags: parsed.values };
  } catch (error) {
    throw new CallScriptError(`${name}: ${(error instanceof Error ? error.message : String(error)).split('.')[0] ?? ''}`);
  }
  const result = schema.safeParse(raw);
  if (!result.success) throw new CallScriptError(`${name}: ${result.error.issues[0]?.message ?? 'invalid'}`);
  return result.data;
}

/** Parses a whole script: one step a line, blank lines and lines starting with # ignored, one dial first. */
export function parseScript(text: string, name: string): CallScript {
  const steps: ScriptStep[] = [];
  // Every mistake of the script at once, one line each, in line order, so one edit fixes them all.
  const problems: Array<{ line: number; message: string }> = [];
  let firstLine: number | undefined;
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const source = raw.trim();
    if (source === '' || source.startsWith('#')) continue;
    const line = index + 1;
    firstLine ??= line;
    try {
      const step = parseStep(source);
      const starts = step.kind === 'dial' || step.kind === 'remind';
      if (line === firstLine && !starts) problems.push({ line, message: 'a call script starts with dial (or remind, for a reminder call)' });
      else if (line !== firstLine && starts) problems.push({ line, message: 'one call a script: dial or remind only once, first' });
      steps.push({ line, source, step });
    } catch (error) {
      if (!(error instanceof CallScriptError)) throw error;
      problems.push({ line, message: error.message });
    }
  }
  const first = steps[0];
  if (first?.step.kind === 'dial' && first.line === firstLine) {
    for (const phone of steps.filter((step) => ['answer', 'decline', 'noAnswer', 'expectRequest'].includes(step.step.kind))) {
      problems.push({ line: phone.line, message: `${phone.source.split(/\s+/)[0] ?? ''} is for a reminder call: start the script with remind` });
    }
  }
  if (firstLine === undefined) problems.push({ line: 1, message: 'a call script starts with dial (or remind, for a reminder call)' });
  if (problems.length > 0) throw new CallScriptError(problems.sort((a, b) => a.line - b.line).map(({ line, message }) => `${name}:${line}: ${message}`).join('\n'));
  return { name, steps };
}
