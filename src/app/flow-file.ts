// Owns reading the hotline's flow: the file HOTLINE_FLOW_FILE names, or the bundled default, checked before use.
import { readFileSync } from 'node:fs';
import type { Flow } from '../flow/flow-schema';
import { checkedFlow, defaultFlow, FlowError } from '../flow/validate-flow';

export function loadFlow(file?: string): Flow {
  if (file === undefined) return defaultFlow();
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new FlowError(file, [{ path: '(file)', message: error instanceof Error ? error.message : String(error) }]);
  }
  return checkedFlow(file, json);
}
