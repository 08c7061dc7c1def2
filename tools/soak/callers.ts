// Owns the soak's callers: each dials the hotline, answers whatever it is asked (reprompts included), and hangs up
// or waits for the hotline to end the call, as its scenario says.
import type { AcsEmulator, CallEnd } from '../acs-emulator/index.js';
import { HOTLINE_NUMBER } from '../local/local-stack';

export type Scenario = 'account' | 'support' | 'operator' | 'hours';
export const SCENARIOS: readonly Scenario[] = ['account', 'support', 'operator', 'hours'];

/** How each scenario should end when nothing goes wrong: the emulator's end kind and the app's recorded outcome. */
export const SCRIPTED_END: Readonly<Record<Scenario, { kind: CallEnd['kind']; outcome: string }>> = {
  account: { kind: 'hungUpByApp', outcome: 'completed' },
  support: { kind: 'hungUpByApp', outcome: 'completed' },
  operator: { kind: 'transferred', outcome: 'transferred' },
  hours: { kind: 'callerHungUp', outcome: 'abandoned' },
};

export const ACCOUNT_NUMBER = '1234';

/** No caller waits longer than this for the next prompt (or the end): past it, the call counts as stuck. */
export const PROMPT_WAIT_MS = 60_000;

/**
 * When the soak's calls take place: a Monday, 10:00 in New York, inside the default hotline's office hours. The flow
 * reads its schedule at each event's time, so without this the operator scenario would depend on when the soak runs
 * (outside office hours it hears "our operators are away" and goes back to the menu, never transferred).
 */
export const SCENARIOS_AT = '2026-12-21T10:00:00-05:00';

/**
 * Far more prompts than any scenario hears, reprompts and apologies after faults included. A caller whose answers keep
 * leading back to the same menus (a script that no longer fits the flow) stops here and counts as stuck, so the soak
 * ends with a finding instead of running for ever: every prompt resets the minute of silence, so nothing else would.
 */
export const MAX_PROMPTS = 40;

export interface CallerResult {
  readonly scenario: Scenario;
  readonly callId: string;
  readonly callConnectionId: string | undefined;
  readonly end: CallEnd | undefined;
  /** Why the call is stuck, if it is: the hotline went silent for PROMPT_WAIT_MS, or it heard MAX_PROMPTS prompts. */
  readonly stuck: string | undefined;
  readonly promptsHeard: number;
}

type Next = { kind: 'prompt'; text: string } | { kind: 'ended'; end: CallEnd } | { kind: 'silent' };

export async function runCaller(emulator: AcsEmulator, scenario: Scenario, from: string, duplicateIncomingCall: boolean): Promise<CallerResult> {
  const handle = await emulator.caller.dial({ from, to: HOTLINE_NUMBER, duplicateDelivery: duplicateIncomingCall ? 1 : 0 });
  let heard = 0;
  let hoursHeard = false;
  let hungUp = false;
  const result = (end: CallEnd | undefined, stuck: string | undefined): CallerResult => ({
    scenario,
    callId: handle.callId,
    callConnectionId: handle.callConnectionId,
    end,
    stuck,
    promptsHeard: heard,
  });
  for (;;) {
    // Whichever comes first: the next prompt, the end of the call, or a minute of silence.
    const next = await Promise.race<Next>([
      handle.nextPrompt({ timeoutMs: PROMPT_WAIT_MS }).then(
        (prompt) => ({ kind: 'prompt', text: prompt.text }),
        () => ({ kind: 'silent' }),
      ),
      handle.waitForEnd({ timeoutMs: PROMPT_WAIT_MS }).then(
        (end) => ({ kind: 'ended', end }),
        () => ({ kind: 'silent' }),
      ),
    ]);
    if (next.kind === 'ended') return result(next.end, undefined);
    if (next.kind === 'silent') {
      const waited = `waited over a minute for ${hungUp ? 'the end of the call' : heard === 0 ? 'the first prompt' : 'the next prompt'}`;
      // As a person would. Left on the line, the call went on in the app (a watchdog's apology, its goodbye) while the
      // soak judged the table, and events applied after the table was read looked lost.
      handle.hangUp();
      return result(handle.ended, waited);
    }
    heard += 1;
    if (heard >= MAX_PROMPTS) {
      handle.hangUp();
      return result(handle.ended, `heard ${heard} prompts without reaching an end, the last: "${next.text}"`);
    }
    const text = next.text;
    if (/Welcome to Contoso/.test(text)) {
      if (scenario === 'account') await handle.press('2');
      else if (scenario === 'support') handle.say('support');
      else if (scenario === 'operator') handle.say('operator');
      else if (!hoursHeard) await handle.press('1');
      else {
        hungUp = true;
        handle.hangUp();
      }
    } else if (/enter your account number/.test(text)) await handle.press(`${ACCOUNT_NUMBER}#`);
    else if (/You entered/.test(text)) handle.say('yes');
    else if (/describe your problem/.test(text)) handle.say('the app crashes when I log in', { sentiment: 'neutral' });
    else if (/We are open Monday/.test(text)) hoursHeard = true;
  }
}
