// CallActions on a fake ACS: given what ACS answers each request, when a transition's actions run, then what was asked
// of ACS, what was waited, what was told, and what is handed back.
import { describe, expect, it } from 'vitest';
import { CallActions, THROTTLE_PAUSE_MS } from '../../src/app/call-actions';
import type { ActionResult, CallControl, ConnectionState, Log, Telemetry, Timers } from '../../src/app/ports';
import type { CallAction } from '../../src/domain/call-action';
import { freshCall } from '../support/calls';

const play: CallAction = { type: 'play', operationContext: 'play:1', prompts: [] };
const transfer: CallAction = { type: 'transferToOperator', operationContext: 'transfer:1' };
const hangUp: CallAction = { type: 'hangUp' };

const done: ActionResult = { kind: 'done' };
const failedWith = (statusCode: number | undefined): ActionResult => ({ kind: 'failed', statusCode, code: statusCode === undefined ? undefined : String(statusCode), error: 'RestError' });
const throttled: ActionResult = { kind: 'throttled', statusCode: 429, code: '429', error: 'RestError: Too many requests.' };
const gone: ActionResult = { kind: 'callGone', subCode: 8522, statusCode: 404, code: '8522', error: 'RestError: Call not found.' };

/** A fake ACS answering each action's requests in turn from `answers`, and a connection state from `states`. */
function given(answers: Partial<Record<CallAction['type'], ActionResult[]>>, states: ConnectionState[] = []) {
  const asked: string[] = [];
  const waited: number[] = [];
  const events: Array<{ name: string; properties: Readonly<Record<string, string>> }> = [];
  const lines: Array<{ level: keyof Log; message: string; properties?: Readonly<Record<string, unknown>> }> = [];
  const calls: CallControl = {
    answer: () => Promise.reject(new Error('not in these tests')),
    execute: (callConnectionId, callerRawId, action) => {
      asked.push(`${action.type} ${callConnectionId} ${callerRawId}`);
      return Promise.resolve(answers[action.type]?.shift() ?? done);
    },
    connectionState: (callConnectionId) => {
      asked.push(`state ${callConnectionId}`);
      return Promise.resolve(states.shift() ?? 'unknown');
    },
  };
  const timers: Timers = {
    sleep: (ms) => {
      waited.push(ms);
      return Promise.resolve();
    },
    untilElapsed: () => Promise.resolve(),
    random: () => 0.5,
  };
  const telemetry: Telemetry = { trackEvent: (name, properties) => void events.push({ name, properties }) };
  const log: Log = {
    info: (message, properties) => void lines.push({ level: 'info', message, ...(properties ? { properties } : {}) }),
    warn: (message, properties) => void lines.push({ level: 'warn', message, ...(properties ? { properties } : {}) }),
    error: (message, properties) => void lines.push({ level: 'error', message, ...(properties ? { properties } : {}) }),
  };
  const actions = new CallActions({
    calls,
    callers: { pseudonym: () => 'pseudo', seal: () => 'sealed', unseal: () => '4:+14255550123' },
    telemetry,
    clock: { now: () => new Date('2026-11-23T15:00:00Z') },
    timers,
  });
  const state = { ...freshCall(), sequence: 3, flowVersion: 'f5da8b8dadf0e5a2' };
  const when = (...transition: CallAction[]) => actions.run({ state, etag: 'etag' }, transition, log);
  return { when, asked, waited, events, lines };
}

describe('CallActions', () => {
  it('runs every action in order for the unsealed caller and tells nothing when ACS takes them all', async () => {
    const t = given({});
    await expect(t.when(play, hangUp)).resolves.toBeUndefined();
    expect(t.asked).toEqual(['play call-1 4:+14255550123', 'hangUp call-1 4:+14255550123']);
    expect(t.events).toEqual([]);
  });

  it('asks ACS nothing more about a transfer it took at once', async () => {
    const t = given({}, ['connected']);
    await expect(t.when(transfer)).resolves.toBeUndefined();
    expect(t.asked).toEqual(['transferToOperator call-1 4:+14255550123']);
  });

  it('tries a throttled action again after 1 s and then 2 s, and goes on once ACS takes it', async () => {
    const t = given({ play: [throttled, throttled, done] });
    await expect(t.when(play, hangUp)).resolves.toBeUndefined();
    expect(t.waited).toEqual([THROTTLE_PAUSE_MS, 2 * THROTTLE_PAUSE_MS]);
    expect(t.asked.filter((request) => request.startsWith('play'))).toHaveLength(3);
    expect(t.events).toEqual([]);
  });

  it('gives up on an action throttled four times, tells ActionFailed and runs none of the actions after it', async () => {
    const t = given({ play: [throttled, throttled, throttled, throttled, done] });
    await expect(t.when(play, hangUp)).resolves.toBeUndefined();
    expect(t.waited).toEqual([1_000, 2_000, 4_000]);
    expect(t.asked).toEqual(Array.from({ length: 4 }, () => 'play call-1 4:+14255550123'));
    expect(t.events).toEqual([
      { name: 'ActionFailed', properties: { callConnectionId: 'call-1', action: 'play', statusCode: '429', code: '429', flowVersion: 'f5da8b8dadf0e5a2' } },
    ]);
    expect(t.lines).toEqual([
      { level: 'error', message: 'ACS action failed', properties: { callConnectionId: 'call-1', action: 'play', status: 429, code: '429', error: 'RestError: Too many requests.' } },
    ]);
  });

  it('hands back a disconnect named by the sequence and the action when ACS no longer knows the call', async () => {
    const t = given({ play: [gone] });
    await expect(t.when(play, hangUp)).resolves.toEqual({
      id: 'gone-3-play',
      event: { type: 'callDisconnected', at: '2026-11-23T15:00:00.000Z', subCode: 8522 },
    });
    expect(t.asked).toEqual(['play call-1 4:+14255550123']);
    expect(t.lines).toEqual([
      { level: 'warn', message: 'call already gone', properties: { callConnectionId: 'call-1', action: 'play', status: 404, code: '8522', error: 'RestError: Call not found.' } },
    ]);
  });

  it('does not ask ACS for the call when a failed action is not a transfer, or a transfer was refused (4xx)', async () => {
    const t = given({ play: [failedWith(500)], transferToOperator: [failedWith(409)] });
    await t.when(play);
    await t.when(transfer);
    expect(t.asked.filter((request) => request.startsWith('state'))).toEqual([]);
    expect(t.events.map(({ properties }) => `${properties['action']} ${properties['statusCode']}`)).toEqual(['play 500', 'transferToOperator 409']);
  });

  it.each([
    ['a 5xx', failedWith(503)],
    ['no answer (a timeout or a reset)', failedWith(undefined)],
  ])('asks a transfer once more after %s when ACS says the call is still connected', async (_, failure) => {
    const t = given({ transferToOperator: [failure, done] }, ['connected']);
    await expect(t.when(transfer)).resolves.toBeUndefined();
    expect(t.asked).toEqual(['transferToOperator call-1 4:+14255550123', 'state call-1', 'transferToOperator call-1 4:+14255550123']);
    expect(t.events).toEqual([]);
    expect(t.lines).toEqual([{ level: 'warn', message: 'transfer request failed before ACS started it: asking again', properties: { callConnectionId: 'call-1' } }]);
  });

  it('asks only once more: a second transfer in doubt is ActionFailed, the watchdog has the call', async () => {
    const t = given({ transferToOperator: [failedWith(500), failedWith(500)] }, ['connected', 'connected']);
    await t.when(transfer);
    expect(t.asked).toEqual(['transferToOperator call-1 4:+14255550123', 'state call-1', 'transferToOperator call-1 4:+14255550123']);
    expect(t.events.map((event) => event.name)).toEqual(['ActionFailed']);
  });

  it.each(['transferring', 'gone'] as const)('does not ask a transfer twice when ACS says the call is %s', async (state) => {
    const t = given({ transferToOperator: [failedWith(500)] }, [state]);
    await expect(t.when(transfer, hangUp)).resolves.toBeUndefined();
    expect(t.asked).toEqual(['transferToOperator call-1 4:+14255550123', 'state call-1', 'hangUp call-1 4:+14255550123']);
    expect(t.events).toEqual([]);
    expect(t.lines).toEqual([{ level: 'warn', message: 'transfer request failed, but ACS says the call is transferring or over', properties: { callConnectionId: 'call-1', state } }]);
  });

  it('leaves a transfer in doubt to the watchdog when ACS cannot say what became of the call', async () => {
    const t = given({ transferToOperator: [failedWith(500)] }, ['unknown']);
    await t.when(transfer);
    expect(t.asked).toEqual(['transferToOperator call-1 4:+14255550123', 'state call-1']);
    expect(t.events.map(({ name, properties }) => `${name} ${properties['statusCode']}`)).toEqual(['ActionFailed 500']);
  });
});
