// ACS failing the app's actions: the call is gone, throttled, in conflict, down, or the
// request never left because the process died; and ACS failing the answer itself.
import { RestError, type PipelinePolicy } from '@azure/core-rest-pipeline';
import { afterEach, describe, expect, it } from 'vitest';
import { HOTLINE_NUMBER } from '../../tools/local/local-stack';
import { CALLER_NUMBER, cloudEvent, startTestStack, waitFor, waitingContext, type TestStack } from '../support/stack';

let s: TestStack | undefined;
afterEach(async () => {
  await s?.stop();
  s = undefined;
});

/** A stack whose emulated caller stays quiet for a minute, so only the events the test posts move the call. */
async function stack(options: Parameters<typeof startTestStack>[0] = {}): Promise<TestStack> {
  s = await startTestStack({ timeScale: 5, ...options });
  return s;
}

async function callAnswering(stack: TestStack, label: 'account' | 'hours') {
  const { callConnectionId, correlationId } = await stack.dial();
  const answer = cloudEvent('RecognizeCompleted', {
    callConnectionId,
    correlationId,
    operationContext: waitingContext(await stack.stateOf(callConnectionId)),
    recognitionType: 'choices',
    choiceResult: { label },
    resultInformation: { code: 200, subCode: 8545 },
  });
  const from = stack.acsRequests(callConnectionId).length;
  const requests = (action: string) => stack.acsRequests(callConnectionId).slice(from).filter((r) => r.path.endsWith(action));
  return { callConnectionId, answer, requests };
}

describe('an action on a call ACS no longer knows (R-16)', () => {
  it.each([
    ['404/8522 on the next Recognize', 'account', ':recognize', 404, '8522'],
    ['400/8528 on the next Play', 'hours', ':play', 400, '8528'],
  ] as const)('%s: the call is ended, the callback gets 200, nothing is retried', async (_, label, action, status, code) => {
    const st = await stack();
    const call = await callAnswering(st, label);
    st.emulator.faults.inject({ path: new RegExp(`${action}$`), status, code });
    expect(await st.postCallbacks([call.answer])).toMatchObject({ status: 200, body: { outcomes: ['applied'] } });
    expect((await st.stateOf(call.callConnectionId))?.phase).toEqual({ name: 'ended', outcome: 'abandoned' });
    expect(call.requests(action)).toHaveLength(1);
    expect(st.telemetry.find((e) => e.name === 'ActionFailed')?.properties).toMatchObject({ statusCode: String(status), code });
    st.advanceClock(120_000);
    await st.host.runTimer('watchdog');
    expect(call.requests('')).toHaveLength(1);
  });
});

describe('a throttled action (R-17)', () => {
  it('429 without Retry-After once: retried once by the app after a second, and the call goes on', async () => {
    const st = await stack();
    const call = await callAnswering(st, 'account');
    st.emulator.faults.inject({ path: /:recognize$/, status: 429 });
    expect((await st.postCallbacks([call.answer])).status).toBe(200);
    expect(call.requests(':recognize').map((r) => r.status)).toEqual([429, 202]);
    expect((await st.stateOf(call.callConnectionId))?.phase).toMatchObject({ name: 'awaitingInput', menuId: 'account' });
  });

  it('429 twice: no third try; 200; the watchdog re-prompts later', async () => {
    const st = await stack();
    const call = await callAnswering(st, 'account');
    st.emulator.faults.inject({ path: /:recognize$/, status: 429, times: 2 });
    expect((await st.postCallbacks([call.answer])).status).toBe(200);
    expect(call.requests(':recognize').map((r) => r.status)).toEqual([429, 429]);
    st.advanceClock(46_000);
    await st.host.runTimer('watchdog');
    expect(call.requests(':recognize').map((r) => r.status)).toEqual([429, 429, 202]);
    expect((await st.stateOf(call.callConnectionId))?.phase).toMatchObject({ name: 'awaitingInput', menuId: 'account', attempt: 2 });
  });
});

describe('a conflicting action (R-18)', () => {
  it('409/8519 is not retried blindly; logged; the callback gets 200', async () => {
    const st = await stack();
    const call = await callAnswering(st, 'account');
    st.emulator.faults.inject({ path: /:recognize$/, status: 409, code: '8519' });
    expect((await st.postCallbacks([call.answer])).status).toBe(200);
    expect(call.requests(':recognize').map((r) => r.status)).toEqual([409]);
    expect(st.logs.some((entry) => entry.level === 'error' && entry.message.includes('ACS action failed') && entry.message.includes('8519'))).toBe(true);
  });
});

describe('ACS down for an action (R-19)', () => {
  it('500 x4: the SDK gives up after 3 tries; 200; the watchdog re-prompts and the SDK gets through on its next try', async () => {
    const st = await stack();
    const call = await callAnswering(st, 'account');
    st.emulator.faults.inject({ path: /:recognize$/, status: 500, times: 4 });
    expect((await st.postCallbacks([call.answer])).status).toBe(200);
    expect(call.requests(':recognize').map((r) => r.status)).toEqual([500, 500, 500]);
    expect(st.telemetry.find((e) => e.name === 'ActionFailed')?.properties).toMatchObject({ action: 'recognize', statusCode: '500' });
    st.advanceClock(46_000);
    await st.host.runTimer('watchdog');
    expect(call.requests(':recognize').map((r) => r.status)).toEqual([500, 500, 500, 500, 202]);
    expect((await st.stateOf(call.callConnectionId))?.phase).toMatchObject({ name: 'awaitingInput', menuId: 'account', attempt: 2 });
  });
});

describe('a Recognize that never leaves after the state is saved, as when the worker dies in between (R-24)', () => {
  it('leaves the caller waiting no longer than the watchdog allows: nothing before 45 s, a re-prompt after', async () => {
    let losses = 1;
    const loseBeforeSending: PipelinePolicy = {
      name: 'loseBeforeSending',
      sendRequest: (request, next) => {
        if (request.url.includes(':recognize') && losses-- > 0) throw new Error('the worker died before the request left');
        return next(request);
      },
    };
    const st = await stack({ timeScale: 0.02, overrides: { acsPolicies: [{ policy: loseBeforeSending, position: 'perCall' }] } });
    const handle = await st.emulator.caller.dial({ from: CALLER_NUMBER, to: HOTLINE_NUMBER });
    // The signal that the lost request is behind us: the app reports the action it could not send.
    await waitFor(() => st.telemetry.some((e) => e.name === 'ActionFailed' && e.properties['action'] === 'recognize'), 'the lost Recognize');
    expect(losses).toBe(0);
    expect(st.acsRequests(handle.callConnectionId ?? '')).toEqual([]);
    expect((await st.stateOf(handle.callConnectionId ?? ''))?.phase).toMatchObject({ name: 'awaitingInput', menuId: 'main', attempt: 1 });

    st.advanceClock(44_000);
    await st.host.runTimer('watchdog');
    expect(st.acsRequests(handle.callConnectionId ?? '')).toEqual([]);
    st.advanceClock(2_000);
    await st.host.runTimer('watchdog');
    expect((await handle.nextPrompt()).text).toContain("Sorry, I didn't hear anything.");
    expect(st.telemetry.filter((e) => e.name === 'CallStuck')).toMatchObject([{ properties: { phase: 'awaitingInput', menuId: 'main' } }]);
  });
});

describe('answering (R-03, R-04, R-05)', () => {
  const answers = (st: TestStack) => st.emulator.requests.filter((r) => r.path.endsWith(':answer'));

  it('503 twice then 200: the SDK retries, the call is answered once and Event Grid gets 202', async () => {
    const st = await stack({ timeScale: 0.02 });
    st.emulator.faults.inject({ path: /:answer$/, status: 503, times: 2 });
    const handle = await st.emulator.caller.dial({ from: CALLER_NUMBER, to: HOTLINE_NUMBER });
    expect((await handle.nextPrompt()).text).toContain('Welcome to Contoso');
    expect(answers(st).map((r) => r.status)).toEqual([503, 503, 200]);
    expect(handle.timeline.filter((e) => e.kind === 'incomingCallDelivered').map((e) => e.details['status'])).toEqual([202]);
  });

  it('429 without Retry-After once: the app tries once more a second later and answers', async () => {
    const st = await stack({ timeScale: 0.02 });
    st.emulator.faults.inject({ path: /:answer$/, status: 429 });
    const handle = await st.emulator.caller.dial({ from: CALLER_NUMBER, to: HOTLINE_NUMBER });
    expect((await handle.nextPrompt()).text).toContain('Welcome to Contoso');
    expect(answers(st).map((r) => r.status)).toEqual([429, 200]);
  });

  it("429 on every try: the claim is released, the host answers 500, and Event Grid's redelivery answers once", async () => {
    const st = await stack({ timeScale: 0.02, emulator: { eventGridRetryDelaysMs: [200] } });
    // The first delivery's try and its three throttle retries.
    st.emulator.faults.inject({ path: /:answer$/, status: 429, times: 4 });
    const handle = await st.emulator.caller.dial({ from: CALLER_NUMBER, to: HOTLINE_NUMBER });
    expect((await handle.nextPrompt({ timeoutMs: 30_000 })).text).toContain('Welcome to Contoso');
    expect(answers(st).map((r) => r.status)).toEqual([429, 429, 429, 429, 200]);
    expect(handle.timeline.filter((e) => e.kind === 'incomingCallDelivered').map((e) => e.details['status'])).toEqual([500, 202]);
    expect(await st.store.loadClaim(handle.correlationId)).toMatchObject({ status: 'answered', callConnectionId: handle.callConnectionId });
    expect(st.telemetry.filter((e) => e.name === 'CallNotAnswered').map((e) => e.properties['reason'])).toEqual(['throttled']);
    expect(st.telemetry.filter((e) => e.name === 'CallAnswered')).toHaveLength(1);
  });

  it('an answer ACS carried out but whose response was lost: recorded as answerFailed, and CallConnected still starts the call', async () => {
    const loseAnswerResponse: PipelinePolicy = {
      name: 'loseAnswerResponse',
      sendRequest: async (request, next) => {
        const response = await next(request);
        if (!request.url.includes(':answer')) return response;
        throw new RestError('the connection dropped before the response arrived', { statusCode: 500, request });
      },
    };
    const st = await stack({ timeScale: 0.02, overrides: { acsPolicies: [{ policy: loseAnswerResponse, position: 'perCall' }] } });
    const handle = await st.emulator.caller.dial({ from: CALLER_NUMBER, to: HOTLINE_NUMBER });
    expect((await handle.nextPrompt()).text).toContain('Welcome to Contoso');
    expect(answers(st).map((r) => r.status)).toEqual([200]);
    expect(await st.store.loadClaim(handle.correlationId)).toMatchObject({ status: 'answerFailed' });
    expect((await st.stateOf(handle.callConnectionId ?? ''))?.phase).toMatchObject({ name: 'awaitingInput', menuId: 'main' });
  });

  it.each([400, 403, 404])('%i: acknowledged (202, no Event Grid retry), recorded as answerFailed, no state row', async (status) => {
    const st = await stack({ timeScale: 0.02 });
    st.emulator.faults.inject({ path: /:answer$/, status });
    const handle = await st.emulator.caller.dial({ from: CALLER_NUMBER, to: HOTLINE_NUMBER });
    expect(handle.timeline.filter((e) => e.kind === 'incomingCallDelivered').map((e) => e.details['status'])).toEqual([202]);
    expect(answers(st)).toHaveLength(1);
    expect(await st.store.loadClaim(handle.correlationId)).toMatchObject({ status: 'answerFailed' });
    expect((await st.rows()).filter(([, rk]) => rk === 'state')).toEqual([]);
    expect(st.telemetry.find((e) => e.name === 'CallNotAnswered')?.properties).toMatchObject({ reason: 'answerFailed', statusCode: String(status) });
  });

  it('an IncomingCall older than the ring window is not answered, and acknowledged', async () => {
    const st = await stack({ timeScale: 0.02 });
    st.advanceClock(31_000);
    const handle = await st.emulator.caller.dial({ from: CALLER_NUMBER, to: HOTLINE_NUMBER });
    expect(handle.timeline.filter((e) => e.kind === 'incomingCallDelivered').map((e) => e.details['status'])).toEqual([202]);
    expect(answers(st)).toEqual([]);
    expect(st.telemetry.find((e) => e.name === 'CallNotAnswered')?.properties).toMatchObject({ reason: 'expired' });
  });
});
