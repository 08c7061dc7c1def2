// Owns the dev phone's picture of a flow: menus and where each route leads, as plain nodes and labelled edges.
import type { Flow, Prompt, PromptRef, RecognizeInput, RouteCondition, Step } from '../../src/flow/flow-schema';
import type { DiagramNodeId } from './protocol';

export interface GraphNode {
  readonly id: DiagramNodeId;
  readonly kind: 'start' | 'menu' | 'transfer' | 'goodbye';
  readonly title: string;
  /** Smaller lines under the title: what the menu listens for and how its prompt begins. */
  readonly lines: readonly string[];
}

export interface GraphEdge {
  readonly from: DiagramNodeId;
  readonly to: DiagramNodeId;
  /** What the caller does to take this edge; several routes to the same place share one edge. */
  readonly conditions: readonly string[];
  /** Messages played on the way, in order. */
  readonly says: readonly string[];
  /** `fallback` edges are a menu's own onMaxAttempts. */
  readonly kind: 'start' | 'route' | 'fallback';
}

export interface FlowGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  /** The flow-wide fallback, said in words: drawn as a caption, not as an edge from every menu. */
  readonly fallback: string;
  /** Recognize operationContext prefix (the menu's `input.operationContext`, else its id) → menu id. */
  readonly menuByContext: ReadonlyMap<string, string>;
  /** Languages a caller can speak in this flow, the default first. */
  readonly languages: readonly string[];
  /** Each menu's minConfidence, when it sets one: speech heard with less is a no-match reprompt. */
  readonly minConfidence: ReadonlyMap<string, number>;
}

export const menuNode = (menuId: string): DiagramNodeId => `menu:${menuId}`;

export function flowGraph(flow: Flow): FlowGraph {
  const edges = new Map<string, { from: DiagramNodeId; to: DiagramNodeId; conditions: string[]; says: string[]; kind: GraphEdge['kind'] }>();
  const addEdge = (from: DiagramNodeId, step: Step, condition: string | undefined, kind: GraphEdge['kind']) => {
    for (const { to, says } of destinations(flow, step)) {
      const key = JSON.stringify([from, to, says, kind]);
      const edge = edges.get(key) ?? { from, to, conditions: [], says, kind };
      if (condition !== undefined) edge.conditions.push(condition);
      edges.set(key, edge);
    }
  };

  addEdge('start', { kind: 'menu', menu: flow.start }, undefined, 'start');
  const menuByContext = new Map<string, string>();
  const menus: GraphNode[] = [];
  for (const [id, menu] of Object.entries(flow.menus)) {
    // Two menus with one operationContext cannot be told apart: the first keeps it.
    const context = menu.input.operationContext ?? id;
    if (!menuByContext.has(context)) menuByContext.set(context, id);
    menus.push({ id: menuNode(id), kind: 'menu', title: id, lines: [listensFor(menu.input), excerpt(flow, menu.prompt)] });
    for (const route of menu.routes) addEdge(menuNode(id), route.then, describeCondition(route.when, menu.input), 'route');
    if (menu.onMaxAttempts) addEdge(menuNode(id), menu.onMaxAttempts, `after ${menu.maxAttempts ?? flow.maxAttempts} tries`, 'fallback');
  }

  const fallback = destinations(flow, flow.onMaxAttempts)[0] ?? { to: 'goodbye', says: [] };
  const languages = new Set([flow.defaultLanguage, ...Object.keys(flow.voices)]);
  for (const menu of Object.values(flow.menus)) {
    if (menu.input.type !== 'dtmf') for (const language of menu.input.speechLanguages ?? []) languages.add(language);
  }
  return {
    nodes: [
      { id: 'start', kind: 'start', title: 'Call answered', lines: [] },
      ...menus,
      { id: 'transfer', kind: 'transfer', title: 'Operator', lines: ['transfer the call'] },
      { id: 'goodbye', kind: 'goodbye', title: 'Goodbye', lines: ['the hotline hangs up'] },
    ],
    edges: [...edges.values()],
    fallback: `Any menu without its own fallback, after ${flow.maxAttempts} tries: ${[...fallback.says.map((say) => `say ${say}`), nodeName(fallback.to)].join(', then ')}.`,
    menuByContext,
    languages: [...languages],
    minConfidence: new Map(Object.entries(flow.menus).flatMap(([id, menu]) => (menu.minConfidence === undefined ? [] : [[id, menu.minConfidence] as const]))),
  };
}

/** Follows `say … next` to where the step finally leads, collecting the messages on the way; a schedule step leads two ways. */
function destinations(flow: Flow, step: Step, says: readonly string[] = []): Array<{ to: DiagramNodeId; says: string[] }> {
  switch (step.kind) {
    case 'say':
      return destinations(flow, step.next, [...says, typeof step.say === 'string' ? step.say : `“${excerpt(flow, step.say)}”`]);
    case 'schedule':
      return [
        ...destinations(flow, step.open, [...says, `if ${step.schedule} is open`]),
        ...destinations(flow, step.closed, [...says, `if ${step.schedule} is closed`]),
      ];
    case 'menu':
      return [{ to: menuNode(step.menu), says: [...says] }];
    case 'transfer':
      return [{ to: 'transfer', says: [...says] }];
    case 'goodbye':
      return [{ to: 'goodbye', says: [...says] }];
    default:
      throw new Error(`Unknown step ${JSON.stringify(step satisfies never)}`);
  }
}

function nodeName(id: DiagramNodeId): string {
  if (id.startsWith('menu:')) return `menu ${id.slice('menu:'.length)}`;
  return id === 'transfer' ? 'the operator' : id === 'goodbye' ? 'goodbye' : 'the start';
}

function describeCondition(when: RouteCondition, input: RecognizeInput): string {
  switch (when.kind) {
    case 'tones':
      return `press ${when.tones}`;
    case 'phrase':
      return `say “${when.phrase}”`;
    case 'sentiment':
      return `sounds ${when.sentiment}`;
    case 'any':
      return 'any answer';
    case 'open':
      return `${when.open} is open`;
    case 'closed':
      return `${when.closed} is closed`;
    case 'choice': {
      const tone = input.type === 'choices' ? input.choices.find((choice) => choice.label === when.choice)?.tone : undefined;
      return tone === undefined ? when.choice : `${when.choice} / ${tone}`;
    }
    default:
      throw new Error(`Unknown route condition ${JSON.stringify(when satisfies never)}`);
  }
}

function listensFor(input: RecognizeInput): string {
  switch (input.type) {
    case 'dtmf': {
      const stop = input.stopTones.length > 0 ? `, ${input.stopTones.join(' ')} ends` : '';
      return `keypad: up to ${input.maxTonesToCollect} key${input.maxTonesToCollect === 1 ? '' : 's'}${stop}`;
    }
    case 'choices':
      return `choices: say or press (${input.choices.length})`;
    case 'speech':
      return `speech${input.enableSentimentAnalysis ? ' + sentiment' : ''}`;
    case 'speechOrDtmf':
      return `speech or ${input.maxTonesToCollect === 1 ? 'a key' : 'keys'}${input.enableSentimentAnalysis ? ' + sentiment' : ''}`;
  }
}

/** The start of a prompt in the default language, template markers kept, markup removed. */
function excerpt(flow: Flow, ref: PromptRef): string {
  const prompt: Prompt | undefined = typeof ref === 'string' ? flow.messages[ref] : ref;
  // Validation guarantees named messages exist; the name still beats an empty box.
  if (prompt === undefined) return typeof ref === 'string' ? ref : '';
  if (prompt.kind === 'audio') return 'an audio file';
  const value = prompt.kind === 'text' ? prompt.text : prompt.ssml;
  const text = typeof value === 'string' ? value : (value[flow.defaultLanguage] ?? Object.values(value)[0] ?? '');
  return text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
}
