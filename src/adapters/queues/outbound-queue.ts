// Owns the outbound-calls queue: one message per attempt to place, base64 JSON as the Functions queue trigger reads it.
import { QueueClient } from '@azure/storage-queue';
import type { TokenCredential } from '@azure/core-auth';
import type { PlacementMessage, PlacementQueue } from '../../app/ports';
import type { OutboundSettings } from '../../config';
import * as z from '../../zod-mini';

const placementMessage = z.strictObject({
  requestId: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a request id')),
  attempt: z.int().check(z.minimum(1), z.maximum(100)),
});

/** The Functions runtime hands the trigger the message already JSON-parsed; anything else is a message we never sent. */
export function parsePlacementMessage(message: unknown): PlacementMessage | undefined {
  const parsed = placementMessage.safeParse(typeof message === 'string' ? safeJson(message) : message);
  return parsed.success ? parsed.data : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Storage queues hide a message for at most 7 days. */
const MAX_VISIBILITY_DELAY_SECONDS = 7 * 24 * 3600;
const SEND_TIMEOUT_MS = 5_000;

export const poisonQueueName = (queueName: string) => `${queueName}-poison`;

export class OutboundQueue implements PlacementQueue {
  readonly maxDelaySeconds = MAX_VISIBILITY_DELAY_SECONDS;
  private ensured: Promise<unknown> | undefined;

  /** `createIfMissing`: locally Azurite starts empty; in Azure the Bicep creates the queue (and the app may not). */
  constructor(
    private readonly client: QueueClient,
    private readonly createIfMissing = false,
  ) {}

  /** `credential` is asked for only when the settings name an endpoint rather than a connection string. */
  static fromSettings(settings: OutboundSettings, credential: () => TokenCredential): OutboundQueue {
    const retryOptions = { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 1_000 };
    if (settings.queue.kind === 'connectionString') {
      return new OutboundQueue(new QueueClient(settings.queue.connectionString, settings.queueName, { retryOptions }), true);
    }
    const url = `${settings.queue.endpoint.replace(/\/+$/, '')}/${settings.queueName}`;
    return new OutboundQueue(new QueueClient(url, credential(), { retryOptions }));
  }

  /** Visible after `delaySeconds` (whole seconds, capped at the queue's 7 days): how notBefore and retry spacing wait. */
  async send(message: PlacementMessage, delaySeconds = 0): Promise<void> {
    // On first use, not at start-up: a queue service that is down must not stop the hotline answering calls.
    if (this.createIfMissing) {
      this.ensured ??= this.client.createIfNotExists({ abortSignal: AbortSignal.timeout(SEND_TIMEOUT_MS) }).catch((error: unknown) => {
        this.ensured = undefined;
        throw error;
      });
      await this.ensured;
    }
    const visibilityTimeout = Math.min(MAX_VISIBILITY_DELAY_SECONDS, Math.max(0, Math.ceil(delaySeconds)));
    const text = Buffer.from(JSON.stringify(message), 'utf8').toString('base64');
    await this.client.sendMessage(text, { visibilityTimeout, abortSignal: AbortSignal.timeout(SEND_TIMEOUT_MS) });
  }
}
