import { describe, expect, it } from 'vitest';
import { parseFlow, type FlowProblem } from '../../src/flow/validate-flow';
import { problemsAfter } from '../support/flow-problems';

/** A small valid flow that each case breaks in one place. */
const base = () => ({
  voices: { 'en-US': 'en-US-NancyNeural' },
  start: 'main',
  goodbye: { text: 'Bye.' },
  apology: { text: 'Sorry.' },
  menus: {
    main: {
      prompt: { text: 'Press 1 or say sales.' },
      input: { type: 'choices', choices: [{ label: 'sales', phrases: ['sales'], tone: '1' }] },
      routes: [{ when: { choice: 'sales' }, then: { menu: 'pin' } }],
    },
    pin: {
      prompt: { text: 'Enter your PIN.' },
      input: { type: 'dtmf', maxTonesToCollect: 4 },
      routes: [{ when: { any: true }, then: { goodbye: true } }],
    },
  },
});
type Draft = ReturnType<typeof base> & Record<string, unknown>;

const problemsOf = (change: (flow: Draft) => void): FlowProblem[] => problemsAfter(() => base() as Draft, change);
const menu = (flow: Draft, id: 'main' | 'pin') => flow.menus[id] as Record<string, unknown> & { input: Record<string, unknown> };

describe('parseFlow', () => {
  it('accepts a valid flow and fills in the seeds\' defaults', () => {
    const result = parseFlow(base());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.flow.defaultLanguage).toBe('en-US');
    expect(result.flow.menus['pin']?.input).toEqual({
      type: 'dtmf',
      maxTonesToCollect: 4,
      interToneTimeoutSeconds: 2,
      initialSilenceTimeoutSeconds: 5,
      stopTones: [],
      interruptPrompt: true,
      interruptCallMediaOperation: true,
    });
    expect(result.flow.menus['main']?.input).toMatchObject({ initialSilenceTimeoutSeconds: 5, enableSentimentAnalysis: false });
  });

  it.each<[string, (flow: Draft) => void, string, RegExp]>([
    ['inter-tone timeout under 1 s', (f) => (menu(f, 'pin').input['interToneTimeoutSeconds'] = 0.5), 'menus.pin.input.interToneTimeoutSeconds', /1/],
    ['fractional inter-tone timeout (the wire takes int32)', (f) => (menu(f, 'pin').input['interToneTimeoutSeconds'] = 2.5), 'menus.pin.input.interToneTimeoutSeconds', /whole number of seconds/],
    ['fractional DTMF initial silence', (f) => (menu(f, 'pin').input['initialSilenceTimeoutSeconds'] = 7.5), 'menus.pin.input.initialSilenceTimeoutSeconds', /whole number of seconds/],
    ['fractional choices initial silence', (f) => (menu(f, 'main').input['initialSilenceTimeoutSeconds'] = 0.5), 'menus.main.input.initialSilenceTimeoutSeconds', /whole number of seconds/],
    ['end silence finer than a millisecond (the wire takes int64 ms)', (f) => (f.menus.pin.input = { type: 'speech', endSilenceTimeoutSeconds: 1.2345 } as never), 'menus.pin.input.endSilenceTimeoutSeconds', /whole number of milliseconds/],
    ['inter-tone timeout over 60 s', (f) => (menu(f, 'pin').input['interToneTimeoutSeconds'] = 61), 'menus.pin.input.interToneTimeoutSeconds', /60/],
    ['DTMF initial silence over 300 s', (f) => (menu(f, 'pin').input['initialSilenceTimeoutSeconds'] = 301), 'menus.pin.input.initialSilenceTimeoutSeconds', /300/],
    ['negative initial silence', (f) => (menu(f, 'pin').input['initialSilenceTimeoutSeconds'] = -1), 'menus.pin.input.initialSilenceTimeoutSeconds', /0/],
    ['choices initial silence over 20 s', (f) => (menu(f, 'main').input['initialSilenceTimeoutSeconds'] = 21), 'menus.main.input.initialSilenceTimeoutSeconds', /20/],
    ['no tones to collect', (f) => (menu(f, 'pin').input['maxTonesToCollect'] = 0), 'menus.pin.input.maxTonesToCollect', /1/],
    ['missing maxTonesToCollect', (f) => delete menu(f, 'pin').input['maxTonesToCollect'], 'menus.pin.input.maxTonesToCollect', /./],
    ['five languages for choices', (f) => (menu(f, 'main').input['speechLanguages'] = ['en-US', 'es-ES', 'fr-FR', 'de-DE', 'it-IT']), 'menus.main.input.speechLanguages', /at most 4/],
    ['an unknown input type', (f) => (menu(f, 'pin').input['type'] = 'telepathy'), 'menus.pin.input.type', /./],
    ['an unknown parameter', (f) => (menu(f, 'pin').input['interToneTimeout'] = 3), 'menus.pin.input', /interToneTimeout/],
    ['a bad stop tone', (f) => (menu(f, 'pin').input['stopTones'] = ['pound']), 'menus.pin.input.stopTones.0', /./],
    ['a choice without phrases', (f) => (menu(f, 'main').input['choices'] = [{ label: 'sales', phrases: [] }]), 'menus.main.input.choices.0.phrases', /./],
    ['an unknown menu target', (f) => (menu(f, 'main')['routes'] = [{ when: { choice: 'sales' }, then: { menu: 'nowhere' } }]), 'menus.main.routes.0.then.menu', /nowhere/],
    ['an unknown start', (f) => (f.start = 'lobby'), 'start', /lobby/],
    ['an unknown message', (f) => (menu(f, 'pin')['prompt'] = 'missing'), 'menus.pin.prompt', /missing/],
    ['a duplicate choice key', (f) => (menu(f, 'main').input['choices'] = [{ label: 'sales', phrases: ['sales'], tone: '1' }, { label: 'help', phrases: ['help'], tone: '1' }]), 'menus.main.input.choices.1.tone', /key 1/],
    ['a duplicate choice label', (f) => (menu(f, 'main').input['choices'] = [{ label: 'sales', phrases: ['a'] }, { label: 'sales', phrases: ['b'] }]), 'menus.main.input.choices.1.label', /sales/],
    ['a duplicate route', (f) => (menu(f, 'pin')['routes'] = [{ when: { any: true }, then: { goodbye: true } }, { when: { any: true }, then: { goodbye: true } }]), 'menus.pin.routes.1.when', /only the first/],
    ['a route on an unoffered choice', (f) => (menu(f, 'main')['routes'] = [{ when: { choice: 'billing' }, then: { menu: 'pin' } }]), 'menus.main.routes.0.when', /billing/],
    ['keys routed in a choices menu', (f) => (menu(f, 'main')['routes'] = [{ when: { tones: '1' }, then: { menu: 'pin' } }]), 'menus.main.routes.0.when', /does not collect keys/],
    ['a key route longer than maxTonesToCollect', (f) => (menu(f, 'pin')['routes'] = [{ when: { tones: '12345' }, then: { goodbye: true } }]), 'menus.pin.routes.0.when.tones', /maxTonesToCollect/],
    ['sentiment routing without analysis', (f) => (menu(f, 'main')['routes'] = [{ when: { sentiment: 'negative' }, then: { menu: 'pin' } }]), 'menus.main.routes.0.when', /sentiment/],
    ['an unreachable menu', (f) => Object.assign(f.menus, { orphan: menu(base() as Draft, 'pin') }), 'menus.orphan', /cannot be reached/],
    ['a prompt language without a voice', (f) => (menu(f, 'pin')['prompt'] = { text: { 'en-US': 'PIN', 'de-DE': 'PIN bitte' } }), 'menus.pin.prompt', /de-DE/],
    ['a template naming no menu', (f) => (menu(f, 'pin')['prompt'] = { text: 'You chose {{nothing}}' }), 'menus.pin.prompt', /nothing/],
  ])('reports %s with the menu and field at fault', (_, change, path, message) => {
    const problems = problemsOf(change);
    expect(problems).toContainEqual({ path, message: expect.stringMatching(message) as string });
  });

  it.each([
    ['1.1 s', 1.1],
    ['1 ms', 0.001],
    ['15 s', 15],
  ])('accepts an end silence of %s: a whole number of milliseconds', (_, seconds) => {
    expect(problemsOf((f) => (f.menus.pin.input = { type: 'speech', endSilenceTimeoutSeconds: seconds } as never))).toEqual([]);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf((f) => {
      f.start = 'lobby';
      menu(f, 'pin')['prompt'] = 'missing';
      menu(f, 'main')['routes'] = [{ when: { choice: 'billing' }, then: { menu: 'nowhere' } }];
    });
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(['start', 'menus.pin.prompt', 'menus.main.routes.0.when', 'menus.main.routes.0.then.menu']));
  });

  it('reports shape problems together with broken references and unreachable menus', () => {
    const problems = problemsOf((f) => {
      menu(f, 'pin').input['interToneTimeoutSeconds'] = 99;
      menu(f, 'pin')['prompt'] = 'missing';
      menu(f, 'main')['routes'] = [{ when: { choice: 'sales' }, then: { menu: 'acount' } }];
      f.goodbye = { txt: 'Bye.' } as never;
    });
    expect(problems.map((p) => p.path)).toEqual([
      'goodbye',
      'menus.pin.input.interToneTimeoutSeconds',
      'menus.main.routes.0.then.menu',
      'menus.pin.prompt',
      'menus.pin',
    ]);
    expect(problems).toContainEqual({ path: 'menus.main.routes.0.then.menu', message: 'names menu "acount", which does not exist' });
  });

  it('names no menu unreachable while a step that might reach it is malformed', () => {
    const problems = problemsOf((f) => (menu(f, 'main')['routes'] = [{ when: { choice: 'sales' }, then: { menu: 'pin', extra: true } }]));
    expect(problems.map((p) => p.path)).toEqual(['menus.main.routes.0.then']);
  });

  it('checks a minimum confidence: a share from 0 to 1, on a menu that hears speech', () => {
    expect(problemsOf((f) => (menu(f, 'main')['minConfidence'] = 0.5))).toEqual([]);
    expect(problemsOf((f) => (menu(f, 'main')['minConfidence'] = 50))).toContainEqual({ path: 'menus.main.minConfidence', message: expect.stringMatching(/1/) as string });
    expect(problemsOf((f) => (menu(f, 'pin')['minConfidence'] = 0.5))).toEqual([{ path: 'menus.pin.minConfidence', message: 'applies to speech, but a dtmf menu hears only keys' }]);
  });

  it('allows 10 identification languages for speech but not 11', () => {
    const languages = ['en-US', 'es-ES', 'fr-FR', 'de-DE', 'it-IT', 'pt-BR', 'ja-JP', 'zh-CN', 'hi-IN', 'nl-NL', 'sv-SE'];
    const speechMenu = (count: number) => (f: Draft) =>
      (f.menus.pin = { prompt: { text: 'Talk' }, input: { type: 'speech', speechLanguages: languages.slice(0, count) }, routes: [{ when: { any: true }, then: { goodbye: true } }] } as never);
    expect(problemsOf(speechMenu(10))).toEqual([]);
    expect(problemsOf(speechMenu(11))).toContainEqual({ path: 'menus.pin.input.speechLanguages', message: expect.stringMatching(/at most 10/) as string });
  });
});

describe('parseFlow: campaigns', () => {
  const reminder = (f: Draft, campaign: Record<string, unknown> = {}) => {
    (f.menus as Record<string, unknown>)['remind'] = {
      prompt: { text: 'Your visit is at {{time}}. Press 1 to confirm.' },
      input: { type: 'dtmf', maxTonesToCollect: 1 },
      routes: [{ when: { tones: '1' }, then: { goodbye: true }, result: 'confirmed' }],
    };
    f['campaigns'] = { reminder: { start: 'remind', variables: ['time'], ...campaign } };
  };

  it('accepts a campaign whose variables cover its prompts, and reaches its menus from the campaign', () => {
    const result = parseFlow(Object.assign(base(), {}));
    expect(result.ok).toBe(true);
    expect(problemsOf((f) => reminder(f))).toEqual([]);
  });

  it('applies the default ring time and retry policy', () => {
    const flow = base() as Draft;
    reminder(flow);
    const result = parseFlow(flow);
    expect(result.ok && result.flow.campaigns['reminder']).toMatchObject({ ringSeconds: 30, retry: { maxAttempts: 1, spacingSeconds: 900, on: ['noAnswer', 'busy'] } });
  });

  it('names the variable a campaign forgot, a start menu that does not exist, and a variable that shadows a menu', () => {
    expect(problemsOf((f) => reminder(f, { variables: [] }))).toContainEqual({ path: 'campaigns.reminder.variables', message: 'does not list "time", which a prompt of this campaign reads' });
    expect(problemsOf((f) => reminder(f, { start: 'nowhere' }))).toContainEqual({ path: 'campaigns.reminder.start', message: 'names menu "nowhere", which does not exist' });
    expect(problemsOf((f) => reminder(f, { variables: ['time', 'pin'] }))).toContainEqual({
      path: 'campaigns.reminder.variables.1',
      message: '"pin" is also a menu id, so {{pin}} would be ambiguous',
    });
  });

  it('refuses a variable in a prompt an inbound caller hears, and retry settings out of range', () => {
    const problems = problemsOf((f) => {
      reminder(f, { retry: { maxAttempts: 11, spacingSeconds: 0, on: ['sometimes'] } });
      f.menus.pin.prompt = { text: 'Enter the PIN for {{time}}.' };
    });
    expect(problems.map((p) => p.path)).toEqual(
      expect.arrayContaining(['campaigns.reminder.retry.maxAttempts', 'campaigns.reminder.retry.spacingSeconds', 'campaigns.reminder.retry.on.0']),
    );
    expect(problemsOf((f) => {
      reminder(f);
      f.menus.pin.prompt = { text: 'Enter the PIN for {{time}}.' };
    })).toEqual([{ path: 'start', message: 'a prompt reached from the start menu reads {{time}}, which only outbound calls carry' }]);
  });
});
