import { describe, expect, it } from 'vitest';
import type { CallEvent, RecognizedInput } from '../../src/domain/call-event';
import type { CallState } from '../../src/domain/call-state';
import { decide } from '../../src/domain/decide';
import {
  at,
  choice,
  connected,
  defaultFlow as flow,
  disconnected,
  failed,
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

const toMain = [() => connected];
const toAccount = [...toMain, (s: CallState) => recognized(s, choice('account'), { subCode: 8533 })];
const toConfirm = [...toAccount, (s: CallState) => recognized(s, keys('1234'), { subCode: 8514 })];
const toSupport = [...toMain, (s: CallState) => recognized(s, choice('support', 'support'), { subCode: 8545 })];

describe('decide: answering and the main menu', () => {
  it('starts the main menu with a choices Recognize carrying every resolved parameter', () => {
    const { state, actions } = walk(flow, toMain);
    expect(actions).toEqual([
      {
        type: 'recognize',
        operationContext: 'main-menu:1:1:k0123456789abcdef',
        prompts: [{ kind: 'text', text: expect.stringContaining('Welcome to Contoso') as string, voice: 'en-US-NancyNeural', language: 'en-US' }],
        input: expect.objectContaining({
          type: 'choices',
          initialSilenceTimeoutSeconds: 10,
          interruptPrompt: true,
          interruptCallMediaOperation: true,
          speechLanguage: 'en-US',
          speechLanguages: ['en-US', 'es-ES'],
        }) as object,
      },
    ]);
    expect(state.phase).toMatchObject({ name: 'awaitingInput', menuId: 'main', attempt: 1 });
    expect(state.connectedAt).toBe(at);
  });

  it('ignores a second CallConnected', () => {
    const { state } = walk(flow, toMain);
    expect(decide(flow, state, connected)).toEqual({ kind: 'ignore', reason: 'already connected' });
  });

  it.each([
    ['hours by key', choice('hours'), /^We are open Monday\s–\sFriday, 8:00\sAM\s–\s6:00\sPM; Saturday, 9:00\sAM\s–\s1:00\sPM, New York time\.$/],
    ['hours by phrase', choice('hours', 'opening hours'), /^We are open Monday\s–\sFriday/],
    ['operator in office hours', choice('operator', 'agent'), /^Please hold while I connect you/],
  ])('routes %s to a message', (_, input, text) => {
    const { state, last } = walk(flow, [...toMain, (s) => recognized(s, input)]);
    expect(last?.type).toBe('play');
    expect(heard(last)).toMatch(text);
    expect(state.collected['main']).toEqual(input);
  });

  it('returns to the main menu after the opening-hours message', () => {
    const { state, last } = walk(flow, [...toMain, (s) => recognized(s, choice('hours')), played]);
    expect(last).toMatchObject({ type: 'recognize', operationContext: 'main-menu:1:3:k0123456789abcdef' });
    expect(state.path).toEqual(['main', 'main']);
  });

  it('transfers to the operator after the hold message', () => {
    const { state, last } = walk(flow, [...toMain, (s) => recognized(s, choice('operator')), played]);
    expect(last).toEqual({ type: 'transferToOperator', operationContext: 'transfer:3:k0123456789abcdef' });
    expect(state.phase).toMatchObject({ name: 'transferring', menuId: 'main' });
  });
});

describe('decide: account number by keypad, then confirmation by speech or key', () => {
  it('collects the digits with the stop tone and reads them back one by one', () => {
    const { state, actions } = walk(flow, toConfirm);
    expect(actions[1]).toMatchObject({
      type: 'recognize',
      input: { type: 'dtmf', maxTonesToCollect: 10, stopTones: ['#'], interToneTimeoutSeconds: 5, initialSilenceTimeoutSeconds: 15 },
    });
    expect(heard(actions[2])).toContain('You entered 1 2 3 4.');
    expect(actions[2]).toMatchObject({ input: { type: 'speechOrDtmf', maxTonesToCollect: 1, endSilenceTimeoutSeconds: 1 } });
    expect(state.collected['account']).toEqual({ kind: 'dtmf', tones: '1234' });
  });

  it.each([
    ['key 1', keys('1')],
    ['"yes"', speech('Yes, that is right.')],
  ])('confirms with %s, then says goodbye and hangs up', (_, input) => {
    const { state, actions } = walk(flow, [...toConfirm, (s) => recognized(s, input), played, played]);
    expect(actions.slice(-3).map((a) => a.type)).toEqual(['play', 'play', 'hangUp']);
    expect(heard(actions.at(-2))).toContain('Goodbye');
    expect(state.phase).toEqual({ name: 'hangingUp', outcome: 'completed' });
  });

  it.each([
    ['key 2', keys('2')],
    ['"no"', speech('no')],
  ])('goes back to the account number with %s', (_, input) => {
    const { state } = walk(flow, [...toConfirm, (s) => recognized(s, input)]);
    expect(state.phase).toMatchObject({ name: 'awaitingInput', menuId: 'account', attempt: 1 });
  });

  it('treats a key that is no option as a wrong key', () => {
    const { state, last } = walk(flow, [...toConfirm, (s) => recognized(s, keys('7'))]);
    expect(state.phase).toMatchObject({ menuId: 'confirmAccount', attempt: 2 });
    expect(heard(last)).toMatch(/^Sorry, that key is not an option\. \| You entered 1 2 3 4/);
  });
});

describe('decide: failures reprompt by reason, up to the limit, then fall back', () => {
  it.each([
    ['noInput', 8510, "Sorry, I didn't hear anything."],
    ['incompleteDigits', 8532, 'That number looks incomplete. Please finish with the pound key.'],
    ['wrongKey', 8534, 'Sorry, that key is not an option.'],
    ['noMatch', 8547, 'Sorry, that is not one of the options.'],
    ['speechNotRecognized', 8563, "Sorry, I couldn't understand that."],
    ['speechNotRecognized', 8570, "Sorry, I couldn't understand that."],
  ] as const)('%s (%i) gets its own reprompt before the menu prompt', (reason, subCode, reprompt) => {
    const { state, last } = walk(flow, [...toAccount, (s) => failed(s, reason, subCode)]);
    expect(heard(last).startsWith(`${reprompt} | Please enter your account number`)).toBe(true);
    expect(state.phase).toMatchObject({ name: 'awaitingInput', menuId: 'account', attempt: 2 });
    expect(state.lastFailure).toBe(reason);
  });

  it('reprompts without a reason text for an unlisted code', () => {
    const { last } = walk(flow, [...toAccount, (s) => failed(s, 'other', 9999)]);
    expect(heard(last)).toBe('Please enter your account number, then press the pound key.');
  });

  it('falls back to the operator after the third failure', () => {
    const third = walk(flow, [...toAccount, (s) => failed(s, 'noInput', 8510), (s) => failed(s, 'noInput', 8510)]);
    expect(third.state.phase).toMatchObject({ attempt: 3 });
    const { state, last } = walk(flow, [(s) => failed(s, 'noInput', 8510)], third.state);
    expect(heard(last)).toContain('Please hold while I connect you');
    expect(state.phase).toMatchObject({ name: 'playing', then: { transfer: 'operator' } });
  });

  it('treats a canceled Recognize as a failed attempt', () => {
    const { state, last } = walk(flow, [...toAccount, (s) => ({ type: 'recognizeCanceled', at, operationContext: waitingFor(s), subCode: 8508 })]);
    expect(state.phase).toMatchObject({ attempt: 2 });
    expect(heard(last)).toContain("Let's try that again.");
  });

  it('apologises and says goodbye when the prompt cannot be played (8511)', () => {
    const { state, last } = walk(flow, [...toMain, (s) => failed(s, 'promptFailed', 8511)]);
    expect(heard(last)).toBe("We're sorry, something went wrong on our side. | Thank you for calling Contoso. Goodbye.");
    expect(state.phase).toMatchObject({ name: 'playing', then: 'hangUp', onFailure: 'hangUp', outcome: 'failed' });
    expect(walk(flow, [played], state).last).toEqual({ type: 'hangUp' });
  });

  it('apologises when a message fails to play, and hangs up when the apology fails too', () => {
    const afterFailedMessage = walk(flow, [...toMain, (s) => recognized(s, choice('hours')), playFailed]);
    expect(heard(afterFailedMessage.last)).toContain("We're sorry");
    expect(walk(flow, [playFailed], afterFailedMessage.state).last).toEqual({ type: 'hangUp' });
  });

  it('apologises and ends the call when the transfer fails', () => {
    const transferring = walk(flow, [...toMain, (s) => recognized(s, choice('operator')), played]);
    const { state, last } = walk(flow, [(s) => ({ type: 'transferFailed', at, operationContext: waitingFor(s), subCode: 7504 })], transferring.state);
    expect(heard(last)).toContain("We're sorry");
    expect(state.lastFailure).toBe('transferFailed');
  });
});

describe('decide: free speech, language identification and sentiment', () => {
  it('asks for the problem with speech and sentiment analysis, and keeps the transcript', () => {
    const { state, actions } = walk(flow, [...toSupport, (s) => recognized(s, speech('My internet is slow'), { subCode: 8569, sentiment: 'neutral' })]);
    expect(actions[1]).toMatchObject({ input: { type: 'speech', endSilenceTimeoutSeconds: 1.5, enableSentimentAnalysis: true, speechLanguage: 'en-US' } });
    expect(heard(actions[2])).toContain('We have logged your problem');
    expect(state.collected['support']).toEqual({ kind: 'speech', text: 'My internet is slow', confidence: 0.8 });
    expect(state.sentiment).toBe('neutral');
  });

  it('offers an angry caller the operator', () => {
    const { last, state } = walk(flow, [...toSupport, (s) => recognized(s, speech('This is the third time it broke!'), { sentiment: 'negative' })]);
    expect(heard(last)).toContain("I'm sorry to hear that");
    expect(state.phase).toMatchObject({ then: { transfer: 'operator' } });
  });

  it('speaks Spanish after a caller answers the main menu in Spanish', () => {
    const { state, last } = walk(flow, [...toMain, (s) => recognized(s, choice('account', 'cuenta'), { language: 'es-ES' })]);
    expect(state.language).toBe('es-ES');
    expect(last).toMatchObject({ prompts: [{ text: 'Introduzca su número de cuenta y pulse la tecla almohadilla.', voice: 'es-ES-ElviraNeural', language: 'es-ES' }] });
  });

  it('ignores an identified language the menu did not offer, instead of sending it back to ACS (issue 13, item 10)', () => {
    const { state, last } = walk(flow, [...toMain, (s) => recognized(s, choice('support'), { language: 'fr-FR' })]);
    expect(state.language).toBe('en-US');
    expect(last).toMatchObject({ prompts: [{ voice: 'en-US-NancyNeural', language: 'en-US' }], input: { speechLanguage: 'en-US' } });
  });
});

describe('decide: how sure speech must be, and how loosely phrases match', () => {
  const unsure = (input: RecognizedInput, confidence: number) => ({ ...input, confidence }) as RecognizedInput;

  it.each(['si', 'Sí!', 'SÍ', 'sí, sí'])('given the confirmation menu, when the caller says %j, then the account is confirmed', (said) => {
    // given a caller who speaks Spanish (identified at the main menu: confirmAccount offers ACS no candidate languages,
    // so a language reported there would be ignored)
    const confirming = { ...walk(flow, toConfirm).state, language: 'es-ES' };
    // when
    const { last } = walk(flow, [(s) => recognized(s, speech(said))], confirming);
    // then
    expect(heard(last)).toContain('Su cuenta está verificada');
  });

  it('given a menu that wants 0.5 confidence, when speech is heard at 0.2, then it is reprompted as no match and not acted on', () => {
    // given
    const confirming = walk(flow, toConfirm).state;
    // when
    const decision = transitionOf(decide(flow, confirming, recognized(confirming, unsure(speech('yes'), 0.2), { subCode: 8569 })));
    // then
    expect(heard(decision.actions[0])).toMatch(/^Sorry, that is not one of the options\. \| You entered 1 2 3 4/);
    expect(decision.state.phase).toMatchObject({ name: 'awaitingInput', menuId: 'confirmAccount', attempt: 2 });
    expect(decision.state.collected['confirmAccount']).toBeUndefined();
    expect(decision.milestones).toContainEqual({ name: 'RecognizeFailed', menuId: 'confirmAccount', reason: 'lowConfidence', subCode: 8569, attempt: 1 });
  });

  it('given a menu that wants 0.5 confidence, when a spoken choice is heard at exactly 0.5, then it is taken', () => {
    // given
    const inMain = walk(flow, toMain).state;
    // when
    const { state } = walk(flow, [(s) => recognized(s, unsure(choice('account', 'account'), 0.5), { subCode: 8545 })], inMain);
    // then
    expect(state.phase).toMatchObject({ name: 'awaitingInput', menuId: 'account' });
  });

  it('given a menu with no minimum, when speech is heard at 0.1, then it is acted on', () => {
    // given
    const inSupport = walk(flow, toSupport).state;
    // when
    const { last } = walk(flow, [(s) => recognized(s, unsure(speech('my bill is wrong'), 0.1), { sentiment: 'neutral' })], inSupport);
    // then
    expect(heard(last)).toContain('We have logged your problem');
  });

  it('given a menu that wants 0.5 confidence, when keys are pressed, then no confidence is asked of them', () => {
    // given
    const confirming = walk(flow, toConfirm).state;
    // when
    const { last } = walk(flow, [(s) => recognized(s, keys('1'))], confirming);
    // then
    expect(heard(last)).toContain('Your account is verified');
  });
});

describe('decide: stale, duplicate and late events', () => {
  it('ignores a result for an older prompt', () => {
    const { state } = walk(flow, toAccount);
    const stale: CallEvent = { type: 'recognizeCompleted', at, operationContext: 'main-menu:1:1', subCode: 8533, input: choice('hours'), language: undefined, sentiment: undefined };
    expect(decide(flow, state, stale)).toEqual({ kind: 'ignore', reason: 'stale recognize result' });
  });

  it('ignores the same result delivered twice', () => {
    const before = walk(flow, toMain).state;
    const event = recognized(before, choice('account'));
    const after = transitionOf(decide(flow, before, event)).state;
    expect(decide(flow, after, event).kind).toBe('ignore');
  });

  it.each([
    ['connecting', [], 'abandoned'],
    ['waiting in the main menu', toMain, 'abandoned'],
    ['entering digits', toAccount, 'abandoned'],
    ['in a message', [...toMain, (s: CallState) => recognized(s, choice('hours'))], 'abandoned'],
    ['transferring', [...toMain, (s: CallState) => recognized(s, choice('operator')), played], 'transferred'],
    ['in the goodbye', [...toConfirm, (s: CallState) => recognized(s, keys('1')), played], 'completed'],
    ['after the app hung up', [...toConfirm, (s: CallState) => recognized(s, keys('1')), played, played], 'completed'],
  ])('ends the call when the caller hangs up %s', (_, steps, outcome) => {
    const { state } = walk(flow, steps);
    const ended = transitionOf(decide(flow, state, disconnected()));
    expect(ended.state.phase).toEqual({ name: 'ended', outcome });
    expect(ended.actions).toEqual([]);
    expect(ended.milestones).toContainEqual(expect.objectContaining({ name: 'CallEnded', outcome }));
  });

  it('measures the call from connect to disconnect', () => {
    const { state } = walk(flow, toMain);
    expect(transitionOf(decide(flow, state, disconnected('2026-11-23T15:01:30.0000000+00:00'))).milestones).toContainEqual(
      expect.objectContaining({ durationMs: 90_000, lastMenuId: 'main' }),
    );
  });

  it('ignores everything after the call ended', () => {
    const ended = walk(flow, [...toMain, () => disconnected()]).state;
    for (const event of [connected, recognized(ended, keys('1')), disconnected()]) {
      expect(decide(flow, ended, event)).toEqual({ kind: 'ignore', reason: 'call already ended' });
    }
  });

  it('counts a stalled Recognize as an attempt, so the watchdog cannot loop forever', () => {
    const { state } = walk(flow, [...toAccount, (s) => ({ type: 'stalled', at, operationContext: waitingFor(s) })]);
    expect(state.phase).toMatchObject({ menuId: 'account', attempt: 2 });
  });

  it('hangs up a call that never connected when the watchdog finds it', () => {
    expect(transitionOf(decide(flow, freshCall(), { type: 'stalled', at, operationContext: undefined })).actions).toEqual([{ type: 'hangUp' }]);
  });
});
