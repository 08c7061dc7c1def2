// Oversized callback bodies: 413 with nothing written or sent, whether the size is declared or streamed; the
// handler stops reading an endless body just past the limit, and 200 posts of 10 MB leave the process less than 100 MB larger.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { HttpRequest, InvocationContext, type HttpRequestInit } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createApp, createCallbackGuard } from '../../src/app/composition-root';
import { loadSettings } from '../../src/config';
import { callbackHandler, MAX_CALLBACK_BYTES } from '../../src/functions/callbacks';
import { startTestStack, type TestStack } from '../support/stack';

let s: TestStack;
beforeAll(async () => {
  s = await startTestStack({ timeScale: 5 });
  await s.dial();
});
afterAll(async () => s?.stop());

const CHUNK = randomBytes(64 * 1024);
const TEN_MB_IN_CHUNKS = 160;

/** POSTs `chunks` chunks, with or without a content-length; stops sending once the answer is in. */
function post(token: string, chunks: number, declared: boolean, chunk: Buffer = CHUNK): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      s.binding.urlFor('oversized'),
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(declared ? { 'content-length': String(chunks * chunk.length) } : {}) },
      },
      (response) => {
        let body = '';
        response.on('data', (data: Buffer) => (body += data.toString()));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, body });
          request.destroy();
        });
      },
    );
    request.on('error', reject);
    let sent = 0;
    const write = () => {
      while (sent < chunks) {
        sent += 1;
        if (!request.write(chunk)) return void request.once('drain', write);
      }
      request.end();
    };
    write();
  });
}

describe('an oversized callback body (R-22)', () => {
  it.each([
    ['64 KiB + 1 byte, declared', 1, true, Buffer.alloc(MAX_CALLBACK_BYTES + 1, 0x20)],
    ['64 KiB + 1 byte, streamed', 1, false, Buffer.alloc(MAX_CALLBACK_BYTES + 1, 0x20)],
    ['10 MB, declared', TEN_MB_IN_CHUNKS, true, CHUNK],
    ['10 MB, streamed', TEN_MB_IN_CHUNKS, false, CHUNK],
  ] as const)('%s: 413 with a JSON error, nothing written, no ACS request', async (_, chunks, declared, chunk) => {
    const rowsBefore = await s.rows();
    const requestsBefore = s.emulator.requests.length;
    const reply = await post(await s.emulator.signCallbackToken(), chunks, declared, chunk);
    expect(reply).toEqual({ status: 413, body: JSON.stringify({ error: `body is larger than ${MAX_CALLBACK_BYTES} bytes` }) });
    expect(await s.rows()).toEqual(rowsBefore);
    expect(s.emulator.requests.length).toBe(requestsBefore);
  });

  it('exactly at the limit is read and judged on its content (400 here), not refused for size', async () => {
    const reply = await post(await s.emulator.signCallbackToken(), 1, true, Buffer.alloc(MAX_CALLBACK_BYTES, 0x20));
    expect(reply.status).toBe(400);
  });

  it('is refused before its token is checked when the declared size is too large', async () => {
    const reply = await post('not-a-token', TEN_MB_IN_CHUNKS, true);
    expect(reply.status).toBe(413);
  });

  it('answers 200 posts of 10 MB, ten at a time, all with 413, and the process grows by less than 100 MB', async () => {
    const token = await s.emulator.signCallbackToken();
    const before = process.memoryUsage().rss;
    const statuses: number[] = [];
    for (let round = 0; round < 20; round++) {
      const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => post(token, TEN_MB_IN_CHUNKS, i % 2 === 0)));
      statuses.push(...replies.map((reply) => reply.status));
    }
    expect(statuses).toEqual(Array(200).fill(413));
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
  }, 120_000);
});

describe('the callback handler itself', () => {
  it('stops reading an endless body just past the limit and answers 413', async () => {
    const env = {
      ACS_CONNECTION_STRING: 'endpoint=http://127.0.0.1:9/;accesskey=a2V5',
      CALLBACK_BASE_URL: 'http://127.0.0.1:7071',
      COGNITIVE_SERVICES_ENDPOINT: 'https://example.cognitiveservices.azure.com/',
      TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
      OPERATOR_PHONE_NUMBER: '+18005550199',
      PSEUDONYM_KEY: randomBytes(32).toString('base64'),
      CALLBACK_SIGNING_KEY: randomBytes(32).toString('base64'),
      CALLBACK_AUTH: 'disabled',
    };
    const settings = loadSettings(env);
    const guard = createCallbackGuard(settings);
    const app = createApp(settings, { trackEvent: () => undefined });
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += CHUNK.length;
        controller.enqueue(new Uint8Array(CHUNK));
      },
    });
    const init: HttpRequestInit & { nativeRequest: Request } = {
      nativeRequest: new Request(guard.binding.urlFor('endless-call'), { method: 'POST', body: endless, duplex: 'half' }),
    };
    const response = await callbackHandler(guard, () => Promise.resolve(app), { trackEvent: () => undefined })(
      new HttpRequest(init),
      new InvocationContext({ functionName: 'callbacks', invocationId: 'endless', logHandler: () => undefined }),
    );
    expect(response.status).toBe(413);
    // What was read, plus what the stream had queued ahead of the reader.
    expect(pulled).toBeLessThanOrEqual(MAX_CALLBACK_BYTES + 3 * CHUNK.length);
  });
});
