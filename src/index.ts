// Entry point of the Functions app: settings checked at start-up, then the two triggers registered.
import { app } from '@azure/functions';
import { runtimeApp, runtimeSettings } from './app/runtime';
import { CALLBACK_ROUTE } from './app/composition-root';
import { callbackHandler } from './functions/callbacks';
import { incomingCallHandler } from './functions/incoming-call';
import { startTelemetry } from './telemetry';

// Throws one SettingsError naming every bad setting, so a misconfigured deploy fails loudly at load.
const settings = runtimeSettings();
const telemetry = startTelemetry();
const hotlineApp = runtimeApp(settings, telemetry);

app.setup({ enableHttpStream: true });
app.eventGrid('incomingCall', { handler: incomingCallHandler(hotlineApp) });
app.http('callbacks', { methods: ['POST'], authLevel: 'anonymous', route: CALLBACK_ROUTE, handler: callbackHandler(hotlineApp, telemetry) });
