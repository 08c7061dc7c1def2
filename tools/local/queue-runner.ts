// Owns running storage queue triggers locally as the Functions host does: poll, invoke, delete, retry, poison.
import { randomUUID } from 'node:crypto';
import { QueueClient, type DequeuedMessageItem } from '@azure/storage-queue';
import { InvocationContext, type LogHandler, type StorageQueueHandler } from '@azure/functions';

export interface QueueRunnerOptions {
  readonly connectionString: string;
  readonly functions: ReadonlyArray<{ readonly name: string; readonly queueName: string; readonly handler: StorageQueueHandler }>;
  readonly log?: (level: string, functionName: string, message: string) => void;
  /** host.json `maxDequeueCount`: after this many failed tries the message goes to `<queue>-poison`. */
  readonly maxDequeueCount?: number;
  /** host.json `visibilityTimeout`: how long a failed message stays hidden before its next try (real seconds). */
  readonly retryDelaySeconds?: number;
  /** How often an empty queue is polled again (real ms); the host backs off to a minute, locally a short fixed wait does. */
  readonly pollMs?: number;
  /** host.json `batchSize`: messages one poll takes and runs concurrently. */
  readonly batchSize?: number;
}

export interface QueueRunner {
  close(): Promise<void>;
}

type ReceivedMessage = DequeuedMessageItem;

/** How long a message is hidden while its handler runs; longer than any handler may take (functionTimeout 30 s). */
const LEASE_SECONDS = 60;

export function startQueueRunner(options: QueueRunnerOptions): QueueRunner {
  const maxDequeueCount = options.maxDequeueCount ?? 5;
  const retryDelaySeconds = options.retryDelaySeconds ?? 10;
  const pollMs = options.pollMs ?? 100;
  let stopped = false;
  const batchSize = options.batchSize ?? 16;
  const loops: Array<Promise<void>> = [];

  for (const fn of options.functions) {
    const queue = new QueueClient(options.connectionString, fn.queueName);
    const poison = new QueueClient(options.connectionString, `${fn.queueName}-poison`);
    // In the loop, not before it: a queue service that is not up yet is reported and tried again, never waited for.
    const ensureQueues = async () => {
      await queue.createIfNotExists();
      if (!fn.queueName.endsWith('-poison')) await poison.createIfNotExists();
    };
    const contextFor = (message: ReceivedMessage) => {
      const logHandler: LogHandler = (level, ...args) => options.log?.(level, fn.name, args.map(String).join(' '));
      return new InvocationContext({
        functionName: fn.name,
        invocationId: randomUUID(),
        logHandler,
        triggerMetadata: { id: message.messageId, dequeueCount: message.dequeueCount, insertionTime: message.insertedOn.toISOString() },
      });
    };
    const run = async (message: ReceivedMessage) => {
      // As the host does with the default base64 encoding: decode, then hand JSON over parsed.
      const text = Buffer.from(message.messageText, 'base64').toString('utf8');
      let input: unknown = text;
      try {
        input = JSON.parse(text);
      } catch {
        // Not JSON: the handler gets the string.
      }
      try {
        await fn.handler(input, contextFor(message));
        await queue.deleteMessage(message.messageId, message.popReceipt);
      } catch (error) {
        options.log?.('error', fn.name, `invocation failed (try ${message.dequeueCount}): ${error instanceof Error ? error.message : String(error)}`);
        if (stopped) return;
        if (message.dequeueCount >= maxDequeueCount) {
          await poison.sendMessage(message.messageText);
          await queue.deleteMessage(message.messageId, message.popReceipt);
        } else {
          await queue.updateMessage(message.messageId, message.popReceipt, undefined, retryDelaySeconds);
        }
      }
    };
    loops.push(
      (async () => {
        const running = new Set<Promise<void>>();
        let ready = false;
        while (!stopped) {
          if (!ready) {
            try {
              await ensureQueues();
              ready = true;
            } catch (error) {
              options.log?.('error', fn.name, `queue ${fn.queueName} unavailable: ${error instanceof Error ? error.message : String(error)}`);
              await pause(5_000);
              continue;
            }
          }
          // Like the host's newBatchThreshold: fetch more once half the batch is done, not when all of it is.
          if (running.size > batchSize / 2) {
            await Promise.race(running);
            continue;
          }
          let received: ReceivedMessage[];
          try {
            received = (await queue.receiveMessages({ numberOfMessages: batchSize - running.size, visibilityTimeout: LEASE_SECONDS })).receivedMessageItems;
          } catch (error) {
            if (stopped) break;
            options.log?.('error', fn.name, `queue poll failed: ${String(error)}`);
            await pause(pollMs);
            continue;
          }
          if (received.length === 0) {
            await pause(pollMs);
            continue;
          }
          for (const message of received) {
            const invocation = run(message)
              .catch((error: unknown) => options.log?.('error', fn.name, `message handling failed: ${String(error)}`))
              .finally(() => running.delete(invocation));
            running.add(invocation);
          }
        }
        await Promise.allSettled(running);
      })(),
    );
  }

  return {
    async close() {
      stopped = true;
      await Promise.allSettled(loops);
    },
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
