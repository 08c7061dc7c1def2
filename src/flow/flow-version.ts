// Owns a flow's version: the hash of its canonical content, the same for the same flow whatever its key order or layout.
import { createHash } from 'node:crypto';
import type { Flow } from './flow-schema';

/** 16 hex digits (64 bits): unique among any hotline's flows, short enough for a table key and a telemetry column. */
const VERSION_LENGTH = 16;
export const FLOW_VERSION = /^[0-9a-f]{16}$/;

/** The version of a validated flow, defaults filled in: a default that changes is a change of behaviour, so of version. */
export function flowVersion(flow: Flow): string {
  return createHash('sha256').update(canonicalJson(flow)).digest('hex').slice(0, VERSION_LENGTH);
}

/**
 * JSON with object keys sorted at every level and no whitespace: one text per content. It is the flow as its file
 * writes it: the `kind` tags parsing adds (no flow field is called `kind`) are left out, so the stored text parses back.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .filter((key) => key !== 'kind' && (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
