// Owns the list of functions this app serves, for the Functions runtime (index.ts) and the local host alike.
import type { EventGridHandler, HttpHandler, HttpMethod, StorageQueueHandler, TimerHandler } from '@azure/functions';
import { poisonQueueName } from '../adapters/queues/outbound-queue';
import { createCallbackGuard, type Overrides } from '../app/composition-root';
import type { Telemetry } from '../app/ports';
import { CALLBACK_ROUTE, OUTBOUND_ROUTE } from '../app/routes';
import { runtimeApp } from '../app/runtime';
import type { Settings } from '../config';
import { callbackHandler } from './callbacks';
import { incomingCallHandler } from './incoming-call';
import { outboundCallStatusHandler, requestOutboundCallHandler } from './outbound-calls';
import { outboundPoisonHandler, placeOutboundCallHandler } from './outbound-queue';
import { everySchedule, retentionHandler, RETENTION_EVERY_SECONDS, watchdogHandler, WATCHDOG_EVERY_SECONDS } from './timers';

export interface HotlineFunctions {
  /** `function`: Azure asks for a function key (the outbound API); ACS's callbacks are authenticated by their JWT instead. */
  readonly http: ReadonlyArray<{ readonly name: string; readonly route: string; readonly methods: HttpMethod[]; readonly authLevel: 'anonymous' | 'function'; readonly handler: HttpHandler }>;
  /** Storage queue triggers, on the Functions host's storage connection (AzureWebJobsStorage). */
  readonly queue: ReadonlyArray<{ readonly name: string; readonly queueName: string; readonly handler: StorageQueueHandler }>;
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
    http: [
      { name: 'callbacks', route: CALLBACK_ROUTE, methods: ['POST'], authLevel: 'anonymous', handler: callbackHandler(createCallbackGuard(settings), app, telemetry) },
      ...(settings.outbound
        ? [
            { name: 'requestOutboundCall', route: OUTBOUND_ROUTE, methods: ['POST'] as HttpMethod[], authLevel: 'function' as const, handler: requestOutboundCallHandler(app, telemetry) },
            { name: 'outboundCallStatus', route: `${OUTBOUND_ROUTE}/{id}`, methods: ['GET'] as HttpMethod[], authLevel: 'function' as const, handler: outboundCallStatusHandler(app, telemetry) },
          ]
        : []),
    ],
    queue: settings.outbound
      ? [
          { name: 'placeOutboundCall', queueName: settings.outbound.queueName, handler: placeOutboundCallHandler(app, telemetry) },
          { name: 'outboundCallPoisoned', queueName: poisonQueueName(settings.outbound.queueName), handler: outboundPoisonHandler(app) },
        ]
      : [],
    eventGrid: [{ name: 'incomingCall', handler: incomingCallHandler(app, telemetry) }],
    timer: [timer('watchdog', WATCHDOG_EVERY_SECONDS, watchdogHandler(app)), timer('retention', RETENTION_EVERY_SECONDS, retentionHandler(app))],
    warnings:
      settings.callbackAuth.mode === 'disabled'
        ? ['CALLBACK_AUTH is disabled: callbacks are accepted without a valid ACS token. Never run like this where the endpoint is reachable.']
        : [],
  };
}
