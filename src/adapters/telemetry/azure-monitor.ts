// Owns Application Insights start-up in the worker: the Azure Monitor OpenTelemetry distro and the logger custom events use.
// Heavy to load (about 0.7 s of CPU), so src/telemetry.ts imports this module only when a connection string is set.
import { shutdownAzureMonitor, useAzureMonitor } from '@azure/monitor-opentelemetry';
import { logs } from '@opentelemetry/api-logs';
import { logRecordSink, type EventSink } from './custom-events';

export function startAzureMonitor(connectionString: string): EventSink {
  useAzureMonitor({
    azureMonitorExporterOptions: { connectionString },
    // The Functions host already records every request; the worker's own HTTP server (HTTP streams proxy
    // them to it) would add a second row per callback to `requests`. Azure SDK calls still become dependencies.
    instrumentationOptions: { http: { enabled: false } },
    // The host streams Live Metrics for the app; a second stream per worker would only add connections.
    enableLiveMetrics: false,
  });
  // Asked for after useAzureMonitor, which replaces the global logger provider.
  return logRecordSink(logs.getLogger('hotline'), shutdownAzureMonitor);
}
