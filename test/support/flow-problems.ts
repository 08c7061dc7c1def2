// What parseFlow finds wrong with a flow, as a list (empty when it parses): the validator tests compare these.
import { parseFlow, type FlowProblem } from '../../src/flow/validate-flow';

export function problemsIn(flow: unknown): FlowProblem[] {
  const result = parseFlow(flow);
  return result.ok ? [] : [...result.problems];
}

/** The problems of a fresh copy of a test's base flow after `change` has edited it. */
export function problemsAfter<Draft>(base: () => Draft, change: (flow: Draft) => void): FlowProblem[] {
  const flow = base();
  change(flow);
  return problemsIn(flow);
}
