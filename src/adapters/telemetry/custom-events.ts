// Owns a custom event's OpenTelemetry form: the log record the Azure Monitor exporter sends to customEvents.
import type { LogRecord, Logger } from '@opentelemetry/api-logs';

export interface CustomEvent {
  readonly name: string;
  readonly properties: Readonly<Record<string, string>>;
  readonly measurements: Readonly<Record<string, number>>;
  /** When it happened, which is not when it is sent if it waited for the exporter to load. */
  readonly time: Date;
}

/** Where custom events go once they are built and redacted. */
export interface EventSink {
  emit(event: CustomEvent): void;
  /** Sends whatever is still buffered. */
  shutdown(): Promise<void>;
}

/** The exporter turns a record with this attribute into a customEvents row (EventData) with this name. */
export const CUSTOM_EVENT_NAME = 'microsoft.custom_event.name';
/**
 * Finite numbers in this map become customMeasurements. Any other attribute becomes a customDimensions
 * string, numbers included, so measurements must go here to stay numbers.
 */
export const CUSTOM_MEASUREMENTS = 'microsoft.custom_measurements';

export function toLogRecord(event: CustomEvent): LogRecord {
  return {
    timestamp: event.time,
    attributes: { ...event.properties, [CUSTOM_EVENT_NAME]: event.name, [CUSTOM_MEASUREMENTS]: { ...event.measurements } },
  };
}

export function logRecordSink(logger: Logger, shutdown: () => Promise<void>): EventSink {
  return { emit: (event) => logger.emit(toLogRecord(event)), shutdown };
}
