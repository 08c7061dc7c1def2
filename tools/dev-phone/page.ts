// Owns the dev phone's HTML: the phone page (controls, diagram, timeline template) and the page listing a flow's problems.
import { SENTIMENTS } from '../../src/flow/flow-schema';
import type { FlowProblem } from '../../src/flow/validate-flow';
import { DIAGRAM_DEFS, escapeXml as escape } from './diagram';
import type { FlowGraph, GraphEdge } from './flow-graph';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'] as const;

export interface PhonePageInput {
  readonly graph: FlowGraph;
  readonly diagram: string;
  /** Which flow file is shown, for the header. */
  readonly flowName: string;
  /** The flow's version: what every call dialed from this page starts on (the hotline runs the same file). */
  readonly flowVersion: string;
  readonly hotlineNumber: string;
  readonly defaultCaller: string;
}

export function phonePage(input: PhonePageInput): string {
  const { graph } = input;
  const languages = graph.languages.map((language) => `<option>${escape(language)}</option>`).join('');
  const sentiments = SENTIMENTS.map((sentiment) => `<option>${sentiment}</option>`).join('');
  const keypad = KEYS.map(
    (key) => `<button type="button" class="key" data-key="${escape(key)}" aria-keyshortcuts="${escape(key)}">${escape(key)}</button>`,
  ).join('');
  // Focusable: on a narrow window the diagram scrolls sideways, and the keyboard must be able to scroll it too.
  const flowFigure = `<figure class="flow" tabindex="0">${input.diagram}<figcaption>${escape(graph.fallback)}</figcaption></figure>`;
  return page(
    'Dev phone',
    `<header class="top">
  <div class="title">
    <h1>Dev phone</h1>
    <p>Calls the local hotline <b>${escape(input.hotlineNumber)}</b> through the ACS emulator · flow: <code>${escape(input.flowName)}</code> · version <code>${escape(input.flowVersion)}</code></p>
  </div>
  <form id="dial-form" class="dial" data-flow-version="${escape(input.flowVersion)}">
    <label>Caller number <input name="from" value="${escape(input.defaultCaller)}" required pattern="\\+[1-9][0-9]{6,14}" inputmode="tel" autocomplete="off" title="An E.164 number such as +14255550123"></label>
    <label>Call at <input name="at" placeholder="now" pattern="\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2})?(Z|\\+\\d{2}:\\d{2}|-\\d{2}:\\d{2})" autocomplete="off" title="Empty for now, or a time with an offset such as 2026-12-25T10:00-05:00: the hotline's opening hours are read at it"></label>
    <button type="submit" class="primary">Call the hotline</button>
  </form>
  <form id="remind-form" class="dial">
    <label>Your number <input name="to" value="+12065550100" required pattern="\\+[1-9][0-9]{6,14}" inputmode="tel" autocomplete="off" title="An E.164 number such as +12065550100"></label>
    <label>Appointment at <input name="time" value="2 PM" required maxlength="100" autocomplete="off"></label>
    <button type="submit">Have the hotline remind me</button>
  </form>
</header>
<p id="dial-error" class="error" role="alert" hidden></p>
<section id="ringing" class="ringing" role="alertdialog" aria-labelledby="ringing-text" hidden>
  <p id="ringing-text">The phone rings</p>
  <button type="button" class="primary answer">Answer</button>
  <button type="button" class="decline">Decline</button>
</section>
<nav id="call-tabs" role="tablist" aria-label="Calls"></nav>
<main id="call-panels">
  <section id="no-calls" class="idle">
    <p>No calls yet. Choose a caller number and press <b>Call the hotline</b>; each call opens in its own tab.</p>
    ${flowFigure}
  </section>
</main>
<details class="flow-text">
  <summary>The flow as text</summary>
  ${flowTable(graph)}
</details>
<template id="call-template">
  <section class="call" role="tabpanel" tabindex="-1">
    <div class="phone">
      <p class="status" role="status"><span class="dot" aria-hidden="true"></span><span class="position">Ringing…</span></p>
      <div class="hears">
        <h2>Caller hears</h2>
        <p class="prompt-text" aria-live="polite">Nothing yet.</p>
        <p class="prompt-meta"></p>
      </div>
      <div class="keypad" role="group" aria-label="Keypad: press a key, or type 0-9, * and # while the call has focus">${keypad}</div>
      <form class="say">
        <label class="say-text">Say <input name="text" required autocomplete="off" placeholder="e.g. yes, or account"></label>
        <div class="say-options">
          <label>Language <select name="language">${languages}</select></label>
          <label>Sentiment <select name="sentiment"><option value="">not given</option>${sentiments}</select></label>
          <label class="say-confidence">Confidence <input name="confidence" type="number" min="0" max="1" step="0.05" placeholder="0.9" inputmode="decimal" title="How sure speech recognition is, 0 to 1; a menu may treat speech below its minimum as no match"></label>
        </div>
        <div class="say-buttons"><button type="submit">Say it</button><button type="button" class="mumble">Mumble</button></div>
      </form>
      <button type="button" class="hangup">Hang up</button>
      <p class="error" role="alert" hidden></p>
    </div>
    ${flowFigure}
    <div class="timeline">
      <h2>Timeline</h2>
      <div class="timeline-scroll" tabindex="0" aria-label="Timeline, newest last">
        <table>
          <thead><tr><th scope="col">time</th><th scope="col">who</th><th scope="col">what</th><th scope="col">result</th></tr></thead>
          <tbody></tbody>
        </table>
        <div class="timeline-end" aria-hidden="true"></div>
      </div>
    </div>
  </section>
</template>
${DIAGRAM_DEFS}
<script type="module" src="/phone.js"></script>`,
  );
}

export function problemsPage(flowName: string, problems: readonly FlowProblem[]): string {
  const rows = problems
    .map((problem) => {
      const { menu, field } = locate(problem.path);
      const where = field.startsWith('(') ? escape(field) : `<code>${escape(field)}</code>`;
      return `<tr><td>${escape(menu)}</td><td>${where}</td><td>${escape(problem.message)}</td></tr>`;
    })
    .join('\n');
  return page(
    'Dev phone: the flow has problems',
    `<main class="problems">
  <h1>The flow has ${problems.length} problem${problems.length === 1 ? '' : 's'}</h1>
  <p>The hotline cannot take calls with <code>${escape(flowName)}</code>. Fix what is listed below, then restart the dev phone.</p>
  <table class="problem-list">
    <caption>Problems in ${escape(flowName)}</caption>
    <thead><tr><th scope="col">Menu</th><th scope="col">Field</th><th scope="col">Problem</th></tr></thead>
    <tbody>
${rows}
    </tbody>
  </table>
</main>`,
  );
}

/** `menus.main.input.interToneTimeoutSeconds` → menu `main`, field `input.interToneTimeoutSeconds`. */
function locate(path: string): { menu: string; field: string } {
  const [head, menu, ...rest] = path.split('.');
  if (head === 'menus' && menu !== undefined) return { menu, field: rest.join('.') || '(the menu itself)' };
  return { menu: '(whole flow)', field: path };
}

function flowTable(graph: FlowGraph): string {
  const title = new Map(graph.nodes.map((node) => [node.id, node.kind === 'menu' ? `menu ${node.title}` : node.title]));
  const name = (id: GraphEdge['from']) => escape(title.get(id) ?? id);
  const rows = graph.edges
    .map(
      (edge) =>
        `<tr><td>${name(edge.from)}</td><td>${escape(edge.conditions.join(', ') || '—')}</td><td>${escape(edge.says.join(', then ') || '—')}</td><td>${name(edge.to)}</td></tr>`,
    )
    .join('');
  return `<table><thead><tr><th scope="col">From</th><th scope="col">When the caller…</th><th scope="col">The hotline says</th><th scope="col">Then</th></tr></thead><tbody>${rows}</tbody></table><p>${escape(graph.fallback)}</p>`;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<link rel="stylesheet" href="/phone.css">
<link rel="icon" href="data:,">
</head>
<body>
${body}
</body>
</html>
`;
}
