// Callbacks are bound to their call (issue 13, items 1 and 2): ACS's token is valid for every call of the resource,
// so a token and a body taken from one call must not drive another. Posted through the local host with valid tokens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackBinding } from '../../src/adapters/acs/callback-binding';
import { cloudEvent, startTestStack, waitingContext, type TestStack } from '../support/stack';

let s: TestStack;
beforeAll(async () => {
  s = await startTestStack({ timeScale: 5 });
});
afterAll(async () => s?.stop());

const hangUp = (callConnectionId: string, correlationId: string) =>
  cloudEvent('CallDisconnected', { callConnectionId, correlationId, resultInformation: { code: 200, subCode: 540000 } });

/** Runs `post` and checks that it wrote nothing, changed no call and sent nothing to ACS. */
async function changesNothing(post: () => Promise<unknown>): Promise<void> {
  const rows = await s.rows();
  const requests = s.emulator.requests.length;
  await post();
  expect(await s.rows()).toEqual(rows);
  expect(s.emulator.requests.length).toBe(requests);
}

describe('the callback URL given to answerCall', () => {
  it('names the call and carries an HMAC of it, and every callback ACS sends goes there', async () => {
    const { callConnectionId, correlationId } = await s.dial();
    const answer = s.emulator.requests.find((request) => request.path.endsWith(':answer') && request.status === 200 && s.emulator.caller.calls.some((call) => call.callConnectionId === callConnectionId && request.rawBody.includes(call.incomingCallContext)));
    const url = new URL((answer?.body as { callbackUri: string }).callbackUri);
    expect(url.searchParams.get('call')).toBe(correlationId);
    expect(url.searchParams.get('sig')).toBe(new URL(s.binding.urlFor(correlationId)).searchParams.get('sig'));
    expect(url.searchParams.get('sig')).toMatch(/^[\w-]{43}$/);
  });
});

describe('a callback whose URL does not prove its call (item 1)', () => {
  it.each([
    ['no binding at all', () => `${s.host.url}/api/callbacks`],
    ['a signature but no call', () => `${s.host.url}/api/callbacks?sig=${new URL(s.binding.urlFor('x')).searchParams.get('sig') ?? ''}`],
    ['a signature made with another key', () => new CallbackBinding(Buffer.alloc(32, 1), `${s.host.url}/api/callbacks`).urlFor('victim')],
    ['one call named with another call’s signature', () => s.binding.urlFor('attacker').replace('call=attacker', 'call=victim')],
    ['a truncated signature', () => s.binding.urlFor('victim').slice(0, -1)],
  ])('%s: 401 with nothing written or sent', async (_, url) => {
    const { callConnectionId, correlationId } = await s.dial();
    await changesNothing(async () => {
      const reply = await s.postCallbacks([hangUp(callConnectionId, correlationId)], { url: url().replace('victim', correlationId) });
      expect(reply).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    });
    expect((await s.stateOf(callConnectionId))?.phase.name).toBe('awaitingInput');
    expect(s.telemetry.filter((event) => event.name === 'CallbackRejected' && event.properties['reason'] === 'auth').length).toBeGreaterThan(0);
  });
});

describe('a body for call B posted on call A’s URL with a valid token (item 1)', () => {
  it('naming B’s correlation id: 403 before anything is read, B goes on', async () => {
    const a = await s.dial();
    const b = await s.dial();
    await changesNothing(async () => {
      const reply = await s.postCallbacks([hangUp(b.callConnectionId, b.correlationId)], { correlationId: a.correlationId });
      expect(reply.status).toBe(403);
    });
    expect((await s.stateOf(b.callConnectionId))?.phase.name).toBe('awaitingInput');
    expect(s.telemetry).toContainEqual(expect.objectContaining({ name: 'CallbackRejected', properties: { reason: 'binding', status: '403' } }));
  });

  it('claiming A’s correlation id for B’s connection: 403, B’s row unchanged', async () => {
    const a = await s.dial();
    const b = await s.dial();
    const before = await s.stateOf(b.callConnectionId);
    await changesNothing(async () => {
      const reply = await s.postCallbacks([hangUp(b.callConnectionId, a.correlationId)], { correlationId: a.correlationId });
      expect(reply).toMatchObject({ status: 403, body: { outcomes: ['forged'] } });
    });
    expect(await s.stateOf(b.callConnectionId)).toEqual(before);
  });

  it('a batch with one event of another call applies none of it', async () => {
    const a = await s.dial();
    const b = await s.dial();
    await changesNothing(async () => {
      const reply = await s.postCallbacks([hangUp(a.callConnectionId, a.correlationId), hangUp(b.callConnectionId, b.correlationId)], { correlationId: a.correlationId });
      expect(reply.status).toBe(403);
    });
    expect((await s.stateOf(a.callConnectionId))?.phase.name).toBe('awaitingInput');
  });
});

describe('operation contexts (item 1)', () => {
  it('end in a per-call random part, so a result echoing the flow’s context is stale and starts no transfer', async () => {
    const a = await s.dial();
    const b = await s.dial();
    const contextA = waitingContext(await s.stateOf(a.callConnectionId)) ?? '';
    const contextB = waitingContext(await s.stateOf(b.callConnectionId)) ?? '';
    expect(contextA).toMatch(/^main-menu:1:1:k[0-9a-f]{16}$/);
    expect(contextB.split(':').at(-1)).not.toBe(contextA.split(':').at(-1));
    const before = s.acsRequests(a.callConnectionId).length;
    const reply = await s.postCallbacks([
      cloudEvent('RecognizeCompleted', { callConnectionId: a.callConnectionId, operationContext: 'main-menu:1:1', recognitionType: 'choices', choiceResult: { label: 'operator' }, resultInformation: { code: 200, subCode: 8545 } }),
    ]);
    expect(reply).toMatchObject({ status: 200, body: { outcomes: ['ignored'] } });
    expect(s.acsRequests(a.callConnectionId)).toHaveLength(before);
  });
});

describe('a callback that would fork an answered call (item 2)', () => {
  it('an unknown connection with the correlation id of an answered call: 403, no second row, no Recognize', async () => {
    const a = await s.dial();
    await changesNothing(async () => {
      const reply = await s.postCallbacks([cloudEvent('CallConnected', { callConnectionId: 'forked-connection', correlationId: a.correlationId })]);
      expect(reply).toMatchObject({ status: 403, body: { outcomes: ['forged'] } });
    });
    expect(await s.stateOf('forked-connection')).toBeUndefined();
    expect(s.acsRequests('forked-connection')).toEqual([]);
  });
});
