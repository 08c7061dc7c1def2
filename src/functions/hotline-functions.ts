// Owns the list of functions this app serves, for the Functions runtime (index.ts) and the local host alike.
import type { EventGridHandler, HttpHandler, HttpMethod } from '@azure/functions';
import { CALLBACK_ROUTE } from '../app/composition-root';
import type { Telemetry } from '../app/ports';
import { runtimeApp } from '../app/runtime';
import type { Settings } from '../config';
import { callbackHandler } from './callbacks';
import { incomingCallHandler } from './incoming-call';

export interface HotlineFunctions {
  readonly http: ReadonlyArray<{ readonly name: string; readonly route: string; readonly methods: HttpMethod[]; readonly handler: HttpHandler }>;
  readonly eventGrid: ReadonlyArray<{ readonly name: string; readonly handler: EventGridHandler }>;
}

export function hotlineFunctions(settings: Settings, telemetry: Telemetry): HotlineFunctions {
  const app = runtimeApp(settings, telemetry);
  return {
    http: [{ name: 'callbacks', route: CALLBACK_ROUTE, methods: ['POST'], handler: callbackHandler(app, telemetry) }],
    eventGrid: [{ name: 'incomingCall', handler: incomingCallHandler(app) }],
  };
}
