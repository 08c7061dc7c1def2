// Owns turning the core's milestones into custom events: numbers as measurements, everything else as dimensions.
import type { CallMilestone } from '../domain/call-action';
import type { Telemetry } from './ports';

/** The milestone fields that are figures to aggregate, not values to group by. */
const MEASUREMENTS = new Set(['durationMs', 'confidence', 'ringMs']);

export function reportMilestones(telemetry: Telemetry, callConnectionId: string, flowVersion: string | undefined, milestones: readonly CallMilestone[]): void {
  for (const milestone of milestones) {
    const { name, ...fields } = milestone;
    const properties: Record<string, string> = { callConnectionId, flowVersion: flowVersion ?? 'none' };
    const measurements: Record<string, number> = {};
    for (const [key, value] of Object.entries(fields)) {
      if (typeof value === 'number' && MEASUREMENTS.has(key)) measurements[key] = value;
      else if (value !== undefined) properties[key] = String(value);
    }
    telemetry.trackEvent(name, properties, measurements);
  }
}
