// Entry point of the Functions app: settings and telemetry first, then every function registered with the runtime.
import { app } from '@azure/functions';
import { loadSettings } from './config';
import { firstInvocation } from './first-invocation';
import { hotlineFunctions } from './functions/hotline-functions';
import { startTelemetry } from './telemetry';

/** An instance that no invocation woke loads the telemetry after this long. */
const TELEMETRY_IDLE_LOAD_MS = 1_000;

// One error naming every bad setting, before anything is registered.
const settings = loadSettings(process.env);
const first = firstInvocation(TELEMETRY_IDLE_LOAD_MS);
const telemetry = startTelemetry(settings, first.over);
const functions = hotlineFunctions(settings, telemetry);

// Streams let the callback trigger refuse an oversized body without buffering it.
app.setup({ enableHttpStream: true });
// Events of the last second are still in the exporter's batch when the worker is told to stop.
app.hook.appTerminate(() => telemetry.shutdown());
for (const { name, route, methods, authLevel, handler } of functions.http) app.http(name, { route, methods, authLevel, handler: first.wrap(handler) });
for (const { name, handler } of functions.eventGrid) app.eventGrid(name, { handler: first.wrap(handler) });
// The queues live in the host's storage account, so the trigger uses its identity-based connection.
for (const { name, queueName, handler } of functions.queue) app.storageQueue(name, { queueName, connection: 'AzureWebJobsStorage', handler: first.wrap(handler) });
for (const { name, schedule, handler } of functions.timer) app.timer(name, { schedule, handler: first.wrap(handler) });
for (const warning of functions.warnings) console.warn(warning);
