// Outbound calls end to end: POST /api/outbound-calls, the real queue trigger on Azurite's queue, createCall in the
// emulator, the callee's answer or refusal, and the outcome on GET /api/outbound-calls/{id}.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RestError } from '@azure/core-rest-pipeline';
import { placeFailure } from '../../src/adapters/acs/acs-failure';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import defaultFlow from '../../src/flow/default-flow.json';
import type { CallHandle } from '../../tools/acs-emulator/index.js';
import { HOTLINE_NUMBER } from '../../tools/local/local-stack';
import { cloudEvent, startTestStack, waitFor, type TestStack } from '../support/stack';

/** The default flow with retries a test can wait for: two attempts, a second apart, on no answer, busy or failure. */
function quickRetryFlow(): string {
  const flow = structuredClone<typeof defaultFlow>(defaultFlow);
  flow.campaigns.appointmentReminder.retry = { maxAttempts: 2, spacingSeconds: 1, on: ['noAnswer', 'busy', 'failed'] };
  const file = path.join(tmpdir(), `outbound-flow-${process.pid}-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(flow));
  return file;
}

interface Status {
  id: string;
  status: string;
  outcome?: string;
  code?: string;
  attempt: number;
  attempts: Array<{ attempt: number; outcome: string; code: string }>;
}

let stack: TestStack;
let next = 0;
const callee = () => `+1206555${String(1000 + next++)}`;

beforeAll(async () => {
  stack = await startTestStack({ outbound: true, ringWindowMs: 400, settings: { HOTLINE_FLOW_FILE: quickRetryFlow(), OUTBOUND_CALLS_PER_SECOND: '10' } });
});
afterAll(async () => {
  await stack.stop();
});

async function post(body: unknown): Promise<{ status: number; json: { id?: string; duplicate?: boolean; problems?: string[]; error?: string } }> {
  const response = await fetch(`${stack.host.url}/api/outbound-calls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as never };
}

async function statusOf(id: string): Promise<Status> {
  const response = await fetch(`${stack.host.url}/api/outbound-calls/${id}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Status;
}

async function remind(to: string, extra: Record<string, unknown> = {}): Promise<string> {
  const reply = await post({ to, campaign: 'appointmentReminder', variables: { time: '2 PM' }, ...extra });
  expect(reply.status).toBe(202);
  return reply.json.id ?? '';
}

async function ended(id: string, timeoutMs?: number): Promise<Status> {
  let status: Status | undefined;
  await waitFor(async () => ['completed', 'failed'].includes((status = await statusOf(id)).status), `request ${id} to end`, timeoutMs);
  if (!status) throw new Error('no status');
  return status;
}

const createCalls = (to?: string) =>
  stack.emulator.requests.filter(
    (r) => r.method === 'POST' && r.path === '/calling/callConnections' && (to === undefined || JSON.stringify(r.body).includes(to)),
  );

async function answered(to: string): Promise<CallHandle> {
  const handle = await stack.emulator.caller.nextRinging({ to, timeoutMs: 15_000 });
  handle.answer();
  return handle;
}

describe('a reminder the callee answers', () => {
  it('confirm by voice: the reminder with the time, a thank-you naming it, goodbye; the request ends confirmed', async () => {
    const to = callee();
    const id = await remind(to);
    const handle = await answered(to);
    expect((await handle.nextPrompt()).text).toBe(
      'Hello, This is a reminder for your appointment at 2 PM, Say Confirm to confirm your appointment or Cancel to cancel the appointment. Thank you!',
    );
    handle.say('Confirm');
    expect((await handle.nextPrompt()).text).toBe('Thank you. Your appointment at 2 PM is confirmed. We look forward to seeing you.');
    expect((await handle.nextPrompt()).text).toBe('Thank you. Goodbye.');
    expect(await handle.waitForEnd()).toMatchObject({ kind: 'hungUpByApp' });
    expect(await ended(id)).toMatchObject({ status: 'completed', outcome: 'confirmed', attempt: 1, attempts: [{ attempt: 1, outcome: 'confirmed' }] });

    const [request] = createCalls(to);
    expect(request?.body).toMatchObject({
      targets: [{ phoneNumber: { value: to } }],
      sourceCallerIdNumber: { value: HOTLINE_NUMBER },
      // Bound to the request: the call's correlation id does not exist until createCall returns.
      callbackUri: expect.stringMatching(new RegExp(`^${stack.host.url}/api/callbacks\\?call=outbound-request\\.${id}&sig=[\\w-]{43}$`)) as string,
      operationContext: `outbound:${id}:1`,
      callIntelligenceOptions: { cognitiveServicesEndpoint: 'https://local-emulator.cognitiveservices.azure.com/' },
    });
    const placed = stack.telemetry.find((e) => e.name === 'OutboundCallPlaced' && e.properties['requestId'] === id);
    const done = stack.telemetry.find((e) => e.name === 'OutboundCallEnded' && e.properties['requestId'] === id);
    expect(placed?.properties).toMatchObject({ campaign: 'appointmentReminder', attempt: '1' });
    expect(done?.properties).toMatchObject({ campaign: 'appointmentReminder', outcome: 'confirmed', attempt: '1', code: 'none' });
    expect(done?.measurements).toMatchObject({ ringMs: expect.any(Number) as number, durationMs: expect.any(Number) as number });
    // No phone number in the telemetry, in the clear or otherwise.
    expect(JSON.stringify(stack.telemetry)).not.toContain(to.slice(1));
  });

  it('a callback for another reminder posted on this request\'s URL (valid token) is refused: 403, that call goes on', async () => {
    const [toA, toB] = [callee(), callee()];
    const idA = await remind(toA);
    const idB = await remind(toB);
    const [a, b] = [await answered(toA), await answered(toB)];
    await Promise.all([a.nextPrompt(), b.nextPrompt()]);
    const callB = b.callConnectionId ?? '';
    await waitFor(async () => (await stack.stateOf(callB))?.phase.name === 'awaitingInput', 'reminder B to wait for its answer');
    const before = await stack.stateOf(callB);
    const requests = stack.emulator.requests.length;

    const forged = cloudEvent('CallDisconnected', { callConnectionId: callB, correlationId: b.correlationId, resultInformation: { code: 200, subCode: 540000 } });
    const reply = await stack.postCallbacks([forged], { correlationId: `outbound-request.${idA}` });

    expect(reply).toMatchObject({ status: 403, body: { outcomes: ['forged'] } });
    expect(await stack.stateOf(callB)).toEqual(before);
    expect(stack.emulator.requests.length).toBe(requests);
    expect(stack.telemetry).toContainEqual(expect.objectContaining({ name: 'CallbackRejected', properties: expect.objectContaining({ reason: 'binding' }) as object }));
    b.say('Confirm');
    a.hangUp();
    expect(await ended(idB)).toMatchObject({ status: 'completed', outcome: 'confirmed' });
    expect(await ended(idA)).toMatchObject({ outcome: 'hungUp' });
  });

  it('cancel by key: the cancellation message; the request ends cancelled', async () => {
    const to = callee();
    const id = await remind(to);
    const handle = await answered(to);
    await handle.nextPrompt();
    await handle.press('2');
    expect((await handle.nextPrompt()).text).toBe('Your appointment at 2 PM has been cancelled. Please call us when you would like a new one.');
    expect(await ended(id)).toMatchObject({ outcome: 'cancelled' });
  });

  it('in Spanish when the request asks for it', async () => {
    const to = callee();
    const id = await remind(to, { language: 'es-ES', variables: { time: '14:00' } });
    const handle = await answered(to);
    expect((await handle.nextPrompt()).text).toMatch(/^Hola, le recordamos su cita de las 14:00\./);
    handle.say('Confirmar', { language: 'es-ES' });
    expect((await handle.nextPrompt()).text).toBe('Gracias. Su cita de las 14:00 está confirmada. Le esperamos.');
    expect(await ended(id)).toMatchObject({ outcome: 'confirmed' });
  });

  it('a callee who hangs up mid-prompt ends it hungUp, without a retry', async () => {
    const to = callee();
    const id = await remind(to);
    const handle = await answered(to);
    await handle.nextPrompt();
    handle.hangUp();
    expect(await ended(id)).toMatchObject({ status: 'completed', outcome: 'hungUp', attempts: [{ outcome: 'hungUp' }] });
  });
});

describe('a reminder the callee does not take', () => {
  it('declined: ends declined (not a retried outcome), with ACS code 603', async () => {
    const to = callee();
    stack.emulator.caller.calleeBehaves(to, { kind: 'decline' });
    const id = await remind(to);
    expect(await ended(id)).toMatchObject({ status: 'completed', outcome: 'declined', code: '603', attempts: [{ attempt: 1, outcome: 'declined', code: '603' }] });
    expect(createCalls(to)).toHaveLength(1);
  });

  it('busy, then answered on the retry a second later', async () => {
    const to = callee();
    stack.emulator.caller.calleeBehaves(to, { kind: 'busy' });
    const id = await remind(to);
    await waitFor(async () => (await statusOf(id)).attempt === 2, 'the retry to be queued');
    stack.emulator.caller.calleeBehaves(to, { kind: 'ring' });
    const handle = await answered(to);
    await handle.nextPrompt();
    await handle.press('1');
    const status = await ended(id);
    expect(status).toMatchObject({ outcome: 'confirmed', attempt: 2 });
    expect(status.attempts.map((a) => [a.attempt, a.outcome, a.code])).toEqual([
      [1, 'busy', '486'],
      [2, 'confirmed', 'none'],
    ]);
    const [first, second] = createCalls(to);
    expect([first?.body, second?.body]).toMatchObject([{ operationContext: `outbound:${id}:1` }, { operationContext: `outbound:${id}:2` }]);
    // The retry waited its spacing as a queue visibility delay.
    expect(Date.parse(second?.at ?? '') - Date.parse(first?.at ?? '')).toBeGreaterThanOrEqual(1_000);
  });

  it('no answer within the ring time, twice: the request ends noAnswer after the campaign\'s attempts', async () => {
    const to = callee();
    stack.emulator.caller.calleeBehaves(to, { kind: 'noAnswer' });
    const id = await remind(to);
    const status = await ended(id);
    expect(status).toMatchObject({ status: 'completed', outcome: 'noAnswer', attempt: 2 });
    expect(status.attempts.map((a) => a.outcome)).toEqual(['noAnswer', 'noAnswer']);
    expect(createCalls(to)).toHaveLength(2);
  });

  it('a createCall ACS refuses for good (400) fails the attempt with ACS\'s code, then the retry policy applies', async () => {
    const to = callee();
    stack.emulator.faults.inject({ method: 'POST', path: '/calling/callConnections', status: 400, code: '8523', message: 'Invalid target.', times: 2 });
    const id = await remind(to);
    const status = await ended(id);
    expect(status).toMatchObject({ status: 'failed', outcome: 'failed', code: '8523', attempt: 2 });
  });
});

describe('requests', () => {
  it('a repeated idempotency key places one call and answers with the same id', async () => {
    const to = callee();
    stack.emulator.caller.calleeBehaves(to, { kind: 'decline' });
    const body = { to, campaign: 'appointmentReminder', variables: { time: '9 AM' }, idempotencyKey: `visit-${to}` };
    const first = await post(body);
    const second = await post(body);
    expect(first.status).toBe(202);
    expect(second).toEqual({ status: 202, json: { id: first.json.id, duplicate: true } });
    await ended(first.json.id ?? '');
    expect(await post(body)).toMatchObject({ status: 202, json: { id: first.json.id, duplicate: true } });
    expect(createCalls(to)).toHaveLength(1);
    expect(await post({ ...body, variables: { time: '10 AM' } })).toMatchObject({ status: 409 });
  });

  it('notBefore is honoured: the call is placed no earlier', async () => {
    const to = callee();
    stack.emulator.caller.calleeBehaves(to, { kind: 'decline' });
    const notBefore = new Date(Date.now() + 2_000).toISOString();
    const id = await remind(to, { notBefore });
    expect(await statusOf(id)).toMatchObject({ status: 'queued', notBefore });
    await ended(id);
    expect(Date.parse(createCalls(to)[0]?.at ?? '')).toBeGreaterThanOrEqual(Date.parse(notBefore));
  });

  it('a bad request gets 400 naming every problem, and nothing is queued or placed', async () => {
    const before = createCalls().length;
    const requestRows = async () => (await stack.rows()).filter(([partition]) => partition.startsWith('outbound|')).length;
    const rowsBefore = await requestRows();
    const bad = await post({ to: '555-0100', campaign: 'appointmentReminder', variables: {}, notBefore: 'tomorrow', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.json.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^to: must be an E\.164/), expect.stringMatching(/^notBefore:/), expect.stringMatching(/extra/)]));
    const semantic = await post({ to: callee(), campaign: 'appointmentReminder', variables: { time: '', room: '4' }, language: 'fr-FR' });
    expect(semantic.json.problems).toEqual([
      'variables.time: is required by campaign appointmentReminder',
      'variables.room: is not a variable of campaign appointmentReminder',
      'language: must be one the hotline speaks (en-US, es-ES)',
    ]);
    expect((await post({ to: callee(), campaign: 'survey', variables: {} })).json.problems).toEqual([expect.stringMatching(/^campaign: "survey" is not a campaign/)]);
    expect((await post({ to: callee(), campaign: 'appointmentReminder', variables: { time: 'x'.repeat(201) } })).json.problems).toEqual([
      'variables.time: must be at most 200 characters',
    ]);
    expect((await post('{not json')).status).toBe(400);
    expect((await post('x'.repeat(20_000))).status).toBe(413);
    expect(createCalls()).toHaveLength(before);
    expect(await requestRows()).toBe(rowsBefore);
    expect((await fetch(`${stack.host.url}/api/outbound-calls/no-such-request`)).status).toBe(404);
  });
});

describe('load', () => {
  it('20 concurrent requests: each placed once, at most OUTBOUND_CALLS_PER_SECOND (10) a second, all ended', async () => {
    const startedAt = Date.now();
    const numbers = Array.from({ length: 20 }, callee);
    for (const to of numbers) stack.emulator.caller.calleeBehaves(to, { kind: 'decline' });
    const ids = await Promise.all(numbers.map((to) => remind(to)));
    expect(new Set(ids).size).toBe(20);
    // Twenty calls at ten a second take two; the limit is for a machine far busier than that.
    const statuses = await Promise.all(ids.map((id) => ended(id, 60_000)));
    expect(statuses.every((s) => s.outcome === 'declined')).toBe(true);
    const times = numbers.map((to) => {
      const placed = createCalls(to);
      expect(placed).toHaveLength(1);
      return Date.parse(placed[0]?.at ?? '');
    });
    // Each createCall waits for a 100 ms slot of its own (a row in the table): the i-th call to go out cannot go
    // before the i-th slot taken since the test began starts, however fast or slow the machine is.
    const slotStarts = (await stack.rows())
      .filter(([partition]) => partition === 'outbound-rate')
      .map(([, row]) => Number(row) * 100)
      .filter((start) => start >= startedAt - 100)
      .sort((a, b) => a - b);
    expect(slotStarts.length).toBeGreaterThanOrEqual(20);
    const sorted = [...times].sort((a, b) => a - b);
    expect(sorted.filter((at, index) => at < (slotStarts[index] ?? Infinity))).toEqual([]);
  });
});

describe('a placement that keeps failing', () => {
  let failing: TestStack;
  beforeAll(async () => {
    // ACS's 503 as the adapter reads it: a placement to try again later.
    const unavailable = placeFailure(new RestError('ACS unavailable', { statusCode: 503 }));
    failing = await startTestStack({ outbound: true, overrides: { dialer: { place: () => Promise.resolve(unavailable) } } });
  });
  afterAll(async () => {
    await failing.stop();
  });

  it('is redelivered by the queue, ends in the poison queue, and the request ends failed', async () => {
    const reply = await fetch(`${failing.host.url}/api/outbound-calls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: callee(), campaign: 'appointmentReminder', variables: { time: '2 PM' } }),
    });
    const { id } = (await reply.json()) as { id: string };
    let status: Status | undefined;
    await waitFor(async () => {
      status = (await (await fetch(`${failing.host.url}/api/outbound-calls/${id}`)).json()) as Status;
      return status.status === 'failed';
    }, 'the request to fail');
    expect(status).toMatchObject({ outcome: 'failed', code: 'poisoned' });
    const failures = failing.telemetry.filter((e) => e.name === 'OutboundPlacementFailed' && e.properties['requestId'] === id);
    expect(failures).toHaveLength(5);
    // ACS's trouble, not storage's: ops look at the right service.
    expect(failures.every((e) => e.properties['cause'] === 'acsUnavailable')).toBe(true);
  });
});
