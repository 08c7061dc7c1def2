// Chaos knobs: probabilistic faults, random duplicates and reorders, redelivery of failed callbacks and IncomingCalls, forged tokens.
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { restError, startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Dice that land on the given values in turn, so a "random" run is exact. */
const dice = (...values: number[]) => {
  let next = 0;
  return () => values[next++ % values.length] ?? 0;
};

/** Generous: polling ends as soon as the condition holds, so this only matters on a very loaded machine. */
const WAIT = { timeout: 30_000 };

const deliveries = (harness: Harness, callId: string, type: string) =>
  harness.emulator.caller
    .get(callId)
    ?.timeline.filter((entry) => entry.kind === 'callback' && entry.details['type'] === type)
    .map((entry) => entry.details) ?? [];

describe('probabilistic faults', () => {
  it('fail a matching request only when the dice say so, for as long as the fault is armed', async () => {
    h = await startHarness({ random: dice(0.1, 0.9) });
    const { connection } = await h.connectedCall();
    h.emulator.faults.inject({ path: /:play$/, status: 503, probability: 0.5 });
    const play = () => connection.getCallMedia().playToAll([{ kind: 'textSource', text: 'hello' }]);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const attempt = play();
      statuses.push(await attempt.then(() => 202, async () => (await restError(attempt)).statusCode ?? 0));
    }
    expect(statuses).toEqual([503, 202, 503, 202]);
    expect(h.emulator.faults.pending).toHaveLength(1);
  });

  it('reject a probability outside 0..1', async () => {
    h = await startHarness();
    expect(() => h?.emulator.faults.inject({ path: /x/, status: 500, probability: 2 })).toThrow(/between 0 and 1/);
  });
});

describe('random delivery quirks', () => {
  it('duplicate every callback when the rate is 1, the copy concurrently and with the same id', async () => {
    h = await startHarness();
    const { connection, id, handle } = await h.connectedCall();
    h.emulator.callbackQuirks.duplicateRate = 1;
    await connection.getCallMedia().playToAll([{ kind: 'textSource', text: 'twice' }], { operationContext: 'dup' });
    await h.waitForCallback(id, 'PlayCompleted');
    await expect.poll(() => h?.callbacksFor(id).filter((c) => c.type === 'PlayCompleted').length, WAIT).toBe(2);
    const completed = deliveries(h, handle.callId, 'PlayCompleted');
    expect(completed.map((d) => d['duplicate']).sort()).toEqual([false, true]);
    expect(new Set(completed.map((d) => d['eventId'])).size).toBe(1);
  });

  it('release a held callback after reorderHoldMs when nothing follows it', async () => {
    h = await startHarness();
    const { id, handle } = await h.connectedCall();
    Object.assign(h.emulator.callbackQuirks, { reorderNext: 1, reorderHoldMs: 30 });
    handle.hangUp(); // CallDisconnected is the last event of the call: nothing will ever follow it
    expect((await h.waitForCallback(id, 'CallDisconnected')).data.callConnectionId).toBe(id);
  });
});

describe('redelivery', () => {
  it('retries a callback that got a 5xx, after each configured delay, with a fresh token', async () => {
    h = await startHarness({ callbackRetryDelaysMs: [10, 10] });
    let failuresLeft = 2;
    h.replyStatus = (kind, body) => (kind === 'callback' && body[0]?.['type'] === 'Microsoft.Communication.PlayCompleted' && failuresLeft-- > 0 ? 500 : 200);
    const { connection, id, handle } = await h.connectedCall();
    await connection.getCallMedia().playToAll([{ kind: 'textSource', text: 'again' }]);
    await expect.poll(() => h?.callbacksFor(id).filter((c) => c.type === 'PlayCompleted').length, WAIT).toBe(3);
    // The emulator records a delivery once its answer is back, which can be after the receiver has counted it.
    await expect.poll(() => deliveries(h!, handle.callId, 'PlayCompleted').length, WAIT).toBe(3);
    expect(deliveries(h, handle.callId, 'PlayCompleted').map((d) => [d['attempt'], d['status']])).toEqual([
      [0, 500],
      [1, 500],
      [2, 200],
    ]);
    expect(h.callbacksFor(id).every((c) => c.jwtValid)).toBe(true);
  });

  it('gives up after the last delay, and the next event is delivered as usual', async () => {
    h = await startHarness({ callbackRetryDelaysMs: [10] });
    h.replyStatus = (kind, body) => (kind === 'callback' && body[0]?.['type'] === 'Microsoft.Communication.PlayCompleted' ? 503 : 200);
    const { connection, id, handle } = await h.connectedCall();
    await connection.getCallMedia().playToAll([{ kind: 'textSource', text: 'lost' }]);
    await expect.poll(() => deliveries(h!, handle.callId, 'PlayCompleted').length, WAIT).toBe(2);
    await connection.getCallMedia().playToAll([{ kind: 'textSource', text: 'after' }], { operationContext: 'after' });
    await expect.poll(() => h?.callbacksFor(id).filter((c) => c.data.operationContext === 'after' && c.type === 'PlayCompleted').length, WAIT).toBe(2);
    await expect.poll(() => deliveries(h!, handle.callId, 'PlayCompleted').length, WAIT).toBe(4);
    expect(deliveries(h, handle.callId, 'PlayCompleted').map((d) => d['attempt'])).toEqual([0, 1, 0, 1]);
  });

  it('redelivers an IncomingCall that got a 5xx, with the same event id and a higher delivery count', async () => {
    h = await startHarness({ eventGridRetryDelaysMs: [10] });
    h.replyStatus = (kind) => (kind === 'eventGrid' && h?.eventGridPosts.length === 1 ? 500 : 200);
    await h.emulator.caller.dial({ from: '+14255550123', to: '+18005550100' });
    await expect.poll(() => h?.eventGridPosts.length, WAIT).toBe(2);
    const [first, second] = h.eventGridPosts;
    expect(second?.body[0]?.['id']).toBe(first?.body[0]?.['id']);
    expect([first?.headers['aeg-delivery-count'], second?.headers['aeg-delivery-count']]).toEqual(['0', '1']);
  });
});

describe('signCallbackToken', () => {
  it('signs with the published key and bends the claims it is asked to', async () => {
    h = await startHarness();
    const em = h.emulator;
    const { jwks_uri: jwksUri } = (await (await fetch(em.openIdConfigurationUrl)).json()) as { jwks_uri: string };
    const keys = createLocalJWKSet((await (await fetch(jwksUri)).json()) as JSONWebKeySet);
    const check = async (token: string) => jwtVerify(token, keys, { issuer: em.issuer, audience: em.audience, algorithms: ['RS256'] });

    await expect(check(await em.signCallbackToken())).resolves.toMatchObject({ payload: { iss: em.issuer, aud: em.audience } });
    await expect(check(await em.signCallbackToken({ audience: 'someone-else' }))).rejects.toThrow(errors.JWTClaimValidationFailed);
    await expect(check(await em.signCallbackToken({ issuer: 'https://evil.example' }))).rejects.toThrow(errors.JWTClaimValidationFailed);
    await expect(check(await em.signCallbackToken({ shiftSeconds: -360 }))).rejects.toThrow(errors.JWTExpired);
    await expect(check(await em.signCallbackToken({ kid: 'rotated-away' }))).rejects.toThrow(errors.JWKSNoMatchingKey);
  });
});
