// Owns the list of functions this app serves, for the Functions runtime (index.ts) and the local host alike.
import type { EventGridHandler, HttpHandler, HttpMethod, TimerHandler } from '@azure/functions';
import { CALLBACK_ROUTE, createCallbackGuard, type Overrides } from '../app/composition-root';
import type { Telemetry } from '../app/ports';
import { runtimeApp } from '../app/runtime';
import type { Settings } from '../config';
import { callbackHandler } from './callbacks';
import { incomingCallHandler } from './incoming-call';
import { everySchedule, retentionHandler, RETENTION_EVERY_SECONDS, watchdogHandler, WATCHDOG_EVERY_SECONDS } from './timers';

export interface HotlineFunctions {
  readonly http: ReadonlyArray<{ readonly name: string; readonly route: string; readonly methods: HttpMethod[]; readonly handler: HttpHandler }>;
  readonly eventGrid: ReadonlyArray<{ readonly name: string; readonly handler: EventGridHandler }>;
  /** `schedule` is NCRONTAB for Azure; `everySeconds` is the same period for hosts that run timers themselves. */
  readonly timer: ReadonlyArray<{ readonly name: string; readonly schedule: string; readonly everySeconds: number; readonly handler: TimerHandler }>;
  /** Settings that are valid but unsafe, to be logged once at start-up. */
  readonly warnings: readonly string[];
}

export function hotlineFunctions(settings: Settings, telemetry: Telemetry, overrides: Overrides = {}): HotlineFunctions {
  const app = runtimeApp(settings, telemetry, overrides);
  const timer = (name: string, everySeconds: number, handler: TimerHandler) => ({ name, schedule: everySchedule(everySeconds), everySeconds, handler });
  return {
    http: [{ name: 'callbacks', route: CALLBACK_ROUTE, methods: ['POST'], handler: callbackHandler(createCallbackGuard(settings), app, telemetry) }],
    eventGrid: [{ name: 'incomingCall', handler: incomingCallHandler(app, telemetry) }],
    timer: [timer('watchdog', WATCHDOG_EVERY_SECONDS, watchdogHandler(app)), timer('retention', RETENTION_EVERY_SECONDS, retentionHandler(app))],
    warnings:
      settings.callbackAuth.mode === 'disabled'
        ? ['CALLBACK_AUTH is disabled: callbacks are accepted without a valid ACS token. Never run like this where the endpoint is reachable.']
        : [],
  };
}
