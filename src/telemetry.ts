// Owns telemetry start-up: custom events go to the Functions log, which Application Insights collects.
import type { Telemetry } from './app/ports';

export function startTelemetry(): Telemetry {
  return {
    trackEvent: (name, properties, measurements) => {
      console.log(JSON.stringify({ event: name, ...properties, ...measurements }));
    },
  };
}
