// Owns telemetry start-up: custom events to Application Insights when it is configured, JSON log lines otherwise.
import type { CustomEvent, EventSink } from './adapters/telemetry/custom-events';
import type { Telemetry } from './app/ports';
import type { Settings } from './config';

export interface StartedTelemetry extends Telemetry {
  /** Sends what is still buffered; for when the worker stops. */
  shutdown(): Promise<void>;
}

/**
 * The exporter is loaded in the background once `loadAfter` settles (the entry passes the end of the instance's first
 * invocation: requiring the distro holds the event loop for 300 ms and more, which would delay that caller's answer),
 * or at shutdown if that comes first. The first events of an instance are held until it is ready, then sent with their
 * own timestamps.
 */
export function startTelemetry(
  settings: Pick<Settings, 'applicationInsightsConnectionString'> & Partial<Pick<Settings, 'applicationInsightsIdentity'>>,
  loadAfter: Promise<void> = Promise.resolve(),
): StartedTelemetry {
  const connectionString = settings.applicationInsightsConnectionString;
  if (!connectionString) return telemetryOver(consoleSink);
  const identity = settings.applicationInsightsIdentity;
  let shuttingDown!: () => void;
  const loadNow = new Promise<void>((resolve) => (shuttingDown = resolve));
  const telemetry = telemetryOver(
    deferredSink(
      Promise.race([loadAfter, loadNow])
        .then(() => import('./adapters/telemetry/azure-monitor.js'))
        .then((azure) => azure.startAzureMonitor({ connectionString, ...(identity ? { credential: azure.managedIdentityCredential(identity.clientId) } : {}) })),
    ),
  );
  return {
    ...telemetry,
    shutdown: () => {
      shuttingDown();
      return telemetry.shutdown();
    },
  };
}

/** Every event passes the redaction on its way to the sink, whichever sink that is. */
export function telemetryOver(sink: EventSink): StartedTelemetry {
  return {
    trackEvent: (name, properties, measurements = {}) => sink.emit(redact({ name, properties, measurements, time: new Date() })),
    shutdown: () => sink.shutdown(),
  };
}

/** One JSON line per event: readable locally, and still searchable in the Functions log. */
export const consoleSink: EventSink = {
  emit: ({ name, properties, measurements }) => console.log(JSON.stringify({ event: name, ...properties, ...measurements })),
  shutdown: () => Promise.resolve(),
};

/** Far more than an instance emits while the exporter loads; past it, events are counted and dropped. */
const MAX_BUFFERED_EVENTS = 1_000;

/** Holds events until `loading` settles; if it fails, they go to `fallback` rather than nowhere. */
export function deferredSink(loading: Promise<EventSink>, fallback: EventSink = consoleSink): EventSink {
  let sink: EventSink | undefined;
  const buffered: CustomEvent[] = [];
  let dropped = 0;
  const ready = loading
    .catch((error: unknown) => {
      console.error(`Application Insights did not start; custom events go to the log instead. ${error instanceof Error ? error.message : String(error)}`);
      return fallback;
    })
    .then((loaded) => {
      for (const event of buffered.splice(0)) loaded.emit(event);
      if (dropped > 0) console.warn(`${dropped} custom events were dropped while Application Insights started`);
      sink = loaded;
      return loaded;
    });
  return {
    emit: (event) => {
      if (sink) sink.emit(event);
      else if (buffered.length < MAX_BUFFERED_EVENTS) buffered.push(event);
      else dropped++;
    },
    shutdown: async () => (await ready).shutdown(),
  };
}

/**
 * The app pseudonymises callers and never handles tokens as properties; this is the second line of
 * defence should a raw identifier or a bearer token slip into a property value anyway.
 * A phone number counts only standing on its own, so the digits at the end of a GUID are left alone.
 */
const PHONE_NUMBER = /(?<![\w-])\+?\d{10,15}(?![\w-])/g;
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]*/g;
export const REDACTED = '[redacted]';

export function redactValue(value: string): string {
  return value.replace(JWT, REDACTED).replace(PHONE_NUMBER, REDACTED);
}

/** Dimensions are ids, names and codes; a longer value came from the wire and is cut (Application Insights keeps 8K). */
export const MAX_PROPERTY_CHARS = 1_000;

function redact(event: CustomEvent): CustomEvent {
  const properties = Object.fromEntries(Object.entries(event.properties).map(([key, value]) => [key, redactValue(value.slice(0, MAX_PROPERTY_CHARS))]));
  return { ...event, properties };
}
