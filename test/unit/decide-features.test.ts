// decide and the prompts against small flows built for one feature each, in given / when / then form: the default
// hotline uses none of per-menu limits, reprompts and fallbacks, voices, SSML or audio prompts.
import { describe, expect, it } from 'vitest';
import type { CallEvent } from '../../src/domain/call-event';
import { MAX_PATH_LENGTH, type CallState } from '../../src/domain/call-state';
import { decide } from '../../src/domain/decide';
import {
  at,
  choice,
  connected,
  disconnected,
  failed,
  flowOf,
  freshCall,
  heard,
  keys,
  playFailed,
  played,
  recognized,
  speech,
  transitionOf,
  walk,
  waitingFor,
} from '../support/calls';

const base = {
  voices: { 'en-US': 'en-US-NancyNeural', 'es-ES': 'es-ES-ElviraNeural' },
  start: 'ask',
  goodbye: { text: 'Goodbye.' },
  apology: { text: 'Sorry, that failed.' },
};
const askMenu = (extra: Record<string, unknown> = {}) => ({
  prompt: { text: 'Say anything.' },
  input: { type: 'speech' },
  routes: [{ when: { phrase: 'done' }, then: { goodbye: true } }],
  ...extra,
});
const stalled = (state: CallState): CallEvent => ({ type: 'stalled', at, operationContext: waitingFor(state) });
const transferFailed = (state: CallState): CallEvent => ({ type: 'transferFailed', at, operationContext: waitingFor(state), subCode: 7504 });
const transferAccepted = (state: CallState): CallEvent => ({ type: 'transferAccepted', at, operationContext: waitingFor(state) });
const canceled = (state: CallState): CallEvent => ({ type: 'recognizeCanceled', at, operationContext: waitingFor(state), subCode: 8508 });
const noInput = (state: CallState) => failed(state, 'noInput', 8510);
/** An operationContext that starts with these parts; whatever the app appends after them (a per-call value) is its own business. */
const contextOf = (parts: string) => expect.stringMatching(new RegExp(`^${parts.replace(/\./g, '\\.')}(:|$)`)) as string;

describe('attempts and fallbacks per menu', () => {
  const flow = flowOf({
    ...base,
    maxAttempts: 3,
    onMaxAttempts: { goodbye: true },
    menus: {
      ask: askMenu({
        maxAttempts: 1,
        onMaxAttempts: { transfer: 'operator' },
        routes: [{ when: { phrase: 'next' }, then: { menu: 'other' } }],
      }),
      other: askMenu(),
    },
  });

  it('given a menu with maxAttempts 1 and its own fallback, when the first attempt fails, then the menu fallback runs at once', () => {
    const { state, last } = walk(flow, [() => connected, noInput]);
    expect(last).toEqual({ type: 'transferToOperator', operationContext: contextOf('transfer:2') });
    expect(state.phase).toEqual({ name: 'transferring', operationContext: contextOf('transfer:2'), menuId: 'ask' });
    expect(state.lastFailure).toBe('noInput');
  });

  it('given a menu without its own limit, when attempts fail, then the flow-wide limit (3) and fallback apply', () => {
    const toOther = [() => connected, (s: CallState) => recognized(s, speech('next please'))];
    const second = walk(flow, [...toOther, noInput, noInput]);
    expect(second.state.phase).toMatchObject({ name: 'awaitingInput', menuId: 'other', attempt: 3 });
    const { state, last } = walk(flow, [noInput], second.state);
    expect(heard(last)).toBe('Goodbye.');
    expect(state.phase).toMatchObject({ name: 'playing', then: 'hangUp', onFailure: 'hangUp', outcome: 'completed' });
  });
});

describe('reprompts per menu', () => {
  const flow = flowOf({
    ...base,
    reprompts: { noInput: { text: 'Flow: nothing heard.' }, noMatch: { text: 'Flow: no match.' } },
    menus: { ask: askMenu({ reprompts: { noInput: { text: 'Menu: nothing heard.' }, canceled: 'again' } }) },
    messages: { again: { text: 'Menu: once more.' } },
  });

  it.each<[string, (s: CallState) => CallEvent, string]>([
    ['no input, which the menu rewords', noInput, 'Menu: nothing heard. | Say anything.'],
    ['a cancel, which the menu rewords with a named message', canceled, 'Menu: once more. | Say anything.'],
    ['no match, which only the flow words', (s) => recognized(s, speech('something else')), 'Flow: no match. | Say anything.'],
    ['speech not recognised, which nobody words', (s) => failed(s, 'speechNotRecognized', 8563), 'Say anything.'],
  ])('given a menu with its own reprompts, when the caller gives %s, then that reprompt precedes the prompt', (_, event, words) => {
    const { state, last } = walk(flow, [() => connected, event]);
    expect(heard(last)).toBe(words);
    expect(state.phase).toMatchObject({ menuId: 'ask', attempt: 2 });
  });
});

describe('what a prompt sounds like', () => {
  it('given a text prompt with its own voice, when it is spoken, then that voice is used instead of the language voice', () => {
    const flow = flowOf({ ...base, menus: { ask: askMenu({ prompt: { text: 'Hello.', voice: 'en-US-GuyNeural' } }) } });
    expect(walk(flow, [() => connected]).last).toMatchObject({ prompts: [{ kind: 'text', text: 'Hello.', voice: 'en-US-GuyNeural', language: 'en-US' }] });
  });

  it("given a prompt with a voice per language, when a Spanish caller hears it, then the Spanish text and the prompt's Spanish voice are used", () => {
    const prompt = { text: { 'en-US': 'Hello.', 'es-ES': 'Hola.' }, voice: { 'en-US': 'en-US-GuyNeural', 'es-ES': 'es-ES-AlvaroNeural' } };
    const flow = flowOf({ ...base, menus: { ask: askMenu({ prompt }) } });
    const spanish = { ...freshCall(flow), language: 'es-ES' };
    expect(walk(flow, [() => connected], spanish).last).toMatchObject({ prompts: [{ text: 'Hola.', voice: 'es-ES-AlvaroNeural', language: 'es-ES' }] });
  });

  it('given a prompt voice for the default language only, when a Spanish caller hears a Spanish text, then the default voice is the fallback', () => {
    const prompt = { text: { 'en-US': 'Hello.', 'es-ES': 'Hola.' }, voice: { 'en-US': 'en-US-GuyNeural' } };
    const flow = flowOf({ ...base, menus: { ask: askMenu({ prompt }) } });
    expect(walk(flow, [() => connected], { ...freshCall(flow), language: 'es-ES' }).last).toMatchObject({ prompts: [{ text: 'Hola.', voice: 'en-US-GuyNeural' }] });
  });

  it('given a text in one language for everyone, when a Spanish caller hears it, then it is spoken in the default language and voice', () => {
    const flow = flowOf({ ...base, menus: { ask: askMenu({ prompt: { text: 'Hello.' } }) } });
    expect(walk(flow, [() => connected], { ...freshCall(flow), language: 'es-ES' }).last).toMatchObject({
      prompts: [{ kind: 'text', text: 'Hello.', voice: 'en-US-NancyNeural', language: 'en-US' }],
    });
  });

  it('given an audio prompt per language, when callers of each language and of another hear it, then each gets its file, the rest the default', () => {
    const prompt = { audioUrl: { 'en-US': 'https://cdn.example.com/en.wav', 'es-ES': 'https://cdn.example.com/es.wav' } };
    const flow = flowOf({ ...base, menus: { ask: askMenu({ prompt }) } });
    const urlFor = (language: string) => walk(flow, [() => connected], { ...freshCall(flow), language }).last;
    expect(urlFor('es-ES')).toMatchObject({ prompts: [{ kind: 'file', url: 'https://cdn.example.com/es.wav' }] });
    expect(urlFor('fr-FR')).toMatchObject({ prompts: [{ kind: 'file', url: 'https://cdn.example.com/en.wav' }] });
  });

  it('given an SSML prompt per language, when a Spanish caller hears it, then the Spanish SSML is sent with its language', () => {
    const prompt = { ssml: { 'en-US': '<speak>Hi</speak>', 'es-ES': '<speak>Hola</speak>' } };
    const flow = flowOf({ ...base, menus: { ask: askMenu({ prompt }) } });
    expect(walk(flow, [() => connected], { ...freshCall(flow), language: 'es-ES' }).last).toMatchObject({
      prompts: [{ kind: 'ssml', ssml: '<speak>Hola</speak>', language: 'es-ES' }],
    });
  });
});

describe('reading back what the caller gave a menu ({{menu}})', () => {
  const flow = flowOf({
    ...base,
    menus: {
      ask: askMenu({ routes: [{ when: { any: true }, then: { menu: 'pick' } }] }),
      pick: {
        prompt: { text: 'Pick one.' },
        input: { type: 'choices', choices: [{ label: 'red', phrases: ['red'] }] },
        routes: [{ when: { choice: 'red' }, then: { menu: 'pin' } }],
      },
      pin: {
        prompt: { ssml: '<speak>You said {{ask}}, chose {{ pick }}, and {{pin}}.</speak>' },
        input: { type: 'dtmf', maxTonesToCollect: 4 },
        routes: [{ when: { any: true }, then: { say: { text: 'Text: {{ask}} / {{pin}}.' }, next: { goodbye: true } } }],
      },
    },
  });
  const toPin = [() => connected, (s: CallState) => recognized(s, speech(`Tom & "Jerry's" <b>`)), (s: CallState) => recognized(s, choice('red'))];

  it('given a transcript with XML characters, when an SSML prompt reads it back, then they are escaped and a menu not yet answered reads as nothing', () => {
    const { last } = walk(flow, toPin);
    expect(last).toMatchObject({
      prompts: [{ kind: 'ssml', ssml: '<speak>You said Tom &amp; &quot;Jerry&apos;s&quot; &lt;b&gt;, chose red, and .</speak>' }],
    });
  });

  it('given the same answers, when a text prompt reads them back, then the text is left as said and digits are spoken one by one', () => {
    const { last } = walk(flow, [...toPin, (s) => recognized(s, keys('907'))]);
    expect(heard(last)).toBe(`Text: Tom & "Jerry's" <b> / 9 0 7.`);
  });
});

describe('the stored menu path', () => {
  const flow = flowOf({ ...base, menus: { ask: askMenu({ routes: [{ when: { any: true }, then: { menu: 'ask' } }] }) } });

  it(`given a caller who re-enters a menu again and again, when the path passes ${MAX_PATH_LENGTH} menus, then only the newest ${MAX_PATH_LENGTH} are kept`, () => {
    const steps = [() => connected, ...Array.from({ length: MAX_PATH_LENGTH + 9 }, (_, i) => (s: CallState) => recognized(s, speech(`turn ${i}`)))];
    const { state } = walk(flow, steps);
    expect(state.path).toHaveLength(MAX_PATH_LENGTH);
    expect(state.sequence).toBe(MAX_PATH_LENGTH + 10);
  });

  it('given a menu being retried, when the caller fails it, then the retry adds nothing to the path', () => {
    const { state } = walk(flow, [() => connected, noInput, noInput]);
    expect(state.path).toEqual(['ask']);
  });
});

describe('the watchdog on a call that stalled', () => {
  const flow = flowOf({
    ...base,
    menus: {
      ask: askMenu({
        routes: [
          { when: { phrase: 'operator' }, then: { transfer: 'operator' } },
          { when: { phrase: 'info' }, then: { say: { text: 'Info.' }, next: { menu: 'ask' } } },
          { when: { phrase: 'done' }, then: { goodbye: true } },
        ],
      }),
    },
  });
  const toTransfer = [() => connected, (s: CallState) => recognized(s, speech('operator'))];

  it('given a transfer that never reports back, when the watchdog finds it, then the caller hears an apology and goodbye, never silence', () => {
    const { state, last } = walk(flow, [...toTransfer, stalled]);
    expect(heard(last)).toBe('Sorry, that failed. | Goodbye.');
    expect(state.phase).toMatchObject({ name: 'playing', then: 'hangUp', onFailure: 'hangUp', outcome: 'failed' });
    expect(state.lastFailure).toBe('transferFailed');
  });

  it('given a message that never reports back, when the watchdog finds it, then the call goes on with what follows the message', () => {
    const { state, last } = walk(flow, [() => connected, (s) => recognized(s, speech('info')), stalled]);
    expect(heard(last)).toBe('Say anything.');
    expect(state.phase).toMatchObject({ name: 'awaitingInput', menuId: 'ask', attempt: 1 });
  });

  it('given a goodbye that never reports back, when the watchdog finds it, then the call is hung up as completed', () => {
    const { state, last } = walk(flow, [() => connected, (s) => recognized(s, speech('done')), stalled]);
    expect(last).toEqual({ type: 'hangUp' });
    expect(state.phase).toEqual({ name: 'hangingUp', outcome: 'completed' });
  });

  it.each([
    ['transferred', [...toTransfer, transferAccepted], 'transferred'],
    ['hanging up', [() => connected, (s: CallState) => recognized(s, speech('done')), played], 'completed'],
  ] as const)('given a call %s whose disconnect never came, when the watchdog finds it, then it hangs up again with the same outcome', (_, steps, outcome) => {
    const { state, last } = walk(flow, [...steps, stalled]);
    expect(last).toEqual({ type: 'hangUp' });
    expect(state.phase).toEqual({ name: 'hangingUp', outcome });
  });

  it('given a call that moved on since the watchdog looked, when the stale stall arrives, then it is ignored', () => {
    const { state } = walk(flow, [() => connected]);
    expect(decide(flow, state, { type: 'stalled', at, operationContext: 'ask:1:0' })).toEqual({ kind: 'ignore', reason: 'call moved on since the watchdog looked' });
  });

  it('given a call that never connected, when the watchdog finds it, then it is hung up as failed', () => {
    const { state, actions } = transitionOf(decide(flow, freshCall(flow), { type: 'stalled', at, operationContext: undefined }));
    expect(actions).toEqual([{ type: 'hangUp' }]);
    expect(state.phase).toEqual({ name: 'hangingUp', outcome: 'failed' });
  });
});

describe('transfers', () => {
  const flow = flowOf({ ...base, menus: { ask: askMenu({ routes: [{ when: { any: true }, then: { transfer: 'operator' } }] }) } });
  const toTransfer = [() => connected, (s: CallState) => recognized(s, speech('anything'))];

  it('given a transfer in progress, when ACS accepts it, then the call waits as transferred, with nothing to do', () => {
    const decision = transitionOf(decide(flow, walk(flow, toTransfer).state, transferAccepted(walk(flow, toTransfer).state)));
    expect(decision.state.phase).toEqual({ name: 'transferred' });
    expect(decision.actions).toEqual([]);
    expect(decision.milestones).toEqual([]);
  });

  it('given a transfer in progress, when it fails, then the caller hears an apology and goodbye, and ops see the code', () => {
    const transferring = walk(flow, toTransfer).state;
    const decision = transitionOf(decide(flow, transferring, transferFailed(transferring)));
    expect(heard(decision.actions[0])).toBe('Sorry, that failed. | Goodbye.');
    expect(decision.milestones).toEqual([{ name: 'TransferFailed', subCode: 7504 }]);
    expect(decision.state.phase).toMatchObject({ outcome: 'failed', onFailure: 'hangUp' });
  });

  it.each<[string, (s: CallState) => CallEvent]>([
    ['an accept', (s) => ({ type: 'transferAccepted', at, operationContext: `${waitingFor(s)}x` })],
    ['a failure', () => ({ type: 'transferFailed', at, operationContext: 'transfer:0', subCode: 1 })],
  ])('given a transfer in progress, when %s for another transfer arrives, then it is ignored', (_, event) => {
    const transferring = walk(flow, toTransfer).state;
    expect(decide(flow, transferring, event(transferring))).toEqual({ kind: 'ignore', reason: 'stale transfer result' });
  });

  it('given a call waiting for input, when a transfer result arrives, then it is ignored', () => {
    const waiting = walk(flow, [() => connected]).state;
    expect(decide(flow, waiting, transferAccepted(waiting)).kind).toBe('ignore');
    expect(decide(flow, waiting, transferFailed(waiting)).kind).toBe('ignore');
  });

  it('given the transfer step, when it runs, then TransferStarted names the menu the caller was in', () => {
    const decision = transitionOf(decide(flow, walk(flow, [() => connected]).state, recognized(walk(flow, [() => connected]).state, speech('x'))));
    expect(decision.milestones).toContainEqual({ name: 'TransferStarted', menuId: 'ask', target: 'operator' });
  });
});

describe('routes', () => {
  const flow = flowOf({
    ...base,
    menus: {
      ask: {
        prompt: { text: 'Yes or no?' },
        input: { type: 'speechOrDtmf', maxTonesToCollect: 2, enableSentimentAnalysis: true, speechLanguages: ['en-US', 'es-ES'] },
        routes: [
          { when: { sentiment: 'negative' }, then: { say: { text: 'Angry.' }, next: { goodbye: true } } },
          { when: { tones: '12' }, then: { say: { text: 'Twelve.' }, next: { goodbye: true } } },
          { when: { phrase: 'no thanks' }, then: { say: { text: 'No.' }, next: { goodbye: true } } },
          { when: { phrase: 'yes' }, then: { say: { text: 'Yes.' }, next: { goodbye: true } } },
        ],
      },
    },
  });
  const answer = (input: Parameters<typeof recognized>[1], extra: Parameters<typeof recognized>[2] = {}) =>
    walk(flow, [() => connected, (s) => recognized(s, input, extra)]).last;

  it.each([
    ['"Yes!" (punctuation and case aside)', speech('Yes!'), 'Yes.'],
    ['"NO, thanks." (a phrase of two words)', speech('NO, thanks.'), 'No.'],
    ['the keys 12', keys('12'), 'Twelve.'],
  ])('given routes on phrases and keys, when the caller gives %s, then the matching route runs', (_, input, words) => {
    expect(heard(answer(input))).toBe(words);
  });

  it.each([
    ['"yesterday" (a word that only starts with yes)', speech('yesterday'), 'noMatch'],
    ['"no" (half of a two-word phrase)', speech('no'), 'noMatch'],
    ['the key 1 (a prefix of 12)', keys('1'), 'wrongKey'],
    ['the keys 123 (longer than 12)', keys('123'), 'wrongKey'],
  ] as const)('given routes on phrases and keys, when the caller gives %s, then it is reprompted as %s', (_, input, reason) => {
    const { state } = walk(flow, [() => connected, (s) => recognized(s, input)]);
    expect(state.lastFailure).toBe(reason);
    expect(state.phase).toMatchObject({ attempt: 2 });
  });

  it('given a sentiment route first, when a negative caller says yes, then the sentiment route wins and the sentiment is kept', () => {
    const { state, last } = walk(flow, [() => connected, (s) => recognized(s, speech('yes'), { sentiment: 'negative' })]);
    expect(heard(last)).toBe('Angry.');
    expect(state.sentiment).toBe('negative');
  });

  it('given a sentiment known from an earlier answer, when the next answer reports none, then the earlier one is kept', () => {
    const first = walk(flow, [() => connected, (s) => recognized(s, speech('hmm'), { sentiment: 'positive', language: 'es-ES' })]);
    const { state } = walk(flow, [(s) => recognized(s, speech('hmm'))], first.state);
    expect(state).toMatchObject({ sentiment: 'positive', language: 'es-ES' });
  });
});

describe('what each Recognize asks for', () => {
  const flow = flowOf({
    ...base,
    menus: {
      ask: askMenu({ input: { type: 'speech', speechLanguage: 'de-DE', operationContext: 'custom.ctx' }, routes: [{ when: { any: true }, then: { menu: 'keys' } }] }),
      keys: { prompt: { text: 'Keys.' }, input: { type: 'dtmf', maxTonesToCollect: 1 }, routes: [{ when: { any: true }, then: { menu: 'ask' } }] },
    },
  });

  it('given a menu that pins its speech language and names its operationContext, when it starts, then both are used', () => {
    const { last } = walk(flow, [() => connected], { ...freshCall(flow), language: 'es-ES' });
    expect(last).toMatchObject({ operationContext: contextOf('custom.ctx:1:1'), input: { type: 'speech', speechLanguage: 'de-DE' } });
  });

  it('given a DTMF menu, when it starts, then its Recognize carries no speech language and the context is the menu id', () => {
    const { last } = walk(flow, [() => connected, (s) => recognized(s, speech('x'))]);
    expect(last).toMatchObject({ operationContext: contextOf('keys:1:2') });
    expect(last?.type === 'recognize' && last.input).not.toHaveProperty('speechLanguage');
  });
});

describe('milestones for ops', () => {
  const flow = flowOf({
    ...base,
    menus: {
      ask: {
        prompt: { text: 'Pick.' },
        input: { type: 'choices', speechLanguages: ['en-US', 'es-ES'], choices: [{ label: 'red', phrases: ['red'] }] },
        routes: [{ when: { choice: 'red' }, then: { menu: 'pin' } }],
      },
      pin: { prompt: { text: 'PIN.' }, input: { type: 'dtmf', maxTonesToCollect: 4 }, routes: [{ when: { any: true }, then: { goodbye: true } }] },
    },
  });
  const atAsk = walk(flow, [() => connected]).state;

  it('given a menu, when the call connects, then MenuEntered names the menu and attempt 1', () => {
    expect(transitionOf(decide(flow, freshCall(flow), connected)).milestones).toEqual([{ name: 'MenuEntered', menuId: 'ask', attempt: 1 }]);
  });

  it('given a choices menu, when a choice is recognised, then RecognizeCompleted carries the input type, code, confidence, language and sentiment first', () => {
    const decision = transitionOf(decide(flow, atAsk, recognized(atAsk, choice('red'), { subCode: 8545, language: 'es-ES', sentiment: 'neutral' })));
    expect(decision.milestones).toEqual([
      { name: 'RecognizeCompleted', menuId: 'ask', inputType: 'choices', subCode: 8545, attempt: 1, language: 'es-ES', sentiment: 'neutral', confidence: 0.9 },
      { name: 'MenuEntered', menuId: 'pin', attempt: 1 },
    ]);
  });

  it('given a DTMF menu, when digits are recognised, then RecognizeCompleted has no confidence', () => {
    const atPin = walk(flow, [(s) => recognized(s, choice('red'))], atAsk).state;
    expect(transitionOf(decide(flow, atPin, recognized(atPin, keys('1234'), { subCode: 8514 }))).milestones[0]).toEqual({
      name: 'RecognizeCompleted',
      menuId: 'pin',
      inputType: 'dtmf',
      subCode: 8514,
      attempt: 1,
      language: undefined,
      sentiment: undefined,
      confidence: undefined,
    });
  });

  it('given a menu, when the Recognize fails or is canceled, then RecognizeFailed carries the reason, the code and the attempt, before the retry', () => {
    expect(transitionOf(decide(flow, atAsk, failed(atAsk, 'noMatch', 8547))).milestones).toEqual([
      { name: 'RecognizeFailed', menuId: 'ask', reason: 'noMatch', subCode: 8547, attempt: 1 },
      { name: 'MenuEntered', menuId: 'ask', attempt: 2 },
    ]);
    expect(transitionOf(decide(flow, atAsk, canceled(atAsk))).milestones[0]).toEqual({ name: 'RecognizeFailed', menuId: 'ask', reason: 'canceled', subCode: 8508, attempt: 1 });
  });

  it('given the prompt failed to play (8511), when ACS says so, then RecognizeFailed is reported and the caller hears an apology', () => {
    const decision = transitionOf(decide(flow, atAsk, failed(atAsk, 'promptFailed', 8511)));
    expect(decision.milestones).toEqual([{ name: 'RecognizeFailed', menuId: 'ask', reason: 'promptFailed', subCode: 8511, attempt: 1 }]);
    expect(decision.state.lastFailure).toBe('promptFailed');
  });

  it('given an unlisted failure code, when it arrives, then the menu is retried without a reprompt and the last failure is kept', () => {
    const afterNoInput = walk(flow, [noInput], atAsk).state;
    const { state, last } = walk(flow, [(s) => failed(s, 'other', 9999)], afterNoInput);
    expect(state.lastFailure).toBe('noInput');
    expect(heard(last)).toBe('Pick.');
  });

  it.each([
    ['before it connected', () => freshCall(flow), undefined, undefined],
    ['after it connected', () => atAsk, 'ask', 90_000],
  ])('given a call %s, when the caller hangs up, then CallEnded carries the last menu and the duration', (_, state, lastMenuId, durationMs) => {
    expect(transitionOf(decide(flow, state(), disconnected())).milestones).toEqual([{ name: 'CallEnded', outcome: 'abandoned', lastMenuId, durationMs }]);
  });

  it('given a disconnect stamped before the connect, when it arrives, then the duration is 0, not negative', () => {
    expect(transitionOf(decide(flow, atAsk, disconnected('2026-11-22T09:59:00.0000000+00:00'))).milestones[0]).toMatchObject({ durationMs: 0 });
  });

  it('given a connect time that is not a date, when the call ends, then no duration is reported', () => {
    expect(transitionOf(decide(flow, { ...atAsk, connectedAt: 'not a date' }, disconnected())).milestones[0]).toMatchObject({ durationMs: undefined });
  });
});

describe('messages and their failures', () => {
  const flow = flowOf({ ...base, menus: { ask: askMenu({ routes: [{ when: { any: true }, then: { say: { text: 'Info.' }, next: { menu: 'ask' } } }] }) } });
  const inMessage = walk(flow, [() => connected, (s) => recognized(s, speech('x'))]).state;

  it('given a message playing, when it fails, then the caller hears the apology and goodbye, and the call ends as failed', () => {
    const { state, last } = walk(flow, [playFailed], inMessage);
    expect(heard(last)).toBe('Sorry, that failed. | Goodbye.');
    expect(state).toMatchObject({ lastFailure: 'playFailed', phase: { name: 'playing', outcome: 'failed', onFailure: 'hangUp' } });
  });

  it('given the apology playing, when it fails too, then the call is hung up as failed', () => {
    const { state, last } = walk(flow, [playFailed, playFailed], inMessage);
    expect(last).toEqual({ type: 'hangUp' });
    expect(state.phase).toEqual({ name: 'hangingUp', outcome: 'failed' });
  });

  it('given a message playing, when a result for another play arrives, then it is ignored', () => {
    expect(decide(flow, inMessage, { type: 'playCompleted', at, operationContext: 'play:0' })).toEqual({ kind: 'ignore', reason: 'stale play result' });
    expect(decide(flow, inMessage, { type: 'playFailed', at, operationContext: 'play:0', subCode: 1 })).toEqual({ kind: 'ignore', reason: 'stale play result' });
  });

  it('given a message playing, when a Recognize result or cancel arrives, then it is ignored', () => {
    const context = waitingFor(inMessage);
    expect(decide(flow, inMessage, recognized(inMessage, speech('x')))).toEqual({ kind: 'ignore', reason: 'stale recognize result' });
    expect(decide(flow, inMessage, failed(inMessage, 'noInput', 8510))).toEqual({ kind: 'ignore', reason: 'stale recognize result' });
    expect(decide(flow, inMessage, { type: 'recognizeCanceled', at, operationContext: context, subCode: 8508 })).toEqual({ kind: 'ignore', reason: 'stale recognize cancel' });
  });

  it('given a flow and a state from another flow, when the state names a menu the flow lacks, then decide fails loudly with the menu', () => {
    const foreign = { ...walk(flow, [() => connected]).state, phase: { name: 'awaitingInput', menuId: 'gone', attempt: 1, inputType: 'speech', operationContext: 'gone:1:1' } as const };
    expect(() => decide(flow, foreign, recognized(foreign, speech('x')))).toThrow('Flow has no menu "gone"');
  });
});

describe('a named message the flow lacks', () => {
  it('given a state that says an unknown message, when it is spoken, then the caller hears empty text in the default voice, not an exception', () => {
    const flow = flowOf({ ...base, menus: { ask: askMenu() } });
    const broken = { ...flow, goodbye: 'missing' };
    const { last } = walk(broken, [() => connected, (s) => recognized(s, speech('done'))]);
    expect(last).toEqual({ type: 'play', operationContext: contextOf('play:2'), prompts: [{ kind: 'text', text: '', voice: 'en-US-NancyNeural', language: 'en-US' }] });
  });
});

describe('flow elements without their kind (a state row or flow that skipped parsing)', () => {
  const flow = flowOf({ ...base, menus: { ask: askMenu({ routes: [{ when: { any: true }, then: { say: { text: 'Info.' }, next: { menu: 'ask' } } }] }) } });

  it('given a state row saved before steps carried their kind, when its message ends, then decide fails naming the step', () => {
    const inMessage = walk(flow, [() => connected, (s) => recognized(s, speech('x'))]).state;
    const old = { ...inMessage, phase: { ...inMessage.phase, then: { menu: 'ask' } } } as unknown as CallState;
    expect(() => decide(flow, old, played(old))).toThrow('Unknown step {"menu":"ask"}');
  });

  it('given a route condition without its kind, when input arrives, then decide fails naming the condition', () => {
    const untagged = { ...flow, menus: { ask: { ...flow.menus['ask'], routes: [{ when: { any: true }, then: { kind: 'goodbye', goodbye: true } }] } } } as unknown as typeof flow;
    const waiting = walk(untagged, [() => connected]).state;
    expect(() => decide(untagged, waiting, recognized(waiting, speech('x')))).toThrow('Unknown route condition {"any":true}');
  });

  it('given a prompt without its kind, when it is spoken, then decide fails naming the prompt', () => {
    const untagged = { ...flow, goodbye: { text: 'Bye.' } } as unknown as typeof flow;
    const waiting = walk(untagged, [() => connected]).state;
    expect(() => walk(untagged, [(s) => recognized(s, speech('x')), played, (s) => failed(s, 'promptFailed', 8511)], waiting)).toThrow('Unknown prompt {"text":"Bye."}');
  });
});

describe('edges the other tests leave open', () => {
  const flow = flowOf({
    ...base,
    menus: {
      ask: askMenu({ routes: [{ when: { phrase: 'info' }, then: { say: { text: 'Info.' }, next: { menu: 'pick' } } }, { when: { any: true }, then: { transfer: 'operator' } }] }),
      pick: {
        prompt: { text: 'Pick.' },
        input: { type: 'choices', choices: [{ label: 'red', phrases: ['red'] }] },
        routes: [{ when: { choice: 'red' }, then: { goodbye: true } }],
      },
    },
  });
  const atAsk = walk(flow, [() => connected]).state;

  it('given a call waiting for input, when a play result carries the same context, then it is ignored', () => {
    const context = waitingFor(atAsk);
    expect(decide(flow, atAsk, { type: 'playCompleted', at, operationContext: context })).toEqual({ kind: 'ignore', reason: 'stale play result' });
    expect(decide(flow, atAsk, { type: 'playFailed', at, operationContext: context, subCode: 8535 })).toEqual({ kind: 'ignore', reason: 'stale play result' });
  });

  it('given a Recognize that stalled, when the watchdog finds it, then it is retried as no input, with that reprompt', () => {
    const reprompting = flowOf({ ...base, reprompts: { noInput: { text: 'Still there?' } }, menus: { ask: askMenu() } });
    const { state, last } = walk(reprompting, [() => connected, stalled]);
    expect(state.lastFailure).toBe('noInput');
    expect(heard(last)).toBe('Still there? | Say anything.');
  });

  it('given a failed apology, when the call hangs up, then the failure is remembered and no milestone is reported', () => {
    const inMessage = walk(flow, [(s) => recognized(s, speech('info'))], atAsk).state;
    const apologizing = walk(flow, [playFailed], inMessage).state;
    const decision = transitionOf(decide(flow, apologizing, playFailed(apologizing)));
    expect(decision.state).toMatchObject({ lastFailure: 'playFailed', phase: { name: 'hangingUp', outcome: 'failed' } });
    expect(decision.milestones).toEqual([]);
  });

  it.each([
    ['a choices menu', 'pick'],
    ['a speech menu', 'ask'],
  ])('given %s, when keys arrive instead, then they are routed like any input (a wrong key where no route takes them), with no stop tones to strip', (_, menuId) => {
    const waiting = menuId === 'pick' ? walk(flow, [(s) => recognized(s, speech('info')), played], atAsk).state : atAsk;
    const { state } = walk(flow, [(s) => recognized(s, keys('5'))], waiting);
    expect(state).toMatchObject({ lastFailure: menuId === 'pick' ? 'wrongKey' : undefined });
  });

  it('given a call handed to the operator, when its leg disconnects, then the call ended as transferred', () => {
    const transferred = walk(flow, [(s) => recognized(s, speech('operator')), (s) => ({ type: 'transferAccepted', at, operationContext: waitingFor(s) })], atAsk).state;
    expect(transitionOf(decide(flow, transferred, disconnected())).state.phase).toEqual({ name: 'ended', outcome: 'transferred' });
  });

  it('given a prompt map without the default language (a flow that skipped validation), when it is spoken, then its first language is used', () => {
    const unchecked = { ...flow, menus: { ...flow.menus, ask: { ...flow.menus['ask'], prompt: { kind: 'text', text: { 'es-ES': 'Hola.' } } } } } as typeof flow;
    expect(walk(unchecked, [() => connected], { ...freshCall(unchecked), language: 'fr-FR' }).last).toMatchObject({ prompts: [{ text: 'Hola.', language: 'en-US' }] });
  });
});
