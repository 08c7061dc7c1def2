import { CallAutomationClient } from '@azure/communication-call-automation';
import { describe, expect, it, vi } from 'vitest';
import { CallMediaCache, MEDIA_CACHE_CALLS } from '../../src/adapters/acs/call-media-cache';

// A real SDK client: building its CallConnection and CallMedia needs no network, and the spy counts what the cache saves.
const newClient = () => {
  const client = new CallAutomationClient(`endpoint=http://127.0.0.1:1/;accesskey=${Buffer.alloc(32).toString('base64')}`, { allowInsecureConnection: true });
  return { client, built: vi.spyOn(client, 'getCallConnection') };
};

describe('CallMediaCache', () => {
  it("builds a call's CallMedia once and hands the same one to each of its actions", () => {
    const cache = new CallMediaCache();
    const { client, built } = newClient();
    const first = cache.mediaOf(client, 'call-1');
    expect(cache.mediaOf(client, 'call-1')).toBe(first);
    expect(cache.mediaOf(client, 'call-1')).toBe(first);
    expect(built).toHaveBeenCalledTimes(1);
    expect(built).toHaveBeenCalledWith('call-1');
  });

  it('keeps calls apart, and builds again when a Recognize needs another client (its pipeline sets other wire fields)', () => {
    const cache = new CallMediaCache();
    const plain = newClient();
    const withFields = newClient();
    const one = cache.mediaOf(plain.client, 'call-1');
    const two = cache.mediaOf(plain.client, 'call-2');
    const oneWithFields = cache.mediaOf(withFields.client, 'call-1');
    expect(new Set([one, two, oneWithFields]).size).toBe(3);
    expect(cache.mediaOf(withFields.client, 'call-1')).toBe(oneWithFields);
    // One CallMedia a call: the plain client's was replaced by the other's.
    expect(cache.mediaOf(plain.client, 'call-1')).not.toBe(one);
    expect(plain.built).toHaveBeenCalledTimes(3);
    expect(withFields.built).toHaveBeenCalledTimes(1);
    expect(cache.size).toBe(2);
  });

  it("plays through whichever CallMedia the call has, and builds the fallback client's only for a call it has none of", () => {
    const cache = new CallMediaCache();
    const plain = newClient();
    const withFields = newClient();
    const recognizing = cache.mediaOf(withFields.client, 'call-1');
    expect(cache.anyMediaOf(plain.client, 'call-1')).toBe(recognizing);
    expect(plain.built).not.toHaveBeenCalled();
    const playing = cache.anyMediaOf(plain.client, 'call-2');
    expect(plain.built).toHaveBeenCalledWith('call-2');
    expect(cache.anyMediaOf(plain.client, 'call-2')).toBe(playing);
    expect(cache.mediaOf(plain.client, 'call-2')).toBe(playing);
    expect(plain.built).toHaveBeenCalledTimes(1);
  });

  it('forgets an ended call, so its next media action (none should come) builds afresh', () => {
    const cache = new CallMediaCache();
    const { client, built } = newClient();
    const before = cache.mediaOf(client, 'call-1');
    cache.forget('call-1');
    expect(cache.size).toBe(0);
    expect(cache.mediaOf(client, 'call-1')).not.toBe(before);
    expect(built).toHaveBeenCalledTimes(2);
  });

  it(`holds at most ${MEDIA_CACHE_CALLS} calls, letting the least recently used go`, () => {
    const cache = new CallMediaCache();
    const { client, built } = newClient();
    for (let call = 0; call <= MEDIA_CACHE_CALLS; call++) cache.mediaOf(client, `call-${call}`);
    expect(cache.size).toBe(MEDIA_CACHE_CALLS);
    built.mockClear();
    cache.mediaOf(client, `call-${MEDIA_CACHE_CALLS}`);
    expect(built).not.toHaveBeenCalled();
    cache.mediaOf(client, 'call-0');
    expect(built).toHaveBeenCalledTimes(1);
  });
});
