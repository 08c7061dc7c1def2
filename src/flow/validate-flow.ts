// Owns flow checking: shape and seed ranges (schema), references, duplicates and reachability, all in one pass.
// Reads no files.
import { ANSWER_TEMPLATE } from '../domain/prompts';
import * as z from '../zod-mini';
import defaultFlowJson from './default-flow.json';
import { flowSchema, inputSchema, menuSchema, promptSchema, routeSchema, stepSchema, type Flow, type Prompt, type PromptRef, type Step } from './flow-schema';
import { checkSchedules } from './validate-schedules';

export interface FlowProblem {
  /** Where the problem is, e.g. `menus.main.input.interToneTimeoutSeconds`. */
  readonly path: string;
  readonly message: string;
}

export type FlowParseResult = { readonly ok: true; readonly flow: Flow } | { readonly ok: false; readonly problems: readonly FlowProblem[] };

export class FlowError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly FlowProblem[],
  ) {
    super(`Flow ${source} has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`);
    this.name = 'FlowError';
  }
}

/** The bundled default hotline, checked like any other flow. */
export const defaultFlow = (): Flow => checkedFlow('the default hotline', defaultFlowJson);

/** A flow from `source` (named in the error), or a FlowError listing every problem. */
export function checkedFlow(source: string, json: unknown): Flow {
  const result = parseFlow(json);
  if (!result.ok) throw new FlowError(source, result.problems);
  return result.flow;
}

/** Every problem at once: a shape problem does not hide a broken reference elsewhere in the file. */
export function parseFlow(json: unknown): FlowParseResult {
  const parsed = flowSchema.safeParse(json);
  if (parsed.success) {
    const problems = checkReferences(parsed.data);
    return problems.length === 0 ? { ok: true, flow: parsed.data } : { ok: false, problems };
  }
  const shapeProblems = parsed.error.issues.map((issue) => ({ path: issue.path.join('.') || '(root)', message: messageOf(issue) }));
  const outline = flowOutline.safeParse(json);
  return { ok: false, problems: [...shapeProblems, ...(outline.success ? checkReferences(outline.data) : [])] };
}

/** A bad record key (a menu id) comes wrapped as "Invalid key in record"; what is wrong with it is inside. */
const messageOf = (issue: z.core.$ZodIssue): string => (issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message);

/**
 * The flow as far as its parts are well formed: each part that fails the schema (already reported) becomes undefined,
 * so the reference checks still see every other part, at the same paths.
 */
const part = <T extends z.ZodMiniType>(schema: T) => z.catch(z.optional(schema), undefined);
const menuOutline = z.object({
  prompt: part(menuSchema.shape.prompt),
  input: part(inputSchema),
  routes: z.catch(z.array(z.object({ when: part(routeSchema.shape.when), then: part(stepSchema) })), []),
  reprompts: part(menuSchema.shape.reprompts),
  onMaxAttempts: part(stepSchema),
  minConfidence: part(menuSchema.shape.minConfidence),
});
const flowOutline = z.object({
  defaultLanguage: part(flowSchema.shape.defaultLanguage),
  voices: part(flowSchema.shape.voices),
  start: part(flowSchema.shape.start),
  onMaxAttempts: part(flowSchema.shape.onMaxAttempts),
  // Absent is no messages; a broken one is still looked into for the messages that are well formed.
  messages: z._default(z.catch(z.record(z.string(), part(promptSchema)), {}), {}),
  reprompts: z.catch(flowSchema.shape.reprompts, {}),
  goodbye: part(flowSchema.shape.goodbye),
  apology: part(flowSchema.shape.apology),
  menus: part(z.record(z.string(), part(menuOutline))),
  schedules: part(flowSchema.shape.schedules),
  // A broken campaigns section is reported by the schema; its references are then not looked into.
  campaigns: z._default(z.catch(flowSchema.shape.campaigns, {}), {}),
});
type FlowOutline = z.output<typeof flowOutline>;
type MenuOutline = z.output<typeof menuOutline>;

function checkReferences(flow: FlowOutline): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const report = (where: string, message: string) => problems.push({ path: where, message });
  // A part the schema rejected as a whole (no menus, no voices) is unknown here: checks against it would only echo that.
  const menus = flow.menus ?? {};
  const menuIds = flow.menus === undefined ? undefined : new Set(Object.keys(flow.menus));
  const { defaultLanguage, voices } = flow;
  const variables = new Set(Object.values(flow.campaigns).flatMap((campaign) => campaign.variables));

  const checkPrompt = (where: string, prompt: Prompt) => {
    const languages = new Set<string>();
    for (const value of localizedFields(prompt)) {
      if (typeof value === 'object') for (const lang of Object.keys(value)) languages.add(lang);
    }
    if (defaultLanguage === undefined || voices === undefined) return;
    if (languages.size > 0 && !languages.has(defaultLanguage)) {
      report(where, `has no ${defaultLanguage} version; the default language is the fallback for every prompt`);
    }
    if (prompt.kind === 'text' && prompt.voice === undefined) {
      const spoken = languages.size > 0 ? [...languages] : [defaultLanguage];
      for (const lang of spoken) {
        if (!voices[lang]) report(where, `is text in ${lang} but voices has no ${lang} voice`);
      }
    }
    for (const name of templatesOf(prompt)) {
      if (menuIds && !menuIds.has(name) && !variables.has(name)) report(where, `refers to {{${name}}}, which is neither a menu nor a campaign variable`);
    }
  };
  const checkPromptRef = (where: string, ref: PromptRef | undefined) => {
    if (ref === undefined) return;
    if (typeof ref !== 'string') checkPrompt(where, ref);
    else if (!flow.messages[ref]) report(where, `names message "${ref}", which messages does not define`);
  };
  const checkStep = (where: string, step: Step | undefined): void => {
    if (step === undefined) return;
    switch (step.kind) {
      case 'menu':
        if (menuIds && !menuIds.has(step.menu)) report(`${where}.menu`, `names menu "${step.menu}", which does not exist`);
        return;
      case 'say':
        checkPromptRef(`${where}.say`, step.say);
        return checkStep(`${where}.next`, step.next);
      case 'schedule':
        checkStep(`${where}.open`, step.open);
        return checkStep(`${where}.closed`, step.closed);
      case 'transfer':
      case 'goodbye':
        return;
      default:
        return unknownKind(step);
    }
  };

  if (flow.start !== undefined && menuIds && !menuIds.has(flow.start)) report('start', `names menu "${flow.start}", which does not exist`);
  if (defaultLanguage !== undefined && voices && !voices[defaultLanguage]) report('voices', `has no voice for the default language ${defaultLanguage}`);
  for (const [name, prompt] of Object.entries(flow.messages)) if (prompt) checkPrompt(`messages.${name}`, prompt);
  for (const [reason, ref] of Object.entries(flow.reprompts)) checkPromptRef(`reprompts.${reason}`, ref);
  checkPromptRef('goodbye', flow.goodbye);
  checkPromptRef('apology', flow.apology);
  checkStep('onMaxAttempts', flow.onMaxAttempts);

  for (const [id, menu] of Object.entries(menus)) {
    if (!menu) continue;
    const where = `menus.${id}`;
    checkPromptRef(`${where}.prompt`, menu.prompt);
    for (const [reason, ref] of Object.entries(menu.reprompts ?? {})) checkPromptRef(`${where}.reprompts.${reason}`, ref);
    checkStep(`${where}.onMaxAttempts`, menu.onMaxAttempts);
    checkInput(where, menu, report);
    menu.routes.forEach((route, index) => checkStep(`${where}.routes.${index}.then`, route.then));
  }

  for (const [id, campaign] of Object.entries(flow.campaigns)) {
    const where = `campaigns.${id}`;
    if (!menuIds) continue;
    if (!menuIds.has(campaign.start)) {
      report(`${where}.start`, `names menu "${campaign.start}", which does not exist`);
      continue;
    }
    campaign.variables.forEach((name, index) => {
      if (menuIds.has(name)) report(`${where}.variables.${index}`, `"${name}" is also a menu id, so {{${name}}} would be ambiguous`);
      if (campaign.variables.indexOf(name) !== index) report(`${where}.variables.${index}`, `repeats the variable "${name}"`);
    });
    if (campaign.goodbye) checkPromptRef(`${where}.goodbye`, campaign.goodbye);
    const declared = new Set(campaign.variables);
    const goodbyeNames = campaign.goodbye ? templatesOfRef(flow, campaign.goodbye) : [];
    for (const name of [...templatesReachableFrom(flow, campaign.start), ...goodbyeNames]) {
      if (!menuIds.has(name) && !declared.has(name)) report(`${where}.variables`, `does not list "${name}", which a prompt of this campaign reads`);
    }
  }
  // An inbound call carries no variables: only earlier answers can fill its prompts.
  if (menuIds && flow.start !== undefined) {
    for (const name of templatesReachableFrom(flow, flow.start)) {
      if (!menuIds.has(name) && variables.has(name)) report('start', `a prompt reached from the start menu reads {{${name}}}, which only outbound calls carry`);
    }
  }

  checkSchedules(flow, report);
  for (const id of unreachableMenus(flow)) report(`menus.${id}`, `cannot be reached from the start menu "${flow.start}" or a campaign`);
  return problems;
}

function templatesOf(prompt: Prompt): string[] {
  const texts = spokenText(prompt);
  return (typeof texts === 'string' ? [texts] : Object.values(texts ?? {})).flatMap((text) => [...text.matchAll(ANSWER_TEMPLATE)].map((match) => match[1] ?? ''));
}

function templatesOfRef(flow: FlowOutline, ref: PromptRef): string[] {
  const prompt = typeof ref === 'string' ? flow.messages[ref] : ref;
  return prompt ? templatesOf(prompt) : [];
}

/** Every `{{name}}` a call that starts at `start` can hear: its menus' prompts and reprompts, its messages, and the flow-wide prompts. */
function templatesReachableFrom(flow: FlowOutline, start: string): Set<string> {
  const names = new Set<string>();
  const addRef = (ref: PromptRef | undefined) => {
    if (ref !== undefined) for (const name of templatesOfRef(flow, ref)) names.add(name);
  };
  const walk = walkFlow(flow, {
    onSay: addRef,
    onMenu: (_, menu) => {
      if (!menu) return;
      addRef(menu.prompt);
      for (const ref of Object.values(menu.reprompts ?? {})) addRef(ref);
    },
  });
  for (const ref of [flow.goodbye, flow.apology, ...Object.values(flow.reprompts)]) addRef(ref);
  walk.fromStep(flow.onMaxAttempts);
  walk.fromMenu(start);
  return names;
}

function checkInput(where: string, menu: MenuOutline, report: (where: string, message: string) => void): void {
  const input = menu.input;
  const seen = new Set<string>();
  menu.routes.forEach((route, index) => {
    if (route.when === undefined) return;
    const { kind: _kind, ...written } = route.when;
    const signature = JSON.stringify(written);
    if (seen.has(signature)) report(`${where}.routes.${index}.when`, `repeats the condition ${signature}; only the first can ever match`);
    seen.add(signature);
  });
  if (input === undefined) return;
  const keys = input.type === 'dtmf' || input.type === 'speechOrDtmf';

  if (input.type === 'choices') {
    const labels = new Set<string>();
    const tones = new Set<string>();
    const phrases = new Map<string, string>();
    input.choices.forEach((choice, index) => {
      const at = `${where}.input.choices.${index}`;
      if (labels.has(choice.label)) report(`${at}.label`, `repeats the label "${choice.label}"`);
      labels.add(choice.label);
      if (choice.tone !== undefined) {
        if (tones.has(choice.tone)) report(`${at}.tone`, `repeats the key ${choice.tone}, already used by another choice`);
        tones.add(choice.tone);
      }
      for (const phrase of choice.phrases) {
        const key = phrase.trim().toLowerCase();
        const owner = phrases.get(key);
        if (owner !== undefined && owner !== choice.label) report(`${at}.phrases`, `repeats the phrase "${phrase}" of choice "${owner}"`);
        phrases.set(key, choice.label);
      }
    });
  }
  if (keys) {
    const stop = new Set<string>(input.stopTones);
    for (const tone of input.stopTones) {
      if (input.stopTones.indexOf(tone) !== input.stopTones.lastIndexOf(tone)) report(`${where}.input.stopTones`, `repeats the key ${tone}`);
    }
    menu.routes.forEach((route, index) => {
      const when = route.when;
      if (when?.kind !== 'tones') return;
      const at = `${where}.routes.${index}.when.tones`;
      if (when.tones.length > input.maxTonesToCollect) {
        report(at, `"${when.tones}" is longer than maxTonesToCollect (${input.maxTonesToCollect})`);
      }
      if ([...when.tones].some((key) => stop.has(key))) report(at, `"${when.tones}" contains a stop tone, which ACS never reports`);
    });
  }

  if (menu.minConfidence !== undefined && input.type === 'dtmf') report(`${where}.minConfidence`, 'applies to speech, but a dtmf menu hears only keys');
  menu.routes.forEach((route, index) => {
    const at = `${where}.routes.${index}.when`;
    const when = route.when;
    if (when === undefined) return;
    switch (when.kind) {
      case 'tones':
        if (!keys) report(at, `routes on keys, but a ${input.type} menu does not collect keys`);
        return;
      case 'choice':
        if (input.type !== 'choices') report(at, `routes on a choice, but the menu is ${input.type}, not choices`);
        else if (!input.choices.some((c) => c.label === when.choice)) report(at, `names choice "${when.choice}", which the menu does not offer`);
        return;
      case 'phrase':
        if (input.type !== 'speech' && input.type !== 'speechOrDtmf') report(at, `routes on a phrase, but a ${input.type} menu does not return free speech`);
        return;
      case 'sentiment':
        if (input.type === 'dtmf' || !input.enableSentimentAnalysis) report(at, 'routes on sentiment, but the menu does not enable sentiment analysis');
        return;
      case 'any':
      case 'open':
      case 'closed':
        return;
      default:
        return unknownKind(when);
    }
  });
}

/** Menus no path from the start reaches; none are named while a step that could reach them is itself malformed. */
function unreachableMenus(flow: FlowOutline): string[] {
  const reached = new Set<string>();
  const menus = flow.menus;
  if (menus === undefined || flow.start === undefined) return [];
  let unknowable = false;
  const walk = walkFlow(flow, {
    onMenu: (id, menu) => {
      reached.add(id);
      if (!menu) unknowable = true;
    },
    onBrokenStep: () => (unknowable = true),
  });
  walk.fromMenu(flow.start);
  for (const campaign of Object.values(flow.campaigns)) walk.fromMenu(campaign.start);
  return unknowable ? [] : Object.keys(menus).filter((id) => !reached.has(id));
}

interface FlowVisitor {
  /** Once per menu a call can reach; `undefined` when the menu's entry failed the schema. */
  readonly onMenu?: (id: string, menu: MenuOutline | undefined) => void;
  readonly onSay?: (ref: PromptRef) => void;
  /** A step that is missing or failed the schema: where it would lead is unknown. */
  readonly onBrokenStep?: () => void;
}

/** Follows calls through the flow, each menu once: down both sides of a schedule, since a call may go either way. */
function walkFlow(flow: FlowOutline, visitor: FlowVisitor): { fromMenu(id: string): void; fromStep(step: Step | undefined): void } {
  const menus = flow.menus ?? {};
  const seen = new Set<string>();
  const fromStep = (step: Step | undefined): void => {
    if (step === undefined) return visitor.onBrokenStep?.();
    switch (step.kind) {
      case 'menu':
        return fromMenu(step.menu);
      case 'say':
        visitor.onSay?.(step.say);
        return fromStep(step.next);
      case 'schedule':
        fromStep(step.open);
        return fromStep(step.closed);
      case 'transfer':
      case 'goodbye':
        return;
      default:
        return unknownKind(step);
    }
  };
  const fromMenu = (id: string): void => {
    if (seen.has(id) || !(id in menus)) return;
    seen.add(id);
    const menu = menus[id];
    visitor.onMenu?.(id, menu);
    if (!menu) return;
    for (const route of menu.routes) fromStep(route.then);
    fromStep(menu.onMaxAttempts ?? flow.onMaxAttempts);
  };
  return { fromMenu, fromStep };
}

/** The fields of a prompt that may be given per language. */
function localizedFields(prompt: Prompt): ReadonlyArray<string | Readonly<Record<string, string>>> {
  switch (prompt.kind) {
    case 'text':
      return prompt.voice === undefined ? [prompt.text] : [prompt.text, prompt.voice];
    case 'ssml':
      return [prompt.ssml];
    case 'audio':
      return [prompt.audioUrl];
    default:
      return unknownKind(prompt);
  }
}

/** What is read aloud, where `{{menu}}` may appear: text and SSML, not an audio file. */
function spokenText(prompt: Prompt): string | Readonly<Record<string, string>> | undefined {
  switch (prompt.kind) {
    case 'text':
      return prompt.text;
    case 'ssml':
      return prompt.ssml;
    case 'audio':
      return undefined;
    default:
      return unknownKind(prompt);
  }
}

/** The `never` check: the schema tags every step, condition and prompt, so only a new kind left unhandled gets here. */
function unknownKind(value: never): never {
  // Stryker disable next-line all: unreachable through parseFlow, which tags every element; no test can reach it.
  throw new Error(`Unknown flow element ${JSON.stringify(value)}`);
}
