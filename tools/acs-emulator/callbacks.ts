// Owns mid-call callbacks: the CloudEvent envelope, the RS256 JWT on each POST, the JWKS, and in-order delivery per call.
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import type { EventJudge } from './contract.js';
import type { HttpPoster } from './http-client.js';
import type { ResultInformation } from './results.js';
import type { TimerSet } from './timers.js';

export interface CallIds {
  callConnectionId: string;
  serverCallId: string;
  correlationId: string;
}

export interface CallbackEvent {
  type: string;
  callbackUri: string;
  operationContext: string | undefined;
  resultInformation: ResultInformation | undefined;
  version: string;
  fields: Record<string, unknown>;
  /** How far the call's clock is from the machine's (a call dialed "at" another time): moves the CloudEvent `time`. */
  clockOffsetMs?: number;
}

export interface DeliveryRecord {
  eventId: string;
  type: string;
  url: string;
  status: number;
  error?: string;
  resultInformation: ResultInformation | undefined;
  operationContext: string | undefined;
  duplicate: boolean;
  /** 0 for the first try; retries (see `callbackRetryDelaysMs`) count up. */
  attempt: number;
  /** The app's reply, cut to 500 characters. */
  responseBody: string;
  /** From sending the POST to the end of the reply (real ms). */
  durationMs: number;
}

/** Test toggles for delivery quirks the real service is allowed to show (duplicates, reordering). */
export interface DeliveryQuirks {
  /** Deliver each of the next N callbacks twice (same CloudEvent id), the copy concurrently with the original. */
  duplicateNext: number;
  /** Hold the next callback of a call back and send it after the one that follows it (or after `reorderHoldMs`). */
  reorderNext: number;
  /** Probability (0-1) that any callback is duplicated as `duplicateNext` does; for chaos runs. */
  duplicateRate: number;
  /** Probability (0-1) that any callback is held back as `reorderNext` does; for chaos runs. */
  reorderRate: number;
  /** The longest a held callback waits for a follower (real ms), so a held event the app must answer is not lost. */
  reorderHoldMs: number;
}

export interface DeliveryPolicy {
  /** Real ms before each redelivery of a callback that got no 2xx; empty = one attempt (real ACS's policy is undocumented). */
  retryDelaysMs: readonly number[];
  random: () => number;
}

export interface TokenOverrides {
  issuer?: string;
  audience?: string;
  kid?: string;
  /** Moves iat/nbf/exp: -360 gives a token that expired a minute ago. */
  shiftSeconds?: number;
}

export class CallbackSigner {
  private reused: { token: Promise<string>; until: number } | undefined;

  private constructor(
    private readonly privateKey: CryptoKey,
    readonly jwk: JWK,
    readonly issuer: string,
    readonly audience: string,
    private readonly tokenReuseMs: number,
  ) {}

  static async create(issuer: string, audience: string, tokenReuseMs = 0): Promise<CallbackSigner> {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = randomUUID();
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
    return new CallbackSigner(privateKey, jwk, issuer, audience, tokenReuseMs);
  }

  /**
   * A fresh 5-minute token per event, as the docs describe, unless tokens may be reused (load tests);
   * tests may bend any claim to forge a bad one, and a forged token is never reused.
   */
  sign(overrides: TokenOverrides = {}): Promise<string> {
    if (this.tokenReuseMs <= 0 || Object.keys(overrides).length > 0) return this.signFresh(overrides);
    if (!this.reused || Date.now() >= this.reused.until) this.reused = { token: this.signFresh(overrides), until: Date.now() + this.tokenReuseMs };
    return this.reused.token;
  }

  private async signFresh(overrides: TokenOverrides): Promise<string> {
    const now = Math.floor(Date.now() / 1000) + (overrides.shiftSeconds ?? 0);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: overrides.kid ?? this.jwk.kid ?? '', typ: 'JWT' })
      .setIssuer(overrides.issuer ?? this.issuer)
      .setAudience(overrides.audience ?? this.audience)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 300)
      .sign(this.privateKey);
  }

  openIdConfiguration(): Record<string, unknown> {
    return {
      issuer: this.issuer,
      jwks_uri: `${this.issuer}/calling/keys`,
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
    };
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.jwk] };
  }
}

/** CloudEvent `time`: 7 fractional digits and an explicit +00:00 offset, like the real service. */
export function cloudEventTime(date: Date = new Date()): string {
  const iso = date.toISOString(); // 2025-03-05T08:58:53.311Z
  const sub = String(process.hrtime()[1] % 10_000).padStart(4, '0');
  return `${iso.slice(0, 23)}${sub}+00:00`;
}

export function buildEnvelope(ids: CallIds, event: CallbackEvent): Record<string, unknown> {
  const name = `Microsoft.Communication.${event.type}`;
  const subject = `calling/callConnections/${ids.callConnectionId}`;
  const data: Record<string, unknown> = { ...event.fields };
  if (event.operationContext !== undefined) data['operationContext'] = event.operationContext;
  if (event.resultInformation !== undefined) data['resultInformation'] = { ...event.resultInformation };
  Object.assign(data, {
    version: event.version,
    callConnectionId: ids.callConnectionId,
    serverCallId: ids.serverCallId,
    correlationId: ids.correlationId,
    publicEventType: name,
  });
  return {
    id: randomUUID(),
    source: subject,
    type: name,
    data,
    time: cloudEventTime(new Date(Date.now() + (event.clockOffsetMs ?? 0))),
    specversion: '1.0',
    datacontenttype: 'application/json',
    subject,
  };
}

/**
 * One ordered queue per call: events of a call are POSTed one after the other, never blocking the
 * REST response that caused them (so an event can arrive before the app has its REST response).
 */
export class CallbackQueue {
  private tail: Promise<void> = Promise.resolve();
  private held: (() => Promise<void>) | undefined;

  constructor(
    private readonly poster: HttpPoster,
    private readonly signer: CallbackSigner,
    private readonly quirks: DeliveryQuirks,
    private readonly policy: DeliveryPolicy,
    private readonly timers: TimerSet,
    private readonly judge: EventJudge,
    private readonly onDelivered: (record: DeliveryRecord) => void,
  ) {}

  /** Throws ContractViolation, sending nothing, when the event would not validate against its api-version's spec. */
  enqueue(ids: CallIds, event: CallbackEvent): void {
    const envelope = buildEnvelope(ids, event);
    this.judge.assertEvent(event.version, event.type, envelope['data'] as Record<string, unknown>);
    const duplicate = this.take('duplicateNext') || this.roll(this.quirks.duplicateRate);
    const send = async (): Promise<void> => {
      if (duplicate) await Promise.all([this.deliver(envelope, event, false), this.deliver(envelope, event, true)]);
      else await this.deliver(envelope, event, false);
    };
    if (this.held === undefined && (this.take('reorderNext') || this.roll(this.quirks.reorderRate))) {
      this.held = send;
      // Nothing may follow a held event until the app reacts to it: do not wait for a follower forever.
      this.timers.afterMs(this.quirks.reorderHoldMs, () => {
        if (this.held === send) void this.flush();
      });
      return;
    }
    const held = this.held;
    this.held = undefined;
    this.tail = this.tail.then(send).then(held ?? (() => Promise.resolve()));
  }

  /** Sends a held (reordered) event if nothing followed it, so no event is lost. */
  flush(): Promise<void> {
    const held = this.held;
    this.held = undefined;
    if (held) this.tail = this.tail.then(held);
    return this.tail;
  }

  private take(counter: 'duplicateNext' | 'reorderNext'): boolean {
    if (this.quirks[counter] <= 0) return false;
    this.quirks[counter] -= 1;
    return true;
  }

  private roll(probability: number): boolean {
    return probability > 0 && this.policy.random() < probability;
  }

  /** One POST per attempt, each with a fresh token; a non-2xx reply or no reply is retried per the policy. */
  private async deliver(envelope: Record<string, unknown>, event: CallbackEvent, duplicate: boolean): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      const token = await this.signer.sign();
      const sentAt = Date.now();
      const result = await this.poster.post(event.callbackUri, JSON.stringify([envelope]), {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
      });
      this.onDelivered({
        eventId: String(envelope['id']),
        type: event.type,
        url: event.callbackUri,
        status: result.status,
        ...(result.error === undefined ? {} : { error: result.error }),
        resultInformation: event.resultInformation,
        operationContext: event.operationContext,
        duplicate,
        attempt,
        responseBody: result.body.slice(0, 500),
        durationMs: Date.now() - sentAt,
      });
      const delay = this.policy.retryDelaysMs[attempt];
      if ((result.status >= 200 && result.status < 300) || delay === undefined) return;
      await new Promise<void>((resolve) => this.timers.afterMs(delay, resolve));
    }
  }
}
