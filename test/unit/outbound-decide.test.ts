import { describe, expect, it } from 'vitest';
import type { CallEvent } from '../../src/domain/call-event';
import type { CallState } from '../../src/domain/call-state';
import { decide } from '../../src/domain/decide';
import { nextAttempt, unansweredOutcome } from '../../src/domain/outbound';
import { loadFlow } from '../../src/app/flow-file';
import { at, choice, connected, defaultFlow as flow, failed, freshCall, heard, keys, played, recognized, transitionOf, walk } from '../support/calls';

/** Times relative to the events' `at` (the support file's clock): placed 10 s before it connects. */
const shifted = (seconds: number) => new Date(Date.parse(at) + seconds * 1_000).toISOString();
const placedAt = shifted(-10);
const placed = (variables: Record<string, string> = { time: '2 PM' }, language?: string): CallEvent => ({
  type: 'callPlaced',
  at: placedAt,
  requestId: 'req-1',
  campaign: 'appointmentReminder',
  attempt: 1,
  variables,
  language,
});
const toReminder = [() => placed(), () => connected];
const ended = (state: CallState, event: CallEvent) => transitionOf(decide(flow, state, event));
const hangUpAt = shifted(40);
const disconnect = (code = 200): CallEvent => ({ type: 'callDisconnected', at: hangUpAt, subCode: 0, code });

describe('decide: the appointment reminder', () => {
  it('starts at the campaign menu with the seed\'s choices, tones, timeout and context, the time filled in', () => {
    const { state, last } = walk(flow, toReminder);
    expect(last).toMatchObject({
      type: 'recognize',
      operationContext: 'AppointmentReminderMenu:1:1:k0123456789abcdef',
      prompts: [{ kind: 'text', text: 'Hello, This is a reminder for your appointment at 2 PM, Say Confirm to confirm your appointment or Cancel to cancel the appointment. Thank you!', voice: 'en-US-ElizabethNeural' }],
      input: {
        type: 'choices',
        interruptPrompt: true,
        initialSilenceTimeoutSeconds: 20,
        choices: [
          { label: 'Confirm', phrases: expect.arrayContaining(['Confirm', 'First', 'One']) as string[], tone: '1' },
          { label: 'Cancel', phrases: expect.arrayContaining(['Cancel', 'Second', 'Two']) as string[], tone: '2' },
        ],
      },
    });
    expect(state.outbound).toEqual({ requestId: 'req-1', campaign: 'appointmentReminder', attempt: 1, placedAt });
    expect(state.variables).toEqual({ time: '2 PM' });
  });

  it('speaks Spanish from the first prompt when the request asks for it', () => {
    const { last } = walk(flow, [() => placed({ time: '14:00' }, 'es-ES'), () => connected]);
    expect(heard(last)).toBe('Hola, le recordamos su cita de las 14:00. Diga Confirmar para confirmar su cita o Cancelar para cancelarla. ¡Gracias!');
  });

  it.each([
    ['by voice', choice('Confirm', 'Confirm')],
    ['by key', choice('Confirm')],
  ])('confirm %s: a thank-you naming the time, then the campaign goodbye, then hang-up; outcome confirmed', (_, input) => {
    const { state, actions } = walk(flow, [...toReminder, (s) => recognized(s, input, { subCode: 8545 }), played, played]);
    expect(actions.slice(1).map(heard)).toEqual(['Thank you. Your appointment at 2 PM is confirmed. We look forward to seeing you.', 'Thank you. Goodbye.', '']);
    expect(actions.at(-1)).toEqual({ type: 'hangUp' });
    expect(state.result).toBe('confirmed');
    expect(ended(state, disconnect()).milestones).toEqual([
      { name: 'OutboundCallEnded', requestId: 'req-1', campaign: 'appointmentReminder', outcome: 'confirmed', attempt: 1, code: 'none', ringMs: 10_000, durationMs: 40_000 },
    ]);
  });

  it('cancel: the cancellation message; hanging up during it still counts as cancelled', () => {
    const { state, last } = walk(flow, [...toReminder, (s) => recognized(s, choice('Cancel', 'Two'))]);
    expect(heard(last)).toBe('Your appointment at 2 PM has been cancelled. Please call us when you would like a new one.');
    expect(ended(state, disconnect()).milestones[0]).toMatchObject({ outcome: 'cancelled' });
  });

  it('a Spanish answer switches the rest of the call to Spanish', () => {
    const { last } = walk(flow, [...toReminder, (s) => recognized(s, choice('Confirm', 'Confirmar'), { language: 'es-ES' })]);
    expect(heard(last)).toBe('Gracias. Su cita de las 2 PM está confirmada. Le esperamos.');
  });

  it('reprompts no input and no match with the flow\'s reprompts, then gives up politely after the limit; outcome noResponse', () => {
    const steps = [
      ...toReminder,
      (s: CallState) => failed(s, 'noInput', 8510),
      (s: CallState) => failed(s, 'noMatch', 8547),
      (s: CallState) => failed(s, 'noInput', 8510),
    ];
    const { state, actions } = walk(flow, steps);
    expect(actions.map((a) => a.type)).toEqual(['recognize', 'recognize', 'recognize', 'play']);
    expect(heard(actions[1])).toMatch(/^Sorry, I didn't hear anything\. \| Hello, This is a reminder/);
    expect(heard(actions[2])).toMatch(/^Sorry, that is not one of the options\. \| Hello/);
    expect(heard(actions[3])).toBe('We could not take your answer. Your appointment at 2 PM stays as booked; call us to change it.');
    const afterGoodbye = walk(flow, [played, played], state).state;
    expect(ended(afterGoodbye, disconnect()).milestones[0]).toMatchObject({ outcome: 'noResponse' });
  });

  it('a key that is no option is reprompted as a wrong key', () => {
    const { last } = walk(flow, [...toReminder, (s) => recognized(s, keys('5'))]);
    expect(last).toMatchObject({ type: 'recognize', operationContext: 'AppointmentReminderMenu:2:2:k0123456789abcdef' });
  });

  it('a callee who hangs up mid-prompt ends hungUp', () => {
    const { state } = walk(flow, toReminder);
    expect(ended(state, disconnect()).milestones[0]).toMatchObject({ outcome: 'hungUp', ringMs: 10_000 });
  });
});

describe('decide: outbound calls that are not answered', () => {
  const ringing = walk(flow, [() => placed()]).state;

  it.each([
    [486, 'busy'],
    [603, 'declined'],
    [408, 'noAnswer'],
    [487, 'noAnswer'],
    [500, 'failed'],
  ])('CreateCallFailed with code %i ends the attempt %s, with the code', (code, outcome) => {
    const { state, milestones } = ended(ringing, { type: 'createCallFailed', at: hangUpAt, code, subCode: 560000 + code });
    expect(state.phase).toEqual({ name: 'ended', outcome: 'failed' });
    expect(milestones).toEqual([{ name: 'OutboundCallEnded', requestId: 'req-1', campaign: 'appointmentReminder', outcome, attempt: 1, code: String(code), ringMs: 50_000, durationMs: undefined }]);
  });

  it('a CallDisconnected before CallConnected reads its code the same way', () => {
    expect(ended(ringing, disconnect(603)).milestones[0]).toMatchObject({ outcome: 'declined', code: '603' });
  });

  it('the watchdog leaves a call ringing inside its ring time alone, and hangs up one past it (noAnswer)', () => {
    expect(decide(flow, ringing, { type: 'stalled', at: shifted(10), operationContext: undefined })).toEqual({ kind: 'ignore', reason: 'still ringing' });
    const gaveUp = ended(ringing, { type: 'stalled', at: shifted(21), operationContext: undefined });
    expect(gaveUp.actions).toEqual([{ type: 'hangUp' }]);
    expect(ended(gaveUp.state, disconnect()).milestones[0]).toMatchObject({ outcome: 'noAnswer', code: 'ringTimeout' });
  });

  it('ignores a second callPlaced and a CreateCallFailed after the call connected', () => {
    expect(decide(flow, ringing, placed())).toEqual({ kind: 'ignore', reason: 'already placed' });
    const inCall = walk(flow, [() => connected], ringing).state;
    expect(decide(flow, inCall, { type: 'createCallFailed', at, code: 486, subCode: 0 }).kind).toBe('ignore');
  });

  it('an inbound call still starts at the main menu and reports CallEnded', () => {
    const { state, last } = walk(flow, [() => connected], freshCall());
    expect(last).toMatchObject({ operationContext: 'main-menu:1:1:k0123456789abcdef' });
    expect(ended(state, disconnect()).milestones[0]).toMatchObject({ name: 'CallEnded', outcome: 'abandoned' });
  });
});

describe('outbound outcomes and retries', () => {
  const campaign = loadFlow().campaigns['appointmentReminder'];
  if (!campaign) throw new Error('the default flow has no appointmentReminder');

  it('retries the outcomes the campaign names, spaced, up to its attempts', () => {
    expect(nextAttempt(campaign, 'noAnswer', 1)).toEqual({ kind: 'retry', attempt: 2, delaySeconds: 900 });
    expect(nextAttempt(campaign, 'busy', 2)).toEqual({ kind: 'retry', attempt: 3, delaySeconds: 900 });
    expect(nextAttempt(campaign, 'busy', 3)).toEqual({ kind: 'final' });
    expect(nextAttempt(campaign, 'declined', 1)).toEqual({ kind: 'final' });
    expect(nextAttempt(campaign, 'confirmed', 1)).toEqual({ kind: 'final' });
  });

  it('maps the SIP statuses ACS reports', () => {
    expect([486, 600, 603, 408, 480, 487, 404].map(unansweredOutcome)).toEqual(['busy', 'busy', 'declined', 'noAnswer', 'noAnswer', 'noAnswer', 'failed']);
  });
});
