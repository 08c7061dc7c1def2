// The custom events one call leaves behind, as OpenTelemetry log records: a call through the whole local stack.
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { CUSTOM_EVENT_NAME, CUSTOM_MEASUREMENTS, logRecordSink } from '../../src/adapters/telemetry/custom-events';
import { flowVersion as versionOf } from '../../src/flow/flow-version';
import { loadFlow } from '../../src/app/flow-file';
import { telemetryOver } from '../../src/telemetry';
import { HOTLINE_NUMBER, startLocalStack, type LocalStack } from '../../tools/local/local-stack';
import { confirmAccount } from '../support/scenarios';

const CALLER = '+14255550123';

const exporter = new InMemoryLogRecordExporter();
const provider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
let stack: LocalStack;
beforeAll(async () => {
  const telemetry = telemetryOver(logRecordSink(provider.getLogger('hotline'), () => provider.forceFlush()));
  stack = await startLocalStack({ tablesConnectionString: inject('tablesConnectionString'), timeScale: 0.02, telemetry });
});
afterAll(async () => {
  await stack?.stop();
  await provider.shutdown();
});

interface TrackedEvent {
  readonly name: string;
  readonly dimensions: Record<string, unknown>;
  readonly measurements: Record<string, unknown>;
}

async function trackedEvents(): Promise<TrackedEvent[]> {
  await provider.forceFlush();
  return exporter.getFinishedLogRecords().map((record) => {
    const { [CUSTOM_EVENT_NAME]: name, [CUSTOM_MEASUREMENTS]: measurements, ...dimensions } = record.attributes;
    return { name: name as string, dimensions, measurements: measurements as Record<string, unknown> };
  });
}

describe('telemetry of a call', () => {
  it('tells the call from ringing to goodbye, keyed by callKey and callConnectionId, without the caller\'s number', async () => {
    const call = await stack.emulator.caller.dial({ from: CALLER, to: HOTLINE_NUMBER });
    await confirmAccount(call);
    await call.waitForEnd();
    // The app hears of the hang-up in a callback after the caller's side has ended.
    const events = await vi.waitFor(async () => {
      const tracked = await trackedEvents();
      expect(tracked.map((event) => event.name)).toContain('CallEnded');
      return tracked;
    }, { timeout: 30_000 });
    const named = (name: string) => events.filter((event) => event.name === name);
    const callKey = call.correlationId;
    const callConnectionId = call.callConnectionId;
    const flowVersion = versionOf(loadFlow());

    expect(named('CallReceived')).toEqual([
      { name: 'CallReceived', dimensions: { callKey, callerPseudonym: expect.stringMatching(/^[\w-]{22}$/) as unknown, flowVersion }, measurements: {} },
    ]);
    const [answered] = named('CallAnswered');
    expect(answered?.dimensions).toEqual({ callKey, callConnectionId, flowVersion });
    // Every event names the flow version the call runs on, so outcomes can be split by version.
    expect(events.filter((event) => event.dimensions.flowVersion !== flowVersion)).toEqual([]);
    expect(answered?.measurements.ringMs).toBeGreaterThanOrEqual(0);

    // Every later event names the call by its connection id.
    const later = events.filter((event) => !['CallReceived', 'CallAnswered'].includes(event.name));
    expect(later.filter((event) => event.dimensions.callConnectionId !== callConnectionId)).toEqual([]);

    expect(named('MenuEntered').map((event) => event.dimensions.menuId)).toEqual(['main', 'account', 'confirmAccount']);
    // ACS sub-codes: 8533 DTMF option matched, 8514 stop tone detected, 8569 speech recognized.
    const recognized = named('RecognizeCompleted');
    expect(recognized.map(({ dimensions: { menuId, inputType, subCode, attempt } }) => ({ menuId, inputType, subCode, attempt }))).toEqual([
      { menuId: 'main', inputType: 'choices', subCode: '8533', attempt: '1' },
      { menuId: 'account', inputType: 'dtmf', subCode: '8514', attempt: '1' },
      { menuId: 'confirmAccount', inputType: 'speech', subCode: '8569', attempt: '1' },
    ]);
    // A pressed key carries no confidence; recognised speech does.
    expect(recognized.map((event) => typeof event.measurements.confidence)).toEqual(['undefined', 'undefined', 'number']);

    const [ended] = named('CallEnded');
    expect(ended?.dimensions).toEqual({ callConnectionId, outcome: 'completed', lastMenuId: 'confirmAccount', flowVersion });
    expect(ended?.measurements.durationMs).toBeGreaterThan(0);
    expect(events.at(0)?.name).toBe('CallReceived');
    expect(events.at(-1)?.name).toBe('CallEnded');

    const everything = JSON.stringify(exporter.getFinishedLogRecords().map((record) => [record.attributes, record.body]));
    expect(everything).not.toContain(CALLER.slice(1));
    expect(everything).not.toMatch(/eyJ/);
  });
});
