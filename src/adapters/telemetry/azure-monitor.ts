// Owns Application Insights start-up in the worker: the Azure Monitor OpenTelemetry distro and the logger custom events use.
// Heavy to load (about 0.7 s of CPU), so src/telemetry.ts imports this module only when a connection string is set.
import { shutdownAzureMonitor, useAzureMonitor, type AzureMonitorOpenTelemetryOptions } from '@azure/monitor-opentelemetry';
import type { TokenCredential } from '@azure/core-auth';
import { ManagedIdentityCredential } from '@azure/identity';
import { logs } from '@opentelemetry/api-logs';
import { logRecordSink, type EventSink } from './custom-events';

/** The connection string, and for tests the HTTP client the exporter posts with. */
export type ExporterOptions = NonNullable<AzureMonitorOpenTelemetryOptions['azureMonitorExporterOptions']> & { readonly connectionString: string };

/**
 * For an Application Insights resource that refuses keys: the distro reads APPLICATIONINSIGHTS_AUTHENTICATION_STRING
 * only for Live Metrics, so the exporter is given the identity itself.
 */
export function managedIdentityCredential(clientId: string | undefined): TokenCredential {
  return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
}

export function startAzureMonitor(exporterOptions: ExporterOptions): EventSink {
  useAzureMonitor({
    azureMonitorExporterOptions: exporterOptions,
    // The Functions host already records every request; the worker's own HTTP server (HTTP streams proxy
    // them to it) would add a second row per callback to `requests`. Azure SDK calls still become dependencies.
    instrumentationOptions: { http: { enabled: false } },
    // Live Metrics already comes from the Functions host; the worker's own stream would poll the live endpoint
    // every few seconds for the handful of dependency counts it would add.
    enableLiveMetrics: false,
  });
  // Asked for after useAzureMonitor, which replaces the global logger provider.
  return logRecordSink(logs.getLogger('hotline'), shutdownAzureMonitor);
}
