// Owns keeping each live call's SDK CallMedia, so a call's next Recognize or Play does not build it again.
import type { CallAutomationClient, CallMedia } from '@azure/communication-call-automation';
import { LRUCache } from 'lru-cache';

/**
 * Calls kept. Every live call must fit, or at 500 callers each call is pushed out by the others' actions before its own
 * next one and nothing is ever reused. One CallMedia a call, about 12 KB (its own API client and pipeline): 12 MB at
 * 1,000 calls. A call the caller hung up on stays until newer calls push it out: an expiry would cost a timer per call.
 */
export const MEDIA_CACHE_CALLS = 1_000;

/**
 * The SDK reaches a CallMedia through a CallConnection, each built with a fresh API client and pipeline of its own
 * (about 70 µs of CPU for the two, measured on an idle 2-core machine). A CallMedia holds nothing per request, so one
 * serves the call's actions. Only the last one built is kept per call: a Recognize whose wire fields need another
 * client builds that client's instead, and a Play takes whichever the call has.
 */
export class CallMediaCache {
  private readonly calls = new LRUCache<string, { readonly client: CallAutomationClient; readonly media: CallMedia }>({ max: MEDIA_CACHE_CALLS });

  /** For a Recognize: the CallMedia of exactly this client, whose pipeline sets the request's wire fields. */
  mediaOf(client: CallAutomationClient, callConnectionId: string): CallMedia {
    const kept = this.calls.get(callConnectionId);
    if (kept?.client === client) return kept.media;
    const media = client.getCallConnection(callConnectionId).getCallMedia();
    this.calls.set(callConnectionId, { client, media });
    return media;
  }

  /** For a Play: the wire-field policies rewrite Recognize requests only, so any of the call's clients plays alike. */
  anyMediaOf(fallback: CallAutomationClient, callConnectionId: string): CallMedia {
    return this.calls.get(callConnectionId)?.media ?? this.mediaOf(fallback, callConnectionId);
  }

  /** A call that was hung up or that ACS no longer knows gets no more media actions. */
  forget(callConnectionId: string): void {
    this.calls.delete(callConnectionId);
  }

  get size(): number {
    return this.calls.size;
  }
}
