// Owns keeping each live call's SDK CallMedia objects, so a call's next Recognize or Play does not build them again.
import type { CallAutomationClient, CallMedia } from '@azure/communication-call-automation';
import { LRUCache } from 'lru-cache';

/**
 * Calls kept. Every live call must fit, or at 500 callers each call is pushed out by the others' actions before its own
 * next one and nothing is ever reused. At about 12 KB per CallMedia (its own API client and pipeline), 1,000 calls on
 * one or two clients each stay within a few tens of MB. A call the caller hung up on stays until newer calls push it
 * out: an expiry would cost a timer per call, and the bound is what the memory target needs.
 */
export const MEDIA_CACHE_CALLS = 1_000;

/**
 * The SDK reaches a CallMedia through a CallConnection, each built with a fresh API client and pipeline of its own
 * (about 70 µs of CPU for the two, measured on an idle 2-core machine). A CallMedia holds nothing per request, so one
 * serves every Recognize and Play of the call; only it is kept. Keyed per call, then per client: a Recognize whose wire fields need their own client
 * gets that client's CallMedia.
 */
export class CallMediaCache {
  private readonly calls = new LRUCache<string, Map<CallAutomationClient, CallMedia>>({ max: MEDIA_CACHE_CALLS });

  mediaOf(client: CallAutomationClient, callConnectionId: string): CallMedia {
    let byClient = this.calls.get(callConnectionId);
    if (!byClient) this.calls.set(callConnectionId, (byClient = new Map()));
    let media = byClient.get(client);
    if (!media) byClient.set(client, (media = client.getCallConnection(callConnectionId).getCallMedia()));
    return media;
  }

  /** A call that was hung up or that ACS no longer knows gets no more media actions. */
  forget(callConnectionId: string): void {
    this.calls.delete(callConnectionId);
  }

  get size(): number {
    return this.calls.size;
  }
}
