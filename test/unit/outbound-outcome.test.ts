// What an outbound attempt's outcome is: a result a route recorded, why nobody answered, or how the call ended.
import { describe, expect, it } from 'vitest';
import type { CallState } from '../../src/domain/call-state';
import { attemptOutcome } from '../../src/domain/outbound';
import { freshCall } from '../support/calls';

const outbound = { requestId: 'r1', campaign: 'appointmentReminder', attempt: 1, placedAt: '2026-11-23T15:00:00Z' };
const call = (extra: Partial<CallState> = {}): CallState => ({ ...freshCall(), outbound, ...extra });

describe('attemptOutcome', () => {
  it.each([
    ['abandoned', 'hungUp'],
    ['failed', 'failed'],
    ['completed', 'noResponse'],
    ['transferred', 'transferred'],
  ] as const)('given an answered call that ended %s without a result, then the attempt is %s', (ended, outcome) => {
    expect(attemptOutcome(call(), ended)).toBe(outcome);
  });

  it('given a result a route recorded, then that is the outcome however the call ended', () => {
    expect(attemptOutcome(call({ result: 'confirmed' }), 'abandoned')).toBe('confirmed');
  });

  it('given a call nobody answered, then why is the outcome, before any result', () => {
    expect(attemptOutcome(call({ result: 'confirmed', outbound: { ...outbound, unanswered: { outcome: 'busy', code: '486' } } }), 'failed')).toBe('busy');
  });
});
