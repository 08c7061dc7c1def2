// Owns flow checking: shape and seed ranges (schema), references, duplicates and reachability, all in one pass.
import { readFileSync } from 'node:fs';
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

/** Loads and checks a flow file, or the bundled default hotline when no file is given. */
export function loadFlow(file?: string): Flow {
  if (file === undefined) return checked('the default hotline', defaultFlowJson);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new FlowError(file, [{ path: '(file)', message: error instanceof Error ? error.message : String(error) }]);
  }
  return checked(file, json);
}

function checked(source: string, json: unknown): Flow {
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
  const shapeProblems = parsed.error.issues.map((issue) => ({ path: issue.path.join('.') || '(root)', message: issue.message }));
  const outline = flowOutline.safeParse(json);
  return { ok: false, problems: [...shapeProblems, ...(outline.success ? checkReferences(outline.data) : [])] };
}

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
});
type FlowOutline = z.output<typeof flowOutline>;
type MenuOutline = z.output<typeof menuOutline>;

const TEMPLATE = /\{\{\s*([A-Za-z][A-Za-z0-9_-]*)\s*\}\}/g;

function checkReferences(flow: FlowOutline): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const report = (where: string, message: string) => problems.push({ path: where, message });
  // A part the schema rejected as a whole (no menus, no voices) is unknown here: checks against it would only echo that.
  const menus = flow.menus ?? {};
  const menuIds = flow.menus === undefined ? undefined : new Set(Object.keys(flow.menus));
  const { defaultLanguage, voices } = flow;

  const checkPrompt = (where: string, prompt: Prompt) => {
    const languages = new Set<string>();
    for (const value of Object.values(prompt)) {
      if (typeof value === 'object') for (const lang of Object.keys(value)) languages.add(lang);
    }
    if (defaultLanguage === undefined || voices === undefined) return;
    if (languages.size > 0 && !languages.has(defaultLanguage)) {
      report(where, `has no ${defaultLanguage} version; the default language is the fallback for every prompt`);
    }
    if ('text' in prompt && prompt.voice === undefined) {
      const spoken = languages.size > 0 ? [...languages] : [defaultLanguage];
      for (const lang of spoken) {
        if (!voices[lang]) report(where, `is text in ${lang} but voices has no ${lang} voice`);
      }
    }
    const texts = 'text' in prompt ? prompt.text : 'ssml' in prompt ? prompt.ssml : undefined;
    for (const text of typeof texts === 'string' ? [texts] : Object.values(texts ?? {})) {
      for (const match of text.matchAll(TEMPLATE)) {
        if (menuIds && !menuIds.has(match[1] ?? '')) report(where, `refers to {{${match[1]}}}, which is not a menu`);
      }
    }
  };
  const checkPromptRef = (where: string, ref: PromptRef | undefined) => {
    if (ref === undefined) return;
    if (typeof ref !== 'string') checkPrompt(where, ref);
    else if (!flow.messages[ref]) report(where, `names message "${ref}", which messages does not define`);
  };
  const checkStep = (where: string, step: Step | undefined) => {
    if (step === undefined) return;
    if ('menu' in step && menuIds && !menuIds.has(step.menu)) report(`${where}.menu`, `names menu "${step.menu}", which does not exist`);
    if ('say' in step) {
      checkPromptRef(`${where}.say`, step.say);
      checkStep(`${where}.next`, step.next);
    }
    if ('schedule' in step) {
      checkStep(`${where}.open`, step.open);
      checkStep(`${where}.closed`, step.closed);
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

  checkSchedules(flow, report);
  for (const id of unreachableMenus(flow)) report(`menus.${id}`, `cannot be reached from the start menu "${flow.start}"`);
  return problems;
}

function checkInput(where: string, menu: MenuOutline, report: (where: string, message: string) => void): void {
  const input = menu.input;
  const seen = new Set<string>();
  menu.routes.forEach((route, index) => {
    if (route.when === undefined) return;
    const signature = JSON.stringify(route.when);
    if (seen.has(signature)) report(`${where}.routes.${index}.when`, `repeats the condition ${signature}; only the first can ever match`);
    seen.add(signature);
  });
  if (input === undefined) return;
  const speaks = input.type !== 'dtmf';
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
      if (route.when === undefined || !('tones' in route.when)) return;
      const at = `${where}.routes.${index}.when.tones`;
      if (route.when.tones.length > input.maxTonesToCollect) {
        report(at, `"${route.when.tones}" is longer than maxTonesToCollect (${input.maxTonesToCollect})`);
      }
      if ([...route.when.tones].some((key) => stop.has(key))) report(at, `"${route.when.tones}" contains a stop tone, which ACS never reports`);
    });
  }

  if (menu.minConfidence !== undefined && !speaks) report(`${where}.minConfidence`, 'applies to speech, but a dtmf menu hears only keys');
  menu.routes.forEach((route, index) => {
    const at = `${where}.routes.${index}.when`;
    const when = route.when;
    if (when === undefined) return;
    if ('tones' in when && !keys) report(at, `routes on keys, but a ${input.type} menu does not collect keys`);
    if ('choice' in when) {
      if (input.type !== 'choices') report(at, `routes on a choice, but the menu is ${input.type}, not choices`);
      else if (!input.choices.some((c) => c.label === when.choice)) report(at, `names choice "${when.choice}", which the menu does not offer`);
    }
    if ('phrase' in when && input.type !== 'speech' && input.type !== 'speechOrDtmf') {
      report(at, `routes on a phrase, but a ${input.type} menu does not return free speech`);
    }
    if ('sentiment' in when && !(speaks && input.enableSentimentAnalysis)) {
      report(at, 'routes on sentiment, but the menu does not enable sentiment analysis');
    }
  });
}

/** Menus no path from the start reaches; none are named while a step that could reach them is itself malformed. */
function unreachableMenus(flow: FlowOutline): string[] {
  const reached = new Set<string>();
  const menus = flow.menus;
  if (menus === undefined || flow.start === undefined) return [];
  let unknowable = false;
  const visitStep = (step: Step | undefined) => {
    if (step === undefined) unknowable = true;
    else if ('menu' in step) visitMenu(step.menu);
    else if ('say' in step) visitStep(step.next);
    else if ('schedule' in step) {
      visitStep(step.open);
      visitStep(step.closed);
    }
  };
  const visitMenu = (id: string) => {
    const menu = menus[id];
    if (reached.has(id) || !(id in menus)) return;
    reached.add(id);
    if (!menu) return void (unknowable = true);
    menu.routes.forEach((route) => visitStep(route.then));
    visitStep(menu.onMaxAttempts ?? flow.onMaxAttempts);
  };
  visitMenu(flow.start);
  return unknowable ? [] : Object.keys(menus).filter((id) => !reached.has(id));
}
