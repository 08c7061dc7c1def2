// The soak's scripted callers against the default hotline: they end as scripted at the soak's time, and a script that
// goes round the menus for ever (the operator outside office hours) stops as a stuck call instead of stalling the soak.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PROMPTS, runCaller, SCENARIOS, SCENARIOS_AT, SCRIPTED_END } from '../../tools/soak/callers';
import { startTestStack, type TestStack } from '../support/stack';

/** The same Monday as SCENARIOS_AT, 20:00 in New York: the office is closed, so the operator is never reached. */
const AFTER_HOURS_AT = '2026-12-21T20:00:00-05:00';

describe('the soak\'s callers at the soak\'s time', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ emulator: { callsAt: SCENARIOS_AT } });
  });
  afterAll(async () => stack?.stop());

  it('every scenario ends as scripted, whatever the time of day the soak runs', async () => {
    const results = await Promise.all(SCENARIOS.map((scenario, index) => runCaller(stack.emulator, scenario, `+142555510${index}0`, false)));
    expect(results.map((result) => ({ scenario: result.scenario, end: result.end?.kind, stuck: result.stuck }))).toEqual(
      SCENARIOS.map((scenario) => ({ scenario, end: SCRIPTED_END[scenario].kind, stuck: undefined })),
    );
  });
});

describe('a caller whose script no longer fits the flow', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ emulator: { callsAt: AFTER_HOURS_AT } });
  });
  afterAll(async () => stack?.stop());

  it('stops after MAX_PROMPTS prompts as a stuck call and hangs up, rather than asking for the operator for ever', async () => {
    const result = await runCaller(stack.emulator, 'operator', '+14255551200', false);

    expect(result.promptsHeard).toBe(MAX_PROMPTS);
    expect(result.stuck).toMatch(new RegExp(`^heard ${MAX_PROMPTS} prompts without reaching an end`));
    const handle = stack.emulator.caller.calls.find((call) => call.callId === result.callId);
    expect(await handle?.waitForEnd()).toMatchObject({ kind: 'callerHungUp' });
  });
});
