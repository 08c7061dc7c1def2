// Entry point of the Functions app: telemetry first, then every function registered with the runtime.
import { app } from '@azure/functions';
import { hotlineFunctions } from './functions/hotline-functions';
import { startTelemetry } from './telemetry';

const functions = hotlineFunctions(process.env, startTelemetry());

// Streams let the callback trigger refuse an oversized body without buffering it.
app.setup({ enableHttpStream: true });
for (const { name, route, methods, handler } of functions.http) app.http(name, { route, methods, authLevel: 'anonymous', handler });
for (const { name, handler } of functions.eventGrid) app.eventGrid(name, { handler });
for (const { name, schedule, handler } of functions.timer) app.timer(name, { schedule, handler });
for (const warning of functions.warnings) console.warn(warning);
