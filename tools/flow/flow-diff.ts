// Owns comparing two flows for `npm run flow -- diff`: menus added, removed or changed, routes and prompts that
// changed, and the positions of live calls that the new version no longer has (those calls finish on the old one).
import type { Flow, Menu, PromptRef, Route, Step } from '../../src/flow/flow-schema';
import { canonicalJson, flowVersion } from '../../src/flow/flow-version';

export interface FlowDiff {
  readonly oldVersion: string;
  readonly newVersion: string;
  readonly menusAdded: readonly string[];
  readonly menusRemoved: readonly string[];
  /** Menu id → what about it changed (prompt, input, reprompts, attempts, fallback). */
  readonly menusChanged: Readonly<Record<string, readonly string[]>>;
  /** One line per route added, removed or sending the caller elsewhere, named by its menu and condition. */
  readonly routesChanged: readonly string[];
  /** Messages, goodbye, apology, reprompts and menu prompts whose words changed, were added or removed. */
  readonly promptsChanged: readonly string[];
  readonly schedulesChanged: readonly string[];
  /** Where a call of the old version can be waiting that the new version lacks: menus, and messages played on the way. */
  readonly lostPositions: readonly string[];
}

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);
const keysOf = (record: Readonly<Record<string, unknown>>) => Object.keys(record).sort();
const describeWhen = (route: Route) => canonicalJson(route.when);

export function diffFlows(before: Flow, after: Flow): FlowDiff {
  const menusAdded = keysOf(after.menus).filter((id) => !before.menus[id]);
  const menusRemoved = keysOf(before.menus).filter((id) => !after.menus[id]);
  const menusChanged: Record<string, string[]> = {};
  const routesChanged: string[] = [];
  const promptsChanged: string[] = [];

  for (const id of keysOf(before.menus)) {
    const old = before.menus[id];
    const now = after.menus[id];
    if (!old || !now || same(old, now)) continue;
    menusChanged[id] = changedParts(old, now);
    if (!same(old.prompt, now.prompt)) promptsChanged.push(`menus.${id}.prompt`);
    routesChanged.push(...routeChanges(id, old.routes, now.routes));
  }
  for (const [where, a, b] of [
    ['goodbye', before.goodbye, after.goodbye],
    ['apology', before.apology, after.apology],
  ] as const) {
    if (!same(a, b)) promptsChanged.push(where);
  }
  promptsChanged.push(...recordChanges('messages', before.messages, after.messages));
  promptsChanged.push(...recordChanges('reprompts', before.reprompts, after.reprompts));
  const schedulesChanged = recordChanges('schedules', before.schedules, after.schedules);

  const messagesGone = keysOf(before.messages).filter((name) => !after.messages[name]);
  const lostPositions = [
    ...menusRemoved.map((id) => `menu ${id}: calls waiting in it`),
    ...messagesGone.filter((name) => messageIsPlayedBefore(before, name)).map((name) => `message ${name}: calls hearing it, and where it leads`),
  ];
  return {
    oldVersion: flowVersion(before),
    newVersion: flowVersion(after),
    menusAdded,
    menusRemoved,
    menusChanged,
    routesChanged,
    promptsChanged,
    schedulesChanged,
    lostPositions,
  };
}

function changedParts(old: Menu, now: Menu): string[] {
  const parts: Array<[string, unknown, unknown]> = [
    ['prompt', old.prompt, now.prompt],
    ['input', old.input, now.input],
    ['routes', old.routes, now.routes],
    ['reprompts', old.reprompts, now.reprompts],
    ['maxAttempts', old.maxAttempts, now.maxAttempts],
    ['onMaxAttempts', old.onMaxAttempts, now.onMaxAttempts],
  ];
  return parts.filter(([, a, b]) => !same(a, b)).map(([name]) => name);
}

/** Routes are matched by their condition: the same condition leading elsewhere is a change, not a removal and an addition. */
function routeChanges(menuId: string, old: readonly Route[], now: readonly Route[]): string[] {
  const lines: string[] = [];
  const oldByWhen = new Map(old.map((route) => [describeWhen(route), route]));
  const nowByWhen = new Map(now.map((route) => [describeWhen(route), route]));
  for (const [when, route] of oldByWhen) {
    const next = nowByWhen.get(when);
    if (!next) lines.push(`${menuId} ${when}: removed (was ${describeStep(route.then)})`);
    else if (!same(route.then, next.then)) lines.push(`${menuId} ${when}: ${describeStep(route.then)} → ${describeStep(next.then)}`);
  }
  for (const [when, route] of nowByWhen) if (!oldByWhen.has(when)) lines.push(`${menuId} ${when}: added (${describeStep(route.then)})`);
  if (lines.length === 0 && !same(old, now)) lines.push(`${menuId}: routes reordered (the first match wins)`);
  return lines;
}

function recordChanges(where: string, old: Readonly<Record<string, unknown>>, now: Readonly<Record<string, unknown>>): string[] {
  const names = [...new Set([...keysOf(old), ...keysOf(now)])].sort();
  return names.flatMap((name) => {
    if (old[name] === undefined) return [`${where}.${name} added`];
    if (now[name] === undefined) return [`${where}.${name} removed`];
    return same(old[name], now[name]) ? [] : [`${where}.${name}`];
  });
}

export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'menu':
      return `menu ${step.menu}`;
    case 'say':
      return `say ${describePrompt(step.say)}, then ${describeStep(step.next)}`;
    case 'transfer':
      return 'transfer to the operator';
    case 'schedule':
      return `if ${step.schedule} is open: ${describeStep(step.open)}; else ${describeStep(step.closed)}`;
    case 'goodbye':
      return 'goodbye';
    default:
      throw new Error(`Unknown step ${JSON.stringify(step satisfies never)}`);
  }
}

const describePrompt = (ref: PromptRef) => (typeof ref === 'string' ? ref : 'a prompt');

/** Whether a call can be playing this message with more to come: it appears in a `say` of some step. */
function messageIsPlayedBefore(flow: Flow, name: string): boolean {
  const says = (step: Step): boolean =>
    ('say' in step && (step.say === name || says(step.next))) || ('schedule' in step && (says(step.open) || says(step.closed)));
  return [flow.onMaxAttempts, ...Object.values(flow.menus).flatMap((menu) => [...menu.routes.map((route) => route.then), ...(menu.onMaxAttempts ? [menu.onMaxAttempts] : [])])].some(says);
}

/** The diff as the terminal shows it; "no changes" when the versions are the same. */
export function formatDiff(diff: FlowDiff): string {
  const lines = [`version ${diff.oldVersion} → ${diff.newVersion}`];
  if (diff.oldVersion === diff.newVersion) return `${lines[0] ?? ''}\nno changes: the same version`;
  const section = (title: string, items: readonly string[]) => {
    if (items.length > 0) lines.push(`${title}:`, ...items.map((item) => `  ${item}`));
  };
  section('menus added', diff.menusAdded);
  section('menus removed', diff.menusRemoved);
  section('menus changed', Object.entries(diff.menusChanged).map(([id, parts]) => `${id} (${parts.join(', ')})`));
  section('routes changed', diff.routesChanged);
  section('prompts changed', diff.promptsChanged);
  section('schedules changed', diff.schedulesChanged);
  if (diff.lostPositions.length > 0) {
    section('live-call positions the new version no longer has (such calls finish on the old version)', diff.lostPositions);
  } else {
    lines.push('every position of a live call exists in the new version');
  }
  return lines.join('\n');
}
