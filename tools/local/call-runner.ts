// Owns playing a call script against a running local stack: the caller's moves, and checking what the caller hears.
// `npm run call` and the end-to-end tests run scripts through this same code.
import { TableClient } from '@azure/data-tables';
import { CallStore } from '../../src/adapters/tables/call-store';
import type { CallHandle, DialOptions, TimelineEntry } from '../acs-emulator/index.js';
import type { CallScript, CallStep } from './call-script';
import { DEFAULT_CALLER, HOTLINE_NUMBER, OUTBOUND_ROUTE } from './constants';
import type { LocalStack } from './local-stack';

export { DEFAULT_CALLER };

export interface RunOptions {
  /** Extra dial options (redelivery, failing transfers) for tests. */
  readonly dial?: Partial<Omit<DialOptions, 'from' | 'to'>>;
}

export type RunResult =
  | { readonly ok: true; readonly call: CallHandle | undefined }
  | { readonly ok: false; readonly call: CallHandle | undefined; readonly line: number; readonly message: string };

/** A step that did not go as the script said. */
class StepFailed extends Error {}

/** Plays `script` and stops at the first step that does not go as written; the call is hung up if still live. */
export async function runCallScript(stack: LocalStack, script: CallScript, options: RunOptions = {}): Promise<RunResult> {
  let call: CallHandle | undefined;
  // Room for a silence timeout of up to a minute (emulated) between two prompts, plus slack for a busy machine.
  const waitMs = 60_000 * stack.timeScale + 30_000;
  let heardCount = 0;
  let reminder: { readonly id: string; readonly to: string } | undefined;
  for (const scripted of script.steps) {
    try {
      const step = scripted.step;
      if (step.kind === 'dial') {
        if (call !== undefined) throw new StepFailed('one call a script: dial only once');
        const at = step.at ?? options.dial?.at;
        call = await stack.emulator.caller.dial({ ...options.dial, from: step.from ?? DEFAULT_CALLER, to: HOTLINE_NUMBER, ...(at === undefined ? {} : { at }) });
        continue;
      }
      if (step.kind === 'remind') {
        reminder = { id: await requestReminder(stack.host.url, step), to: step.to };
        continue;
      }
      if (step.kind === 'answer' || step.kind === 'decline' || step.kind === 'noAnswer' || step.kind === 'expectRequest') {
        if (reminder === undefined) throw new StepFailed('no reminder: the script must remind first');
        if (step.kind === 'expectRequest') {
          const outcome = await requestOutcome(stack.host.url, reminder.id, waitMs);
          if (outcome !== step.outcome) throw new StepFailed(`expected the reminder to end ${step.outcome}, it ended ${outcome}`);
          continue;
        }
        const ringing = await stack.emulator.caller.nextRinging({ to: reminder.to, timeoutMs: waitMs }).catch(() => undefined);
        if (ringing === undefined) throw new StepFailed(`the phone did not ring within ${seconds(waitMs)}`);
        if (step.kind === 'answer') {
          ringing.answer();
          call = ringing;
          heardCount = 0;
        } else if (step.kind === 'decline') ringing.decline();
        else await ringing.waitForEnd({ timeoutMs: waitMs });
        continue;
      }
      if (call === undefined) throw new StepFailed(reminder ? 'no call: answer the phone first' : 'no call: the script must dial first');
      if (await play(stack, call, step, heardCount, waitMs)) heardCount += 1;
    } catch (error) {
      call?.hangUp();
      if (!(error instanceof StepFailed)) throw error;
      return { ok: false, call, line: scripted.line, message: error.message };
    }
  }
  if (call === undefined && reminder === undefined) throw new Error(`${script.name}: no steps`);
  call?.hangUp();
  return { ok: true, call };
}

/** Performs one step; true when it heard a prompt (an `expect`). */
type CallPartStep = Exclude<CallStep, { kind: 'dial' | 'remind' | 'answer' | 'decline' | 'noAnswer' | 'expectRequest' }>;

async function play(stack: LocalStack, call: CallHandle, step: CallPartStep, heardCount: number, waitMs: number): Promise<boolean> {
  switch (step.kind) {
    case 'press':
    case 'say':
    case 'mumble':
    case 'silence':
    case 'hangup':
      await performCallerStep(call, step);
      return false;
    case 'expect': {
      const next = await waitForCall(call, waitMs, () => {
        const prompt = call.prompts[heardCount];
        if (prompt !== undefined) return { heard: prompt.text };
        return call.ended && { ended: call.ended.kind };
      });
      if (next === undefined) throw new StepFailed(`heard nothing within ${seconds(waitMs)} (expected "${step.text}")`);
      if ('ended' in next) throw new StepFailed(`the call ended (${next.ended}) before a prompt containing "${step.text}"`);
      if (!comparable(next.heard).includes(comparable(step.text))) {
        throw new StepFailed(`expected a prompt containing "${step.text}", heard "${next.heard}"`);
      }
      return true;
    }
    case 'expectEnd': {
      const end = await waitForCall(call, waitMs, () => call.ended);
      if (end === undefined) throw new StepFailed(`the call did not end within ${seconds(waitMs)} (expected ${step.end})`);
      if (end.kind !== step.end) throw new StepFailed(`expected the call to end ${step.end}, it ended ${end.kind}`);
      return false;
    }
    case 'expectOutcome': {
      const outcome = await savedOutcome(stack, call, waitMs);
      if (outcome !== step.outcome) throw new StepFailed(`expected the saved outcome ${step.outcome}, found ${outcome}`);
      return false;
    }
  }
}

type CallerStep = Extract<CallStep, { kind: 'press' | 'say' | 'mumble' | 'silence' | 'hangup' }>;

/** The caller's own moves, shared with the terminal phone. */
export async function performCallerStep(call: CallHandle, step: CallerStep): Promise<void> {
  switch (step.kind) {
    case 'press':
      return call.press(step.keys);
    case 'say':
      return call.say(step.text, step.options);
    case 'mumble':
      return call.mumble();
    case 'silence':
      return call.silence();
    case 'hangup':
      return call.hangUp();
  }
}

/** POST /api/outbound-calls as a clinic's system would; returns the request id. */
export async function requestReminder(hostUrl: string, step: Extract<CallStep, { kind: 'remind' }>): Promise<string> {
  const response = await fetch(`${hostUrl}/api/${OUTBOUND_ROUTE}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ to: step.to, campaign: 'appointmentReminder', variables: { time: step.time }, ...(step.language ? { language: step.language } : {}) }),
  });
  const body = (await response.json()) as { id?: string; problems?: string[]; error?: string };
  if (response.status !== 202 || body.id === undefined) {
    throw new StepFailed(`the hotline refused the reminder (HTTP ${response.status}): ${(body.problems ?? [body.error ?? '']).join('; ')}`);
  }
  return body.id;
}

/** Polls GET /api/outbound-calls/{id} until the request has ended; its outcome, or why there is none. */
async function requestOutcome(hostUrl: string, id: string, waitMs: number): Promise<string> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const status = (await (await fetch(`${hostUrl}/api/${OUTBOUND_ROUTE}/${id}`)).json()) as { status?: string; outcome?: string };
    if (status.status === 'completed' || status.status === 'failed') return status.outcome ?? 'none';
    if (Date.now() > deadline) return `not ended (status ${status.status ?? 'unknown'})`;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The outcome in the call's state row, read once the app has answered the CallDisconnected callback. */
async function savedOutcome(stack: LocalStack, call: CallHandle, waitMs: number): Promise<string> {
  const isDisconnect = (entry: TimelineEntry) => entry.kind === 'callback' && entry.details['type'] === 'CallDisconnected';
  const delivered = await waitForCall(call, waitMs, () => call.timeline.find(isDisconnect));
  if (delivered === undefined) throw new StepFailed(`the app was not told the call ended within ${seconds(waitMs)}`);
  if (delivered.details['status'] !== 200) throw new StepFailed(`the app answered CallDisconnected with HTTP ${String(delivered.details['status'])}`);
  const connectionString = stack.settings['TABLES_CONNECTION_STRING'] ?? '';
  const table = TableClient.fromConnectionString(connectionString, stack.settings['CALL_STATE_TABLE_NAME'] ?? '', { allowInsecureConnection: true });
  const stored = await new CallStore(table).load(call.callConnectionId ?? '');
  if (stored === undefined) return 'no state row';
  return stored.state.phase.name === 'ended' ? stored.state.phase.outcome : `not ended (phase ${stored.state.phase.name})`;
}

/** Resolves with the first value `found` gives, checked now and after every timeline entry; undefined after `ms`. */
function waitForCall<T>(call: CallHandle, ms: number, found: () => T | undefined): Promise<T | undefined> {
  const now = found();
  if (now !== undefined) return Promise.resolve(now);
  return new Promise((resolve) => {
    const finish = (value: T | undefined) => {
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    };
    const timer = setTimeout(() => finish(undefined), ms);
    const unsubscribe = call.subscribe(() => {
      const value = found();
      if (value !== undefined) finish(value);
    });
  });
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Case and kinds of space aside: dates and times spoken from locale data carry narrow no-break spaces a script cannot type. */
const comparable = (text: string) => text.toLowerCase().replace(/\s+/g, ' ');
