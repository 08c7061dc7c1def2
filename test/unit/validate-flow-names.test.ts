// The names a flow gives things (menus, schedules, campaigns, variables, results) and the defaults a campaign gets.
import { describe, expect, it } from 'vitest';
import { campaignSchema, routeSchema } from '../../src/flow/flow-schema';
import { parseFlow } from '../../src/flow/validate-flow';

const messagesOf = (result: { success: boolean; error?: { issues: ReadonlyArray<{ message: string }> } }) => (result.success ? [] : (result.error?.issues ?? []).map((issue) => issue.message));

describe('a route\'s result label', () => {
  const route = (result: string) => routeSchema.safeParse({ when: { tones: '1' }, then: { goodbye: true }, result });

  it('given a lower-case word of letters and digits, then it is taken', () => {
    expect(route('confirmed2').success).toBe(true);
  });

  it.each(['Confirmed', '2confirmed', 'confirmed!', 'con firmed', 'a'.repeat(33)])('given %s, then it is refused, saying what a label is', (label) => {
    expect(messagesOf(route(label))).toEqual(['must be 1-32 letters or digits, starting with a lower-case letter']);
  });
});

describe('a campaign', () => {
  it('given only its start, then it reads no variables and retries a call nobody answered or that was busy', () => {
    const parsed = campaignSchema.parse({ start: 'main' });
    expect(parsed.variables).toEqual([]);
    expect(parsed.retry.on).toEqual(['noAnswer', 'busy']);
  });

  it('given retries without saying on what, then they are on no answer and busy', () => {
    expect(campaignSchema.parse({ start: 'main', retry: { maxAttempts: 2 } }).retry.on).toEqual(['noAnswer', 'busy']);
  });

  it.each(['1time', 'time!', 'ti me', '-time'])('given the variable name %s, then it is refused, saying what a name is', (name) => {
    expect(messagesOf(campaignSchema.safeParse({ start: 'main', variables: [name] }))).toEqual(['variable names are 1-40 letters, digits, _ or -']);
  });

  it('given variable names of letters, digits, _ and -, then they are taken', () => {
    expect(campaignSchema.parse({ start: 'main', variables: ['time', 'doctor_name', 'room-2'] }).variables).toEqual(['time', 'doctor_name', 'room-2']);
  });
});

describe('the ids of schedules and campaigns', () => {
  const flow = (extra: Record<string, unknown>) => ({
    voices: { 'en-US': 'en-US-NancyNeural' },
    start: 'main',
    goodbye: { text: 'Bye.' },
    apology: { text: 'Sorry.' },
    menus: { main: { prompt: { text: 'Press 1.' }, input: { type: 'dtmf', maxTonesToCollect: 1 }, routes: [{ when: { tones: '1' }, then: { goodbye: true } }] } },
    ...extra,
  });
  const problems = (extra: Record<string, unknown>) => {
    const parsed = parseFlow(flow(extra));
    return parsed.ok ? [] : parsed.problems.map((problem) => problem.message);
  };
  const schedule = { timeZone: 'Europe/Madrid', weekly: { 'mon-fri': ['09:00-17:00'] } };

  it.each(['1office', 'office!', 'the office'])('given the schedule id %s, then it is refused, saying what an id is', (id) => {
    expect(problems({ schedules: { [id]: schedule } })).toContain('schedule ids are 1-40 letters, digits, _ or -');
  });

  it.each(['1reminder', 'reminder!', 'the reminder'])('given the campaign id %s, then it is refused, saying what an id is', (id) => {
    expect(problems({ campaigns: { [id]: { start: 'main' } } })).toContain('campaign ids are 1-40 letters, digits, _ or -');
  });

  it('given ids of letters, digits, _ and -, then they are taken', () => {
    expect(problems({ campaigns: { 'reminder_2-b': { start: 'main' } } })).toEqual([]);
  });
});
