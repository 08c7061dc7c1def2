// What Application Insights receives: the real Azure Monitor distro and exporter, with the HTTP client swapped for one that keeps the posts.
import { gunzipSync } from 'node:zlib';
import { createHttpHeaders, type HttpClient, type PipelineRequest } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { deferredSink, REDACTED, telemetryOver } from '../../src/telemetry';

interface Envelope {
  readonly name: string;
  readonly time: string;
  readonly data: { readonly baseType: string; readonly baseData: Record<string, unknown> };
}

/** Answers every post the way the ingestion endpoint does when it accepts everything. */
function ingestion(): HttpClient & { envelopes: Envelope[] } {
  const envelopes: Envelope[] = [];
  return {
    envelopes,
    sendRequest: (request: PipelineRequest) => {
      const body = request.body;
      const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? gunzipSync(body).toString('utf8') : '[]';
      const items = JSON.parse(text) as Envelope[];
      envelopes.push(...items);
      return Promise.resolve({
        request,
        status: 200,
        headers: createHttpHeaders({ 'content-type': 'application/json' }),
        bodyAsText: JSON.stringify({ itemsReceived: items.length, itemsAccepted: items.length, errors: [] }),
      });
    },
  };
}

describe('custom events in Application Insights', () => {
  it('arrive as customEvents: properties in customDimensions, measurements as numbers in customMeasurements', async () => {
    const httpClient = ingestion();
    // The same composition as startTelemetry, with the exporter's HTTP client replaced.
    const loading = import('../../src/adapters/telemetry/azure-monitor.js').then((azure) =>
      azure.startAzureMonitor({
        connectionString: 'InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/',
        httpClient,
      }),
    );
    const telemetry = telemetryOver(deferredSink(loading));

    // Tracked while the distro is still loading: held, then sent.
    telemetry.trackEvent('CallReceived', { callKey: 'k1', callerPseudonym: 'p-1', leaked: 'tel:+14255550123' });
    telemetry.trackEvent('CallAnswered', { callKey: 'k1', callConnectionId: 'c1' }, { ringMs: 1234 });
    await loading;
    await new Promise((resolve) => setImmediate(resolve));
    // Tracked once it is running: straight to the exporter.
    telemetry.trackEvent('RecognizeCompleted', { callConnectionId: 'c1', menuId: 'main', inputType: 'dtmf', subCode: '8531', attempt: '1' }, { confidence: 0.9 });
    await telemetry.shutdown();

    const events = httpClient.envelopes.filter((envelope) => envelope.data.baseType === 'EventData');
    expect(events.map((envelope) => envelope.name)).toEqual(Array(3).fill('Microsoft.ApplicationInsights.Event'));
    expect(events.map((envelope) => envelope.data.baseData)).toEqual([
      { ver: 2, name: 'CallReceived', properties: { callKey: 'k1', callerPseudonym: 'p-1', leaked: `tel:${REDACTED}` }, measurements: {} },
      { ver: 2, name: 'CallAnswered', properties: { callKey: 'k1', callConnectionId: 'c1' }, measurements: { ringMs: 1234 } },
      {
        ver: 2,
        name: 'RecognizeCompleted',
        properties: { callConnectionId: 'c1', menuId: 'main', inputType: 'dtmf', subCode: '8531', attempt: '1' },
        measurements: { confidence: 0.9 },
      },
    ]);
    expect(JSON.stringify(httpClient.envelopes)).not.toContain('14255550123');
  });
});
