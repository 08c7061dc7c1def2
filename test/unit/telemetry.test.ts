import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CUSTOM_EVENT_NAME, CUSTOM_MEASUREMENTS, logRecordSink, type CustomEvent, type EventSink } from '../../src/adapters/telemetry/custom-events';
import { consoleSink, deferredSink, REDACTED, redactValue, startTelemetry, telemetryOver } from '../../src/telemetry';

/** A sink that keeps what it is given. */
function recordingSink(): EventSink & { events: CustomEvent[]; shutDown: boolean } {
  const sink = {
    events: [] as CustomEvent[],
    shutDown: false,
    emit: (event: CustomEvent) => void sink.events.push(event),
    shutdown: () => {
      sink.shutDown = true;
      return Promise.resolve();
    },
  };
  return sink;
}

const event = (name: string, time = new Date('2026-11-22T10:00:00Z')): CustomEvent => ({ name, properties: { menuId: 'main' }, measurements: { durationMs: 5 }, time });

afterEach(() => {
  vi.restoreAllMocks();
});

describe('redaction', () => {
  it.each([
    ['+14255550123', REDACTED],
    ['14255550123', REDACTED],
    ['4:+14255550123', `4:${REDACTED}`],
    ['tel:+442071838750 and tel:+14255550123', `tel:${REDACTED} and tel:${REDACTED}`],
    ['caller=+14255550123;', `caller=${REDACTED};`],
    ['from++14255550123', `from+${REDACTED}`],
    ['Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl', `Bearer ${REDACTED}`],
    ['eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.', REDACTED],
  ])('masks %s', (value, expected) => {
    expect(redactValue(value)).toBe(expected);
  });

  it.each([
    ['a GUID whose last group is all digits', '7f3c0c1e-5b7a-4c1e-9d2a-123456789012'],
    ['a pseudonym', 'Zm9v-YmFy_1234567890ab'],
    ['a status code', '404'],
    ['a recognize sub-code', '8531'],
    ['a menu id', 'account-number'],
    ['an ISO time', '2026-11-22T10:00:00.000Z'],
  ])('leaves %s alone', (_what, value) => {
    expect(redactValue(value)).toBe(value);
  });

  it('applies to every property on the way to the sink, and leaves measurements as they are', () => {
    const sink = recordingSink();
    telemetryOver(sink).trackEvent('CallReceived', { callKey: 'k1', callerPseudonym: '4:+14255550123' }, { ringMs: 12 });
    expect(sink.events.map(({ time: _time, ...rest }) => rest)).toEqual([
      { name: 'CallReceived', properties: { callKey: 'k1', callerPseudonym: `4:${REDACTED}` }, measurements: { ringMs: 12 } },
    ]);
  });
});

describe('deferredSink', () => {
  it('holds events until the exporter is ready, then sends them in order with their own times', async () => {
    const loaded = recordingSink();
    let ready: (sink: EventSink) => void = () => undefined;
    const sink = deferredSink(new Promise<EventSink>((resolve) => (ready = resolve)));
    const early = [event('CallReceived', new Date('2026-11-22T10:00:00Z')), event('CallAnswered', new Date('2026-11-22T10:00:01Z'))];
    for (const e of early) sink.emit(e);
    expect(loaded.events).toEqual([]);

    ready(loaded);
    await sink.shutdown();
    sink.emit(event('MenuEntered'));
    expect(loaded.events.map((e) => [e.name, e.time.toISOString()])).toEqual([
      ['CallReceived', '2026-11-22T10:00:00.000Z'],
      ['CallAnswered', '2026-11-22T10:00:01.000Z'],
      ['MenuEntered', '2026-11-22T10:00:00.000Z'],
    ]);
    expect(loaded.shutDown).toBe(true);
  });

  it('sends the held events to the fallback when the exporter fails to load', async () => {
    const fallback = recordingSink();
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const sink = deferredSink(Promise.reject(new Error('cannot load the distro')), fallback);
    sink.emit(event('CallReceived'));
    await sink.shutdown();
    sink.emit(event('CallEnded'));
    expect(fallback.events.map((e) => e.name)).toEqual(['CallReceived', 'CallEnded']);
    expect(error).toHaveBeenCalledWith(expect.stringContaining('cannot load the distro'));
  });
});

describe('without Application Insights', () => {
  it('writes each event as one JSON line', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const telemetry = startTelemetry({ applicationInsightsConnectionString: undefined });
    telemetry.trackEvent('CallEnded', { outcome: 'completed', lastMenuId: 'main' }, { durationMs: 61_000 });
    await telemetry.shutdown();
    expect(log.mock.calls.map(([line]) => JSON.parse(String(line)) as unknown)).toEqual([
      { event: 'CallEnded', outcome: 'completed', lastMenuId: 'main', durationMs: 61_000 },
    ]);
  });

  it('the console sink is what it falls back to', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    consoleSink.emit(event('MenuEntered'));
    expect(log).toHaveBeenCalledWith('{"event":"MenuEntered","menuId":"main","durationMs":5}');
  });
});

describe('custom events as OpenTelemetry log records', () => {
  it('name the event in microsoft.custom_event.name, keep properties as attributes and measurements as numbers', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
    const telemetry = telemetryOver(logRecordSink(provider.getLogger('test'), () => provider.shutdown()));

    telemetry.trackEvent('RecognizeCompleted', { callConnectionId: 'c1', menuId: 'main', inputType: 'dtmf', subCode: '8531', attempt: '1' }, { confidence: 0.9 });
    telemetry.trackEvent('CallReceived', { callKey: 'k1', callerPseudonym: 'p1' });

    await provider.forceFlush();
    const records = exporter.getFinishedLogRecords();
    expect(records.map((record) => record.attributes)).toEqual([
      {
        [CUSTOM_EVENT_NAME]: 'RecognizeCompleted',
        callConnectionId: 'c1',
        menuId: 'main',
        inputType: 'dtmf',
        subCode: '8531',
        attempt: '1',
        [CUSTOM_MEASUREMENTS]: { confidence: 0.9 },
      },
      { [CUSTOM_EVENT_NAME]: 'CallReceived', callKey: 'k1', callerPseudonym: 'p1', [CUSTOM_MEASUREMENTS]: {} },
    ]);
    await telemetry.shutdown();
  });
});
