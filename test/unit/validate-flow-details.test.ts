// The flow checks one by one, each with a flow that breaks it or relies on it: exact messages, paths, and what is allowed.
import { describe, expect, it } from 'vitest';
import { checkedFlow, FlowError, parseFlow, type FlowProblem } from '../../src/flow/validate-flow';
import { problemsAfter } from '../support/flow-problems';

const base = () => ({
  voices: { 'en-US': 'en-US-NancyNeural' } as Record<string, string>,
  start: 'main',
  goodbye: { text: 'Bye.' } as unknown,
  apology: { text: 'Sorry.' } as unknown,
  menus: {
    main: {
      prompt: { text: 'Say sales.' },
      input: { type: 'choices', choices: [{ label: 'sales', phrases: ['sales'], tone: '1' }] },
      routes: [{ when: { choice: 'sales' }, then: { menu: 'pin' } }] as unknown[],
    } as Record<string, unknown>,
    pin: {
      prompt: { text: 'Enter your PIN.' },
      input: { type: 'dtmf', maxTonesToCollect: 4 },
      routes: [{ when: { any: true }, then: { goodbye: true } }] as unknown[],
    } as Record<string, unknown>,
  } as unknown as Record<string, Record<string, unknown> & { input: Record<string, unknown> }>,
});
type Draft = ReturnType<typeof base> & Record<string, unknown>;
const problemsOf = (change: (flow: Draft) => void): FlowProblem[] => problemsAfter(() => base() as Draft, change);
const main = (f: Draft) => f.menus['main'] as Record<string, unknown> & { input: Record<string, unknown> };
const pin = (f: Draft) => f.menus['pin'] as Record<string, unknown> & { input: Record<string, unknown> };

describe('a flow that is valid', () => {
  it.each<[string, (f: Draft) => void]>([
    ['a prompt with its own voices in a language the flow has no voice for', (f) => (pin(f)['prompt'] = { text: { 'en-US': 'PIN', 'de-DE': 'PIN bitte' }, voice: { 'en-US': 'a', 'de-DE': 'b' } })],
    ['an SSML prompt in a language the flow has no voice for', (f) => (pin(f)['prompt'] = { ssml: { 'en-US': '<speak/>', 'de-DE': '<speak/>' } })],
    ['an audio prompt over http', (f) => (pin(f)['prompt'] = { audioUrl: 'http://cdn.example.com/pin.wav' })],
    ['a template with spaces inside the braces', (f) => (pin(f)['prompt'] = { text: 'You chose {{ main }}.' })],
    ['choices without keys', (f) => (main(f).input['choices'] = [{ label: 'sales', phrases: ['sales'] }, { label: 'help', phrases: ['help'] }])],
    ['one choice listing a phrase twice', (f) => (main(f).input['choices'] = [{ label: 'sales', phrases: ['sales', 'Sales '] }])],
    ['a menu reached only through a message', (f) => (main(f)['routes'] = [{ when: { choice: 'sales' }, then: { say: { text: 'OK.' }, next: { menu: 'pin' } } }])],
    ['a menu reached only as a fallback', (f) => Object.assign(main(f), { routes: [{ when: { choice: 'sales' }, then: { goodbye: true } }], onMaxAttempts: { menu: 'pin' } })],
    ['a language tag with several subtags', (f) => Object.assign(f, { defaultLanguage: 'zh-Hant-TW', voices: { 'zh-Hant-TW': 'zh-TW-HsiaoChenNeural' } })],
    ['a two-letter language tag', (f) => Object.assign(f, { defaultLanguage: 'en', voices: { en: 'en-US-NancyNeural' } })],
  ])('accepts %s', (_, change) => {
    expect(problemsOf(change)).toEqual([]);
  });

  it('gets the transfer to the operator as its fallback when it names none', () => {
    const result = parseFlow(base());
    expect(result.ok && result.flow.onMaxAttempts).toEqual({ kind: 'transfer', transfer: 'operator' });
  });
});

describe('a flow with one mistake', () => {
  it.each<[string, (f: Draft) => void, FlowProblem]>([
    ['a prompt without a default-language version', (f) => (pin(f)['prompt'] = { ssml: { 'es-ES': '<speak/>' } }), { path: 'menus.pin.prompt', message: 'has no en-US version; the default language is the fallback for every prompt' }],
    ['a message without a default-language version', (f) => (f['messages'] = { info: { text: { 'es-ES': 'Hola' } } }), { path: 'messages.info', message: 'has no en-US version; the default language is the fallback for every prompt' }],
    ['a template with spaces naming no menu', (f) => (pin(f)['prompt'] = { text: 'You chose {{ nothing }}.' }), { path: 'menus.pin.prompt', message: 'refers to {{nothing}}, which is neither a menu nor a campaign variable' }],
    ['an SSML template naming no menu', (f) => (pin(f)['prompt'] = { ssml: '<speak>{{nothing}}</speak>' }), { path: 'menus.pin.prompt', message: 'refers to {{nothing}}, which is neither a menu nor a campaign variable' }],
    ['no voice for the default language', (f) => (f.voices = { 'es-ES': 'es-ES-ElviraNeural' }), { path: 'voices', message: 'has no voice for the default language en-US' }],
    ['a text in the default language without a voice', (f) => (f.voices = { 'es-ES': 'es-ES-ElviraNeural' }), { path: 'goodbye', message: 'is text in en-US but voices has no en-US voice' }],
    ['a message step naming no message', (f) => (pin(f)['routes'] = [{ when: { any: true }, then: { say: 'nothing', next: { goodbye: true } } }]), { path: 'menus.pin.routes.0.then.say', message: 'names message "nothing", which messages does not define' }],
    ['a message step leading nowhere', (f) => (pin(f)['routes'] = [{ when: { any: true }, then: { say: { text: 'OK.' }, next: { menu: 'nowhere' } } }]), { path: 'menus.pin.routes.0.then.next.menu', message: 'names menu "nowhere", which does not exist' }],
    ['a flow reprompt naming no message', (f) => (f['reprompts'] = { noInput: 'nothing' }), { path: 'reprompts.noInput', message: 'names message "nothing", which messages does not define' }],
    ['a menu reprompt naming no message', (f) => (pin(f)['reprompts'] = { wrongKey: 'nothing' }), { path: 'menus.pin.reprompts.wrongKey', message: 'names message "nothing", which messages does not define' }],
    ['a goodbye naming no message', (f) => (f.goodbye = 'nothing'), { path: 'goodbye', message: 'names message "nothing", which messages does not define' }],
    ['an apology naming no message', (f) => (f.apology = 'nothing'), { path: 'apology', message: 'names message "nothing", which messages does not define' }],
    ['a flow fallback leading nowhere', (f) => (f['onMaxAttempts'] = { menu: 'nowhere' }), { path: 'onMaxAttempts.menu', message: 'names menu "nowhere", which does not exist' }],
    ['a menu fallback leading nowhere', (f) => (pin(f)['onMaxAttempts'] = { menu: 'nowhere' }), { path: 'menus.pin.onMaxAttempts.menu', message: 'names menu "nowhere", which does not exist' }],
    ['one phrase in two choices', (f) => (main(f).input['choices'] = [{ label: 'sales', phrases: ['Help'] }, { label: 'help', phrases: [' help '] }]), { path: 'menus.main.input.choices.1.phrases', message: 'repeats the phrase " help " of choice "sales"' }],
    ['a stop tone listed twice', (f) => (pin(f).input['stopTones'] = ['#', '#']), { path: 'menus.pin.input.stopTones', message: 'repeats the key #' }],
    ['a key route holding a stop tone', (f) => Object.assign(pin(f), { input: { type: 'dtmf', maxTonesToCollect: 4, stopTones: ['#'] }, routes: [{ when: { tones: '1#' }, then: { goodbye: true } }] }), { path: 'menus.pin.routes.0.when.tones', message: '"1#" contains a stop tone, which ACS never reports' }],
    ['a choice route in a DTMF menu', (f) => (pin(f)['routes'] = [{ when: { choice: 'sales' }, then: { goodbye: true } }]), { path: 'menus.pin.routes.0.when', message: 'routes on a choice, but the menu is dtmf, not choices' }],
    ['a phrase route in a choices menu', (f) => (main(f)['routes'] = [{ when: { choice: 'sales' }, then: { menu: 'pin' } }, { when: { phrase: 'hi' }, then: { goodbye: true } }]), { path: 'menus.main.routes.1.when', message: 'routes on a phrase, but a choices menu does not return free speech' }],
    ['a sentiment route in a DTMF menu', (f) => (pin(f)['routes'] = [{ when: { sentiment: 'negative' }, then: { goodbye: true } }]), { path: 'menus.pin.routes.0.when', message: 'routes on sentiment, but the menu does not enable sentiment analysis' }],
    ['a repeated condition', (f) => (pin(f)['routes'] = [{ when: { tones: '1' }, then: { goodbye: true } }, { when: { tones: '1' }, then: { menu: 'main' } }]), { path: 'menus.pin.routes.1.when', message: 'repeats the condition {"tones":"1"}; only the first can ever match' }],
    ['choices initial silence over 20 s', (f) => (main(f).input['initialSilenceTimeoutSeconds'] = 21), { path: 'menus.main.input.initialSilenceTimeoutSeconds', message: 'must be at most 20 seconds when speech is recognized' }],
    ['DTMF initial silence over 300 s', (f) => (pin(f).input['initialSilenceTimeoutSeconds'] = 301), { path: 'menus.pin.input.initialSilenceTimeoutSeconds', message: 'must be at most 300 seconds for DTMF' }],
    ['five languages for choices', (f) => (main(f).input['speechLanguages'] = ['en-US', 'es-ES', 'fr-FR', 'de-DE', 'it-IT']), { path: 'menus.main.input.speechLanguages', message: 'must list at most 4 languages for choices' }],
    ['a language tag with a stray character', (f) => (main(f).input['speechLanguage'] = 'en-US!'), { path: 'menus.main.input.speechLanguage', message: 'must be a language tag such as en-US' }],
    ['an audio prompt over ftp', (f) => (pin(f)['prompt'] = { audioUrl: 'ftp://cdn.example.com/pin.wav' }), { path: 'menus.pin.prompt', message: expect.any(String) as string }],
    ['keys with a letter after them', (f) => (pin(f)['routes'] = [{ when: { tones: '12x' }, then: { goodbye: true } }]), { path: 'menus.pin.routes.0.when', message: expect.any(String) as string }],
    ['an operationContext of 65 characters', (f) => (pin(f).input['operationContext'] = 'a'.repeat(65)), { path: 'menus.pin.input.operationContext', message: 'must be 1-64 letters, digits, _ . -' }],
    ['a menu id starting with a digit', (f) => (f.menus['1pin'] = pin(base())), { path: 'menus.1pin', message: 'menu ids are 1-40 letters, digits, _ or -' }],
    ['a menu id of 41 characters', (f) => (f.menus['p'.repeat(41)] = pin(base())), { path: `menus.${'p'.repeat(41)}`, message: 'menu ids are 1-40 letters, digits, _ or -' }],
  ])('reports %s', (_, change, problem) => {
    expect(problemsOf(change)).toContainEqual(problem);
  });

  it.each([
    ['http with a letter after it', 'httpx://cdn.example.com/a.wav'],
    ['a scheme ending in https', 'xhttps://cdn.example.com/a.wav'],
  ])('refuses an audio URL whose scheme is %s', (_, audioUrl) => {
    expect(problemsOf((f) => (pin(f)['prompt'] = { audioUrl })).map((p) => p.path)).toContain('menus.pin.prompt');
  });

  it('refuses keys with a letter before them', () => {
    expect(problemsOf((f) => (pin(f)['routes'] = [{ when: { tones: 'x12' }, then: { goodbye: true } }])).map((p) => p.path)).toContain('menus.pin.routes.0.when');
  });

  it('refuses eleven identification languages for speech or DTMF, naming speech', () => {
    const languages = ['en-US', 'es-ES', 'fr-FR', 'de-DE', 'it-IT', 'pt-BR', 'ja-JP', 'zh-CN', 'hi-IN', 'nl-NL', 'sv-SE'];
    const problems = problemsOf((f) => (pin(f).input = { type: 'speechOrDtmf', maxTonesToCollect: 1, speechLanguages: languages }));
    expect(problems).toContainEqual({ path: 'menus.pin.input.speechLanguages', message: 'must list at most 10 languages for speech' });
  });

  it('reports a document that is not an object at the root', () => {
    const result = parseFlow(42);
    expect(result.ok ? [] : result.problems.map((p) => p.path)).toEqual(['(root)']);
  });
});

describe('checkedFlow', () => {
  it('returns the flow when it is valid', () => {
    expect(checkedFlow('flow.json', base()).start).toBe('main');
  });

  it('throws a FlowError naming the source and listing every problem', () => {
    const broken = { ...base(), apology: 'missing', goodbye: 'nothing' };
    let thrown: unknown;
    try {
      checkedFlow('flow.json', broken);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(FlowError);
    expect(thrown).toMatchObject({
      name: 'FlowError',
      source: 'flow.json',
      message: [
        'Flow flow.json has 2 problem(s):',
        '  - goodbye: names message "nothing", which messages does not define',
        '  - apology: names message "missing", which messages does not define',
      ].join('\n'),
    });
  });
});
