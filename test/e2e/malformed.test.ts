// Bad callback bodies: each a 400 with a JSON error, nothing written, nothing sent to ACS; unknown event types
// 200 and ignored. Posted with valid tokens, through the local host, beside a live call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudEvent, startTestStack, type TestStack } from '../support/stack';

let s: TestStack;
let live: { callConnectionId: string; correlationId: string };
beforeAll(async () => {
  s = await startTestStack({ timeScale: 5 });
  live = await s.dial();
});
afterAll(async () => s?.stop());

const event = (overrides: Record<string, unknown> = {}, data: Record<string, unknown> = {}) => ({
  ...cloudEvent('CallDisconnected', { callConnectionId: live.callConnectionId, correlationId: live.correlationId, resultInformation: { code: 200, subCode: 540000 }, ...data }),
  ...overrides,
});
const withoutKey = (key: string) => Object.fromEntries(Object.entries(event()).filter(([name]) => name !== key));
const dataWithout = (key: string) => ({ ...event(), data: Object.fromEntries(Object.entries(event().data as object).filter(([name]) => name !== key)) });
const json = (value: unknown) => JSON.stringify(value);

/** [what, raw body]: every one of them would end the live call if it were (partly) applied. Built per test: the call is made first. */
const MALFORMED: ReadonlyArray<readonly [string, () => string | Buffer]> = [
  ['an empty body', () => ''],
  ['plain text', () => 'not json'],
  ['an unclosed object', () => '{'],
  ['an unclosed array', () => '[{"id": "a"'],
  ['a broken array', () => '[{]'],
  ['a trailing comma', () => '[{"id": "a",}]'],
  ['single quotes', () => "[{'id': 'a'}]"],
  ['a byte-order mark before the JSON', () => `\uFEFF${json([event()])}`],
  ['bytes that are not UTF-8', () => Buffer.from([0x5b, 0xff, 0xfe, 0x5d])],
  ['JSON null', () => 'null'],
  ['JSON true', () => 'true'],
  ['a number', () => '42'],
  ['a string', () => '"Microsoft.Communication.CallDisconnected"'],
  ['an object instead of an array', () => json({})],
  ['one event not wrapped in an array', () => json(event())],
  ['an empty array', () => '[]'],
  ['an array holding null', () => '[null]'],
  ['an array holding a number', () => '[1]'],
  ['an array holding a string', () => '["event"]'],
  ['an array holding an array', () => json([[event()]])],
  ['an array holding an empty object', () => '[{}]'],
  ['an event without type', () => json([withoutKey('type')])],
  ['an event with an empty type', () => json([event({ type: '' })])],
  ['an event with a numeric type', () => json([event({ type: 7 })])],
  ['an event without id', () => json([withoutKey('id')])],
  ['an event with an empty id', () => json([event({ id: '' })])],
  ['an event with a numeric id', () => json([event({ id: 12 })])],
  ['an id with a slash (not a table key)', () => json([event({ id: 'a/b' })])],
  ['an id with a hash', () => json([event({ id: 'a#b' })])],
  ['an id with a question mark', () => json([event({ id: 'a?b' })])],
  ['an id with a backslash', () => json([event({ id: 'a\\b' })])],
  ['an id with a control character', () => json([event({ id: 'a\u0001b' })])],
  ['an id of 600 characters', () => json([event({ id: 'x'.repeat(600) })])],
  ['an id of 512 characters (its row key would pass 1 KiB)', () => json([event({ id: 'x'.repeat(512) })])],
  ['an id of 256 characters', () => json([event({ id: 'x'.repeat(256) })])],
  ['a correlationId with a slash', () => json([event({}, { correlationId: `${live.correlationId}/x` })])],
  ['a correlationId of 512 characters', () => json([event({}, { correlationId: 'c'.repeat(512) })])],
  ['an event without data', () => json([withoutKey('data')])],
  ['data that is null', () => json([event({ data: null })])],
  ['data that is a string', () => json([event({ data: 'callConnectionId' })])],
  ['data that is an array', () => json([event({ data: [live.callConnectionId] })])],
  ['data without callConnectionId', () => json([dataWithout('callConnectionId')])],
  ['an empty callConnectionId', () => json([event({}, { callConnectionId: '' })])],
  ['a numeric callConnectionId', () => json([event({}, { callConnectionId: 42 })])],
  ['a callConnectionId with a slash', () => json([event({}, { callConnectionId: `${live.callConnectionId}/x` })])],
  ['a callConnectionId with a hash', () => json([event({}, { callConnectionId: `${live.callConnectionId}#x` })])],
  ['a numeric operationContext', () => json([event({}, { operationContext: 3 })])],
  ['resultInformation that is a string', () => json([event({}, { resultInformation: 'ok' })])],
  ['a resultInformation code that is a string', () => json([event({}, { resultInformation: { code: '200', subCode: 0 } })])],
  ['a numeric correlationId', () => json([event({}, { correlationId: 5 })])],
  ['a RecognizeCompleted whose choiceResult is a string', () => json([event({ type: 'Microsoft.Communication.RecognizeCompleted' }, { choiceResult: 'operator' })])],
  ['a RecognizeCompleted with a numeric label', () => json([event({ type: 'Microsoft.Communication.RecognizeCompleted' }, { choiceResult: { label: 0 } })])],
  ['a RecognizeCompleted with tones as numbers', () => json([event({ type: 'Microsoft.Communication.RecognizeCompleted' }, { dtmfResult: { tones: [1] } })])],
  ['a time that is not a date', () => json([event({ time: 'soon' })])],
  ['101 events in one post', () => json(Array.from({ length: 101 }, () => event()))],
  ['a good event followed by a bad one', () => json([event(), { ...event(), id: '' }])],
  ['arrays nested 20,000 deep', () => `${'['.repeat(20_000)}${']'.repeat(20_000)}`],
];

describe('malformed callback bodies (R-20)', () => {
  it('the same post, unbroken, is accepted and ends a call (so each 400 below is the malformation, not the token or the route)', async () => {
    const other = await s.dial();
    const good = { ...event(), data: { ...(event().data as object), callConnectionId: other.callConnectionId, correlationId: other.correlationId } };
    const response = await fetch(s.binding.urlFor(other.correlationId), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await s.emulator.signCallbackToken()}` },
      body: json([good]),
    });
    expect(response.status).toBe(200);
    expect((await s.stateOf(other.callConnectionId))?.phase.name).toBe('ended');
  });

  it('no two cases send the same bytes', () => {
    const bodies = MALFORMED.map(([, body]) => Buffer.from(body()).toString('base64'));
    expect(new Set(bodies).size).toBe(bodies.length);
  });

  it.each(MALFORMED)('%s: 400 with a JSON error; no row written or changed; no ACS request', async (_, body) => {
    const rowsBefore = await s.rows();
    const stateBefore = await s.stateOf(live.callConnectionId);
    const requestsBefore = s.emulator.requests.length;
    const response = await fetch(s.binding.urlFor(live.correlationId), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await s.emulator.signCallbackToken()}` },
      body: body(),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ error: expect.any(String) as string });
    expect(await s.rows()).toEqual(rowsBefore);
    expect(await s.stateOf(live.callConnectionId)).toEqual(stateBefore);
    expect(s.emulator.requests.length).toBe(requestsBefore);
  });

  it('names what is wrong and where, without echoing the input', async () => {
    const reply = await s.postCallbacks([event(), event({ id: 'a/b' })]);
    expect(reply).toMatchObject({ status: 400, body: { error: 'events[1].id: has characters a table key cannot hold' } });
  });
});

describe('unknown event types (R-21)', () => {
  it.each(['Microsoft.Communication.FutureThing', 'Microsoft.Communication.callConnected', 'SomethingElse'])('%s: 200, ignored, counted, nothing written', async (type) => {
    const rowsBefore = await s.rows();
    const requestsBefore = s.emulator.requests.length;
    const reply = await s.postCallbacks([event({ type })]);
    expect(reply).toMatchObject({ status: 200, body: { outcomes: ['unknownType'] } });
    expect(await s.rows()).toEqual(rowsBefore);
    expect(s.emulator.requests.length).toBe(requestsBefore);
    expect(s.telemetry.filter((e) => e.name === 'CallbackIgnored' && e.properties['eventType'] === type.replace('Microsoft.Communication.', ''))).toHaveLength(1);
  });

  it('does not stop the known events of the same post', async () => {
    const { callConnectionId, correlationId } = await s.dial();
    const reply = await s.postCallbacks([
      cloudEvent('FutureThing', { callConnectionId, correlationId }),
      cloudEvent('CallDisconnected', { callConnectionId, correlationId, resultInformation: { code: 200, subCode: 540000 } }),
    ]);
    expect(reply).toMatchObject({ status: 200, body: { outcomes: ['unknownType', 'applied'] } });
    expect((await s.stateOf(callConnectionId))?.phase.name).toBe('ended');
    expect((await s.stateOf(live.callConnectionId))?.phase.name).toBe('awaitingInput');
  });
});
