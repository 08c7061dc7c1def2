// Owns saying what the hotline does with speech heard at a confidence, so a low --confidence visibly changes something.
import type { TimelineEntry } from '../acs-emulator/index.js';
import type { Flow } from '../../src/flow/flow-schema';

/** Against the menu's minConfidence, the rule the decision core applies (below it: a no-match reprompt). */
export function confidenceNote(menuId: string, minConfidence: number | undefined, confidence: number): string {
  if (minConfidence === undefined) return `menu ${menuId} sets no minimum confidence: taken as heard`;
  return confidence < minConfidence
    ? `below menu ${menuId}'s minimum ${minConfidence}: the hotline treats it as no match`
    : `at least menu ${menuId}'s minimum ${minConfidence}: taken as heard`;
}

/** The menu a Recognize belongs to, from the operationContext the core stamps on it (`<menu context>:<attempt>:<seq>`). */
export function menuOfContext(flow: Flow, operationContext: string): string | undefined {
  // `<menu context>:<attempt>:<sequence>:<the call's random part>`
  const context = /^(.+):\d+:\d+(?::[a-z][0-9a-f]+)?$/.exec(operationContext)?.[1];
  return Object.keys(flow.menus).find((id) => (flow.menus[id]?.input.operationContext ?? id) === context);
}

/** Follows one call's timeline in order and notes each spoken input the caller gave a confidence. */
export class ConfidenceNotes {
  private menuId: string | undefined;

  constructor(private readonly flow: Flow) {}

  noteFor(entry: TimelineEntry): string | undefined {
    const context = entry.details['operationContext'];
    if (typeof context === 'string') this.menuId = menuOfContext(this.flow, context) ?? this.menuId;
    const confidence = entry.details['confidence'];
    if (entry.kind !== 'input' || entry.details['kind'] !== 'speech' || typeof confidence !== 'number' || this.menuId === undefined) return undefined;
    return confidenceNote(this.menuId, this.flow.menus[this.menuId]?.minConfidence, confidence);
  }
}
