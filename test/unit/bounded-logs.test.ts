// Every log line and telemetry dimension is bounded (issue 13, item 12): an unknown 60 KB event once cost 120 KB of log.
import { InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { invocationLog, MAX_LOG_LINE_CHARS } from '../../src/functions/invocation-log';
import type { CustomEvent } from '../../src/adapters/telemetry/custom-events';
import { MAX_PROPERTY_CHARS, telemetryOver } from '../../src/telemetry';

describe('log lines', () => {
  it('are cut at the bound, saying how much was cut, at every level', () => {
    const lines: string[] = [];
    const context = new InvocationContext({ functionName: 'callbacks', logHandler: (_level, ...args) => lines.push(args.map(String).join(' ')) });
    const log = invocationLog(context);
    const huge = { eventType: 'X'.repeat(60_000) };
    log.info('unknown callback event type ignored', huge);
    log.warn('w', huge);
    log.error('e', huge);
    log.info('short', { eventType: 'PlayStarted' });
    expect(lines).toHaveLength(4);
    for (const line of lines.slice(0, 3)) {
      expect(line.length).toBeLessThan(MAX_LOG_LINE_CHARS + 100);
      expect(line).toMatch(/… \(\d+ more characters cut\)$/);
    }
    expect(lines[3]).toBe('short {"eventType":"PlayStarted"}');
  });
});

describe('telemetry dimensions', () => {
  it('are cut at the bound', () => {
    const events: CustomEvent[] = [];
    telemetryOver({ emit: (event) => void events.push(event), shutdown: () => Promise.resolve() }).trackEvent('CallbackIgnored', { eventType: 'Y'.repeat(60_000) });
    expect(events[0]?.properties['eventType']).toHaveLength(MAX_PROPERTY_CHARS);
  });
});
