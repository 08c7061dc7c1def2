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

/** ACS carries out the operation, but its response never reaches the app: the app sees `error` instead. */
const responseLost = (operation: string, error: { statusCode?: number; code?: string }): PipelinePolicy => ({
  name: 'responseLost',
  sendRequest: async (request, next) => {
    const response = await next(request);
    if (!request.url.includes(operation)) return response;
    throw new RestError('the connection dropped before the response arrived', { ...error, request });
  },
});

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
  /** A stack whose app pauses take no real time: each moves the app's clock instead, and is recorded. */
  async function pausingStack() {
    const pauses: number[] = [];
    let moveClock: (ms: number) => void = () => undefined;
    const st = await stack({
      overrides: {
        timers: {
          sleep: (ms: number) => {
            pauses.push(ms);
            moveClock(ms);
            return Promise.resolve();
          },
          untilElapsed: () => Promise.resolve(),
          random: () => 0.5,
        },
      },
    });
    moveClock = (ms) => st.advanceClock(ms);
    return { st, pauses };
  }

  it('429 without Retry-After three times: tried again after 1, 2 and 4 s, and the call goes on', async () => {
    const { st, pauses } = await pausingStack();
    const call = await callAnswering(st, 'account');
    pauses.length = 0;
    st.emulator.faults.inject({ path: /:recognize$/, status: 429, times: 3 });
    expect((await st.postCallbacks([call.answer])).status).toBe(200);
    expect(call.requests(':recognize').map((r) => r.status)).toEqual([429, 429, 429, 202]);
    expect(pauses).toEqual([1_000, 2_000, 4_000]);
    expect(st.telemetry.filter((e) => e.name === 'ActionFailed')).toEqual([]);
    expect((await st.stateOf(call.callConnectionId))?.phase).toMatchObject({ name: 'awaitingInput', menuId: 'account' });
  });

  it('429 on every try: four tries inside the actions deadline, then 200, ActionFailed, and the watchdog re-prompts later', async () => {
    const { st } = await pausingStack();
    const call = await callAnswering(st, 'account');
    st.emulator.faults.inject({ path: /:recognize$/, status: 429, times: 4 });
    expect((await st.postCallbacks([call.answer])).status).toBe(200);
    expect(call.requests(':recognize').map((r) => r.status)).toEqual([429, 429, 429, 429]);
    expect(st.telemetry.find((e) => e.name === 'ActionFailed')?.properties).toMatchObject({ action: 'recognize', statusCode: '429' });
    st.advanceClock(46_000);
    await st.host.runTimer('watchdog');
    expect(call.requests(':recognize').map((r) => r.status)).toEqual([429, 429, 429, 429, 202]);
    expect((await st.stateOf(call.callConnectionId))?.phase).toMatchObject({ name: 'awaitingInput', menuId: 'account', attempt: 2 });
  });
});

describe('a hung action (issue 13, item 5)', () => {
  it('is cut off by its timeout: the callback answers 200, ActionFailed is tracked, the watchdog has the call', async () => {
    const hangRecognize: PipelinePolicy = {
      name: 'hangRecognize',
      sendRequest: (request, next) =>
        !request.url.includes(':recognize') || (typeof request.body === 'string' && request.body.includes('"main-menu'))
          ? next(request)
          : new Promise((_, reject) => {
              // What Node's HTTP client does with a server that never answers: it aborts at the request's timeout.
              const stop = () => reject(Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' }));
              if (request.timeout > 0) setTimeout(stop, request.timeout);
              request.abortSignal?.addEventListener('abort', stop, { once: true });
            }),
    };
    const st = await stack({ overrides: { acsPolicies: [{ policy: hangRecognize, position: 'perRetry' }] } });
    const call = await callAnswering(st, 'account');
    const reply = await st.postCallbacks([call.answer]);
    expect(reply).toMatchObject({ status: 200, body: { outcomes: ['applied'] } });
    expect(st.telemetry.filter((e) => e.name === 'ActionFailed').map((e) => e.properties['action'])).toEqual(['recognize']);
    expect((await st.stateOf(call.callConnectionId))?.phase).toMatchObject({ name: 'awaitingInput', menuId: 'account' });
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

describe('a transfer in doubt: answered 5xx or its response lost (R-19)', () => {
  /** The caller asks for the operator; the app says "please hold" and then transfers. */
  async function askForOperator(st: TestStack) {
    const handle = await st.emulator.caller.dial({ from: CALLER_NUMBER, to: HOTLINE_NUMBER });
    expect((await handle.nextPrompt()).text).toContain('Welcome to Contoso');
    handle.say('operator');
    const callConnectionId = handle.callConnectionId ?? '';
    const requests = (suffix: string, method = 'POST') =>
      st.emulator.requests.filter((r) => r.callConnectionId === callConnectionId && r.method === method && r.path.endsWith(suffix)).map((r) => r.status);
    return { handle, callConnectionId, requests };
  }

  it('500 on every try of the SDK: ACS still says connected, so the transfer is asked once more and the caller reaches the operator', async () => {
    const st = await stack({ timeScale: 0.02 });
    st.emulator.faults.inject({ path: /:transferToParticipant$/, status: 500, times: 3 });
    const call = await askForOperator(st);
    expect(await call.handle.waitForEnd()).toMatchObject({ kind: 'transferred' });
    expect(call.requests(':transferToParticipant')).toEqual([500, 500, 500, 202]);
    expect(call.requests(call.callConnectionId, 'GET')).toEqual([200]);
    expect(st.telemetry.filter((e) => e.name === 'ActionFailed')).toEqual([]);
    expect(st.logs.some((entry) => entry.message.includes('transfer request failed before ACS started it'))).toBe(true);
  });

  it('carried out but its response lost: ACS says the call is transferred (or over), so it is not asked twice', async () => {
    const st = await stack({ timeScale: 0.02, overrides: { acsPolicies: [{ policy: responseLost(':transferToParticipant', { code: 'ECONNRESET' }), position: 'perCall' }] } });
    const call = await askForOperator(st);
    expect(await call.handle.waitForEnd()).toMatchObject({ kind: 'transferred' });
    await waitFor(async () => (await st.stateOf(call.callConnectionId))?.phase.name === 'ended');
    expect(call.requests(':transferToParticipant')).toEqual([202]);
    expect(st.telemetry.filter((e) => e.name === 'ActionFailed')).toEqual([]);
    expect((await st.stateOf(call.callConnectionId))?.phase).toEqual({ name: 'ended', outcome: 'transferred' });
  });

  it("500 on every try and ACS cannot be asked either: ActionFailed, and the watchdog's, as before", async () => {
    const st = await stack({ timeScale: 0.02 });
    st.emulator.faults.inject({ path: /:transferToParticipant$/, status: 500, times: 3 });
    st.emulator.faults.inject({ method: 'GET', path: /^\/calling\/callConnections\/[^/:]+$/, status: 503, times: 3 });
    const call = await askForOperator(st);
    await waitFor(() => st.telemetry.some((e) => e.name === 'ActionFailed'));
    expect(st.telemetry.find((e) => e.name === 'ActionFailed')?.properties).toMatchObject({ action: 'transferToOperator', statusCode: '500' });
    expect(call.requests(':transferToParticipant')).toEqual([500, 500, 500]);
    expect((await st.stateOf(call.callConnectionId))?.phase).toMatchObject({ name: 'transferring' });
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

  it('429 four times: retried inside the invocation (the ring window allows it), answered once, Event Grid gets 202', async () => {
    const st = await stack({ timeScale: 0.02 });
    st.emulator.faults.inject({ path: /:answer$/, status: 429, times: 4 });
    const handle = await st.emulator.caller.dial({ from: CALLER_NUMBER, to: HOTLINE_NUMBER });
    expect((await handle.nextPrompt({ timeoutMs: 30_000 })).text).toContain('Welcome to Contoso');
    expect(answers(st).map((r) => r.status)).toEqual([429, 429, 429, 429, 200]);
    expect(handle.timeline.filter((e) => e.kind === 'incomingCallDelivered').map((e) => e.details['status'])).toEqual([202]);
    expect(st.telemetry.filter((e) => e.name === 'CallAnswered')).toHaveLength(1);
  });
});

/**
 * The ring window is measured from the event's time (issue 13, items 4, 5 and 13). The app's clock is moved forward, so
 * a delivery looks as late as Event Grid's redeliveries are, and so a throttled owner's pauses pass on it as they
 * would in Azure; the times checked are the app's, never the machine's speed.
 */
/** Answer tries for which `hangs()` says so get no reply until their abort signal fires (a dead socket). */
function hangAnswerTries(hangs: () => boolean): PipelinePolicy {
  return {
    name: 'hangAnswerTries',
    sendRequest: (request, next) =>
      !request.url.includes(':answer') || !hangs()
        ? next(request)
        : new Promise((_, reject) => {
            const stop = () => reject(Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' }));
            if (request.abortSignal?.aborted) stop();
            request.abortSignal?.addEventListener('abort', stop, { once: true });
          }),
  };
}

/** The owner's pause after a 429 without Retry-After (THROTTLE_PAUSE_MS), which the SDK does not retry. */
const OWNER_PAUSE_MS = 1_000;

/**
 * Answer tries that `refuse` picks (given the try's time into the ring, on the app's clock) get ACS's 429 without
 * Retry-After. Each refusal moves the app's clock on by the owner's pause that follows it, which the scaled timers make
 * 20 ms of real time: the ring passes on the app's clock as it would in Azure. `ringMs` lists every try's time.
 */
function throttleAnswers(refuse: (ringMs: number, st: TestStack) => boolean | Promise<boolean>) {
  const tries = { eventTime: Number.NaN, ringMs: [] as number[] };
  const policy: PipelinePolicy = {
    name: 'throttleAnswers',
    async sendRequest(request, next) {
      const st = s;
      if (!request.url.includes(':answer') || !st) return next(request);
      const ringMs = st.now().getTime() - tries.eventTime;
      tries.ringMs.push(ringMs);
      if (!(await refuse(ringMs, st))) return next(request);
      st.emulator.faults.inject({ path: /:answer$/, status: 429 });
      const refusal = await next(request);
      st.advanceClock(OWNER_PAUSE_MS);
      return refusal;
    },
  };
  return { tries, policy };
}

describe('answering against the ring window', () => {
  const answers = (st: TestStack) => st.emulator.requests.filter((r) => r.path.endsWith(':answer'));
  const eventTimeOf = (handle: { incomingCallEvent: Record<string, unknown> }) => Date.parse(String(handle.incomingCallEvent['eventTime'] ?? handle.incomingCallEvent['time']));
  const notAnswered = (st: TestStack) => st.telemetry.filter((e) => e.name === 'CallNotAnswered').map((e) => e.properties['reason']);
  const stateRows = async (st: TestStack) => (await st.rows()).filter(([, rk]) => rk === 'state');

  async function throttledStack(refuse: Parameters<typeof throttleAnswers>[0], ringMs = 0) {
    const throttle = throttleAnswers(refuse);
    const st = await stack({ timeScale: 0.02, overrides: { acsPolicies: [{ policy: throttle.policy, position: 'perRetry' }] } });
    st.advanceClock(ringMs);
    const handle = await st.emulator.caller.dial({ from: CALLER_NUMBER, to: HOTLINE_NUMBER, deliver: false });
    throttle.tries.eventTime = eventTimeOf(handle);
    return { st, handle, tries: throttle.tries };
  }

  it('throttled on its first delivery until 20 s into the ring: the owner retries past 15 s under its extended claim and answers, no hand-over', async () => {
    const { st, handle, tries } = await throttledStack((ringMs) => ringMs < 20_000);
    // Before, the owner handed over at 15 s (500), and under a burst Event Grid's redelivery came after the caller had gone.
    expect(await st.emulator.caller.redeliverIncomingCall(handle.callId)).toBe(202);
    expect(answers(st).map((r) => r.status)).toEqual([...tries.ringMs.slice(1).map(() => 429), 200]);
    expect(tries.ringMs.at(-1)).toBeGreaterThanOrEqual(20_000);
    expect(notAnswered(st)).toEqual([]);
    const claim = await st.store.loadClaim(handle.correlationId);
    expect(claim).toMatchObject({ status: 'answered' });
    // Extended past the ring's end, so no redelivery takes the call from its owner while it retries.
    expect(Date.parse(claim?.deadline ?? '') - eventTimeOf(handle)).toBeGreaterThan(30_000);
    expect((await handle.nextPrompt()).text).toContain('Welcome to Contoso');
  });

  it('a redelivery while the owner retries under its extended claim (22 s, past where it ended before) is a duplicate: one answer, one state row', async () => {
    let redelivery: number | undefined;
    let callId = '';
    const { st, handle } = await throttledStack(async (ringMs, stack) => {
      // Event Grid's retry of a delivery that looked failed (or an at-least-once duplicate), mid-retry of the owner.
      if (ringMs >= 22_000 && redelivery === undefined) redelivery = await stack.emulator.caller.redeliverIncomingCall(callId);
      return ringMs < 25_000;
    });
    callId = handle.callId;
    expect(await st.emulator.caller.redeliverIncomingCall(handle.callId)).toBe(202);
    expect(redelivery).toBe(202);
    expect(notAnswered(st)).toEqual(['duplicate']);
    expect(answers(st).filter((r) => r.status === 200)).toHaveLength(1);
    expect((await handle.nextPrompt()).text).toContain('Welcome to Contoso');
    expect(await stateRows(st)).toHaveLength(1);
    expect(st.telemetry.filter((e) => e.name === 'CallAnswered')).toHaveLength(1);
  });

  it('throttled to the ring\'s end: no try starts in its last second, then acknowledged (202) as ringWindow, not handed over', async () => {
    const { st, handle, tries } = await throttledStack(() => true);
    expect(await st.emulator.caller.redeliverIncomingCall(handle.callId)).toBe(202);
    expect(answers(st).every((r) => r.status === 429)).toBe(true);
    // It went on until the end (not handing over at 15 s), and nothing went out past the last answer's margin.
    expect(Math.max(...tries.ringMs)).toBeGreaterThanOrEqual(27_000);
    expect(Math.max(...tries.ringMs)).toBeLessThan(29_000);
    expect(await st.store.loadClaim(handle.correlationId)).toMatchObject({ status: 'answerFailed' });
    expect(notAnswered(st)).toEqual(['ringWindow']);
  });

  it('throttled while the claim cannot be extended: handed over (500) with the claim, and the redelivery answers, not lost as a failed answer', async () => {
    const { st, handle } = await throttledStack((_, stack) => stack.emulator.requests.length === 0);
    // Every claim update fails (past the SDK's retries): the extension the retry needs, and the hand-over's status.
    st.storageFaults.inject({ fault: 'unavailable', operations: ['update'], times: 1_000 });
    expect(await st.emulator.caller.redeliverIncomingCall(handle.callId)).toBe(500);
    expect(notAnswered(st)).toEqual(['throttled']);
    st.storageFaults.clear();
    st.advanceClock(10_000); // Event Grid's retry, after the claim's first deadline
    expect(await st.emulator.caller.redeliverIncomingCall(handle.callId)).toBe(202);
    expect((await handle.nextPrompt()).text).toContain('Welcome to Contoso');
    expect(answers(st).map((r) => r.status)).toEqual([429, 200]);
  });

  it('throttled while the claim cannot be extended, 12 s into the ring (a retry, whose own retry is 30 s away): recorded as ringWindow (202), not handed over', async () => {
    const { st, handle } = await throttledStack((_, stack) => stack.emulator.requests.length === 0, 12_000);
    st.storageFaults.inject({ fault: 'unavailable', operations: ['update'], times: 1_000 });
    expect(await st.emulator.caller.redeliverIncomingCall(handle.callId)).toBe(202);
    expect(answers(st).map((r) => r.status)).toEqual([429]);
    expect(notAnswered(st)).toEqual(['ringWindow']);
  });

  it('a first answer that hangs until the claim\'s first deadline, 9.5 s into the ring: the owner extends its claim and answers, no hand-over', async () => {
    let tries = 0;
    // The first answer try hangs, as one does when a dial burst saturates the instance; the next goes through.
    const hangFirstAnswer = hangAnswerTries(() => tries++ === 0);
    const st = await stack({ timeScale: 0.02, overrides: { acsPolicies: [{ policy: hangFirstAnswer, position: 'perRetry' }] } });
    st.advanceClock(9_500);
    const handle = await st.emulator.caller.dial({ from: CALLER_NUMBER, to: HOTLINE_NUMBER, deliver: false });
    // Before, the owner stopped at 15 s and handed over (500), and the caller waited Event Grid's 10 s for the next try.
    expect(await st.emulator.caller.redeliverIncomingCall(handle.callId)).toBe(202);
    expect(tries).toBe(2);
    expect(answers(st).map((r) => r.status)).toEqual([200]);
    const claim = await st.store.loadClaim(handle.correlationId);
    expect(claim).toMatchObject({ status: 'answered' });
    // Extended past the first deadline (15.5 s + 2 s) and past the ring's end.
    expect(Date.parse(claim?.deadline ?? '') - eventTimeOf(handle)).toBeGreaterThan(30_000);
    expect(notAnswered(st)).toEqual([]);
    expect((await handle.nextPrompt()).text).toContain('Welcome to Contoso');
  });

  it('hanging while the claim cannot be extended: a redelivery before the first deadline is a duplicate, the owner hands over, Event Grid\'s retry answers', async () => {
    let hanging = true;
    const hangAnswers = hangAnswerTries(() => hanging);
    const st = await stack({ timeScale: 0.02, overrides: { acsPolicies: [{ policy: hangAnswers, position: 'perRetry' }] } });
    st.storageFaults.inject({ fault: 'unavailable', operations: ['update'], times: 1_000 });
    const handle = await st.emulator.caller.dial({ from: CALLER_NUMBER, to: HOTLINE_NUMBER, deliver: false });
    const owner = st.emulator.caller.redeliverIncomingCall(handle.callId);
    // A redelivery while the owner hangs on ACS: the owner's deadline has not passed, so no second answer.
    await waitForClaim(st, handle.correlationId);
    expect(await st.emulator.caller.redeliverIncomingCall(handle.callId)).toBe(202);
    expect(notAnswered(st)).toEqual(['duplicate']);
    // Cut off at the claim's first deadline, it cannot extend the claim to go on: it hands over.
    expect(await owner).toBe(500);
    expect(notAnswered(st)).toEqual(['duplicate', 'timedOut']);
    // The hand-over's status could not be written either: the claim's first deadline frees it for Event Grid's retry.
    expect(await st.store.loadClaim(handle.correlationId)).toMatchObject({ status: 'answering' });
    st.storageFaults.clear();
    hanging = false;
    st.advanceClock(10_000);
    expect(await st.emulator.caller.redeliverIncomingCall(handle.callId)).toBe(202);
    expect((await handle.nextPrompt()).text).toContain('Welcome to Contoso');
    expect(await stateRows(st)).toHaveLength(1);
  });
});

describe('answering: failures ACS will not recover from', () => {
  const answers = (st: TestStack) => st.emulator.requests.filter((r) => r.path.endsWith(':answer'));

  it('an answer ACS carried out but whose response was lost: recorded as answerFailed, and CallConnected still starts the call', async () => {
    const st = await stack({ timeScale: 0.02, overrides: { acsPolicies: [{ policy: responseLost(':answer', { statusCode: 500 }), position: 'perCall' }] } });
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

async function waitForClaim(st: TestStack, correlationId: string): Promise<void> {
  for (let i = 0; i < 500 && !(await st.store.loadClaim(correlationId)); i++) await new Promise((resolve) => setTimeout(resolve, 20));
}
