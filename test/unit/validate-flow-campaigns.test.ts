// The validator on what joins a flow's parts: its start, its default voice, campaigns' variables and goodbyes.
import { describe, expect, it } from 'vitest';
import type { FlowProblem } from '../../src/flow/validate-flow';
import { problemsAfter } from '../support/flow-problems';

/** A valid flow with a main menu and a campaign that reads {{time}}; each case breaks it in one place. */
const base = () => ({
  defaultLanguage: 'en-US',
  voices: { 'en-US': 'en-US-NancyNeural' } as Record<string, string>,
  start: 'main',
  goodbye: { text: 'Bye.' },
  apology: { text: 'Sorry.' },
  messages: { later: { text: 'See you at {{time}}.' } } as Record<string, unknown>,
  menus: {
    main: {
      prompt: { text: 'Press 1.' } as Record<string, unknown>,
      input: { type: 'choices', choices: [{ label: 'yes', phrases: ['yes'] }] } as Record<string, unknown>,
      routes: [{ when: { choice: 'yes' }, then: { goodbye: true } }] as unknown[],
    },
    reminder: {
      prompt: { text: 'Your appointment is at {{time}}. Press 1.' },
      input: { type: 'dtmf', maxTonesToCollect: 1 },
      routes: [{ when: { tones: '1' }, then: { goodbye: true } }],
    },
  },
  campaigns: { appointment: { start: 'reminder', variables: ['time'] } as Record<string, unknown> },
});
type Draft = ReturnType<typeof base>;
const problemsOf = (change: (flow: Draft) => void): FlowProblem[] => problemsAfter(base, change);
const campaign = (flow: Draft) => flow.campaigns.appointment;

describe('parseFlow: how the parts of a flow join', () => {
  it('given the base flow, then nothing is wrong', () => {
    expect(problemsOf(() => undefined)).toEqual([]);
  });

  it.each<[string, (flow: Draft) => void, FlowProblem]>([
    ['a start menu that does not exist', (f) => (f.start = 'welcome'), { path: 'start', message: 'names menu "welcome", which does not exist' }],
    ['a default language without a voice', (f) => (f.voices = { 'es-ES': 'es-ES-ElviraNeural' }), { path: 'voices', message: 'has no voice for the default language en-US' }],
    ['a campaign variable listed twice', (f) => (campaign(f)['variables'] = ['time', 'time']), { path: 'campaigns.appointment.variables.1', message: 'repeats the variable "time"' }],
    ['a campaign goodbye naming no message', (f) => (campaign(f)['goodbye'] = 'farewell'), { path: 'campaigns.appointment.goodbye', message: expect.stringMatching(/farewell/) as string }],
    ['a campaign goodbye reading a variable it does not list', (f) => (campaign(f)['goodbye'] = { text: 'Bye, {{doctor}}.' }), { path: 'campaigns.appointment.variables', message: 'does not list "doctor", which a prompt of this campaign reads' }],
    ['a start menu reading an outbound variable', (f) => (f.menus.main.prompt = { text: 'Your time is {{time}}.' }), { path: 'start', message: 'a prompt reached from the start menu reads {{time}}, which only outbound calls carry' }],
    ['a route on sentiment without sentiment analysis', (f) => (f.menus.main.routes = [{ when: { sentiment: 'negative' }, then: { goodbye: true } }, ...f.menus.main.routes]), { path: 'menus.main.routes.0.when', message: 'routes on sentiment, but the menu does not enable sentiment analysis' }],
  ])('given %s, then it is reported', (_, change, problem) => {
    expect(problemsOf(change)).toContainEqual(problem);
  });

  it('given a campaign goodbye that names a message with the variables it lists, then nothing is wrong', () => {
    expect(problemsOf((f) => (campaign(f)['goodbye'] = 'later'))).toEqual([]);
  });

  it('given a route on sentiment in a menu that analyses it, then nothing is wrong', () => {
    expect(
      problemsOf((f) => {
        f.menus.main.input = { ...f.menus.main.input, enableSentimentAnalysis: true };
        f.menus.main.routes = [{ when: { sentiment: 'negative' }, then: { transfer: 'operator' } }, ...f.menus.main.routes];
      }),
    ).toEqual([]);
  });
});
