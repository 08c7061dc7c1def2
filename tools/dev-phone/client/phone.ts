// Owns the dev phone page in the browser: dialling, one tab per call, the keypad and voice, and live updates.
import type { CallPosition, CallUpdate, DialResponse, ErrorResponse, HeardPromptView, RingingCall, SayRequest, TimelineRow } from '../protocol.js';

function required<T extends Element>(root: ParentNode, selector: string, type: new () => T): T {
  const element = root.querySelector(selector);
  if (!(element instanceof type)) throw new Error(`the page has no ${selector}`);
  return element;
}

function field(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === 'string' ? value : '';
}

const dialForm = required(document, '#dial-form', HTMLFormElement);
const dialError = required(document, '#dial-error', HTMLParagraphElement);
const tabList = required(document, '#call-tabs', HTMLElement);
const panels = required(document, '#call-panels', HTMLElement);
const idle = required(document, '#no-calls', HTMLElement);
const template = required(document, '#call-template', HTMLTemplateElement);
const remindForm = required(document, '#remind-form', HTMLFormElement);
const ringingPanel = required(document, '#ringing', HTMLElement);

const KEYS = new Set(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#']);
const calls: Call[] = [];

async function post(url: string, body: unknown): Promise<Response> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) {
    const error = (await response.json().catch(() => undefined)) as ErrorResponse | undefined;
    throw new Error(error?.error ?? `HTTP ${response.status}`);
  }
  return response;
}

class Call {
  readonly tab = document.createElement('button');
  readonly panel: HTMLElement;
  private readonly rows: HTMLTableSectionElement;
  private readonly scroller: HTMLElement;
  private readonly scrollEnd: HTMLElement;
  private readonly error: HTMLParagraphElement;
  private readonly events: EventSource;
  /** Input goes to the emulator one request at a time, so fast key presses keep their order. */
  private queue: Promise<void> = Promise.resolve();
  private seen = -1;

  constructor(
    readonly id: string,
    readonly number: number,
    readonly from: string,
  ) {
    const fragment = template.content.cloneNode(true) as DocumentFragment;
    this.panel = required(fragment, '.call', HTMLElement);
    this.rows = required(this.panel, '.timeline tbody', HTMLTableSectionElement);
    this.scroller = required(this.panel, '.timeline-scroll', HTMLElement);
    this.scrollEnd = required(this.panel, '.timeline-end', HTMLElement);
    this.error = required(this.panel, '.error', HTMLParagraphElement);
    this.panel.id = `call-${number}`;
    this.panel.dataset['callId'] = id;
    this.panel.setAttribute('aria-labelledby', `call-tab-${number}`);
    this.tab.id = `call-tab-${number}`;
    this.tab.type = 'button';
    this.tab.className = 'tab';
    this.tab.setAttribute('role', 'tab');
    this.tab.setAttribute('aria-controls', this.panel.id);
    this.tab.innerHTML = '<span class="dot" aria-hidden="true"></span><span class="tab-name"></span>';
    // A call keeps the flow version it was dialed on, whatever the hotline is redeployed with meanwhile.
    const version = dialForm.dataset['flowVersion'];
    required(this.tab, '.tab-name', HTMLSpanElement).textContent = `Call ${number} · ${from}${version ? ` · flow ${version.slice(0, 8)}` : ''}`;
    if (version) this.tab.title = `flow version ${version}`;
    this.tab.addEventListener('click', () => select(this));
    this.wireControls();
    tabList.append(this.tab);
    panels.append(this.panel);

    this.events = new EventSource(`/api/calls/${encodeURIComponent(id)}/events`);
    this.events.addEventListener('update', (event) => this.apply(JSON.parse((event as MessageEvent<string>).data) as CallUpdate));
  }

  private wireControls(): void {
    for (const key of this.panel.querySelectorAll<HTMLButtonElement>('.key')) {
      key.addEventListener('click', () => this.press(key.dataset['key'] ?? ''));
    }
    // Typing a key anywhere in the call but a text field presses it, so the keypad works without a mouse.
    this.panel.addEventListener('keydown', (event) => {
      const target = event.target as HTMLElement;
      if (event.ctrlKey || event.metaKey || event.altKey || !KEYS.has(event.key) || target.closest('input, select, textarea')) return;
      event.preventDefault();
      this.press(event.key);
    });
    const say = required(this.panel, 'form.say', HTMLFormElement);
    say.addEventListener('submit', (event) => {
      event.preventDefault();
      const data = new FormData(say);
      const sentiment = field(data, 'sentiment');
      const confidence = field(data, 'confidence');
      const body: SayRequest = {
        text: field(data, 'text').trim(),
        language: field(data, 'language'),
        ...(sentiment ? { sentiment } : {}),
        ...(confidence ? { confidence: Number(confidence) } : {}),
      };
      this.send('say', body);
      required(say, 'input[name=text]', HTMLInputElement).value = '';
    });
    required(this.panel, '.mumble', HTMLButtonElement).addEventListener('click', () => this.send('mumble', {}));
    required(this.panel, '.hangup', HTMLButtonElement).addEventListener('click', () => this.send('hangup', {}));
  }

  private press(key: string): void {
    const button = this.panel.querySelector<HTMLButtonElement>(`.key[data-key="${CSS.escape(key)}"]`);
    if (button?.disabled) return;
    button?.classList.add('pressed');
    setTimeout(() => button?.classList.remove('pressed'), 150);
    this.send('dtmf', { tones: key });
  }

  private send(verb: 'dtmf' | 'say' | 'mumble' | 'hangup', body: object): void {
    this.queue = this.queue
      .then(async () => {
        await post(`/api/calls/${encodeURIComponent(this.id)}/${verb}`, body);
        this.error.hidden = true;
      })
      .catch((error: unknown) => {
        this.error.textContent = error instanceof Error ? error.message : String(error);
        this.error.hidden = false;
      });
  }

  private apply(update: CallUpdate): void {
    // A reconnecting stream starts again from the first entry.
    if (update.row.index <= this.seen) return;
    this.seen = update.row.index;
    this.addRow(update.row);
    if (update.prompt) this.hear(update.prompt);
    this.move(update.position);
    if (update.position.ended) this.end();
  }

  private addRow(row: TimelineRow): void {
    const atBottom = this.scroller.scrollHeight - this.scroller.scrollTop - this.scroller.clientHeight < 40;
    const tr = this.rows.insertRow();
    tr.className = `row-${row.tone}`;
    for (const text of [`${(row.elapsedMs / 1000).toFixed(2)} s`, row.actor, row.text]) tr.insertCell().textContent = text;
    const result = tr.insertCell();
    for (const [className, text] of [['code', row.result], ['context', row.operationContext]] as const) {
      if (text === undefined) continue;
      const span = result.appendChild(document.createElement('span'));
      span.className = className;
      span.textContent = text;
      span.title = text;
    }
    if (atBottom) this.follow();
  }

  /**
   * Scrolls to the newest row with whole rows under the sticky header: the row the header would cut in half is
   * scrolled past, with the space that takes left at the end.
   */
  private follow(): void {
    this.scrollEnd.style.height = '0';
    this.scroller.scrollTop = this.scroller.scrollHeight;
    const headerBottom = required(this.scroller, 'thead', HTMLTableSectionElement).getBoundingClientRect().bottom;
    for (const row of this.rows.rows) {
      const { top, bottom } = row.getBoundingClientRect();
      if (top >= headerBottom) break;
      if (bottom <= headerBottom) continue;
      this.scrollEnd.style.height = `${Math.ceil(bottom - headerBottom)}px`;
      this.scroller.scrollTop = this.scroller.scrollHeight;
      break;
    }
  }

  private hear(prompt: HeardPromptView): void {
    required(this.panel, '.prompt-text', HTMLParagraphElement).textContent = prompt.kind === 'file' ? `Audio file ${prompt.text}` : prompt.text;
    const meta = [prompt.language, prompt.voice, prompt.kind === 'ssml' ? 'SSML' : undefined].filter((part) => part !== undefined);
    required(this.panel, '.prompt-meta', HTMLParagraphElement).textContent = meta.join(' · ');
  }

  private move(position: CallPosition): void {
    required(this.panel, '.position', HTMLSpanElement).textContent = position.label;
    for (const node of this.panel.querySelectorAll('.node.current')) {
      node.classList.remove('current');
      node.removeAttribute('aria-current');
    }
    if (position.node === undefined) return;
    const node = this.panel.querySelector(`.node[data-node="${CSS.escape(position.node)}"]`);
    node?.classList.add('current', 'visited');
    node?.setAttribute('aria-current', 'step');
  }

  private end(): void {
    this.events.close();
    this.panel.classList.add('ended');
    this.tab.classList.add('ended');
    // A disabled control loses focus to <body>; the panel keeps it (and its status says how the call ended).
    if (this.panel.contains(document.activeElement) && document.activeElement !== this.panel) this.panel.focus();
    for (const control of this.panel.querySelectorAll<HTMLButtonElement | HTMLInputElement | HTMLSelectElement>('.phone button, .phone input, .phone select')) {
      control.disabled = true;
    }
  }
}

function select(call: Call): void {
  for (const other of calls) {
    const chosen = other === call;
    other.tab.setAttribute('aria-selected', String(chosen));
    other.tab.tabIndex = chosen ? 0 : -1;
    other.panel.hidden = !chosen;
  }
}

// Tabs as the ARIA pattern has them: arrows move between calls, Home and End jump to the ends.
tabList.addEventListener('keydown', (event) => {
  const index = calls.findIndex((call) => call.tab === document.activeElement);
  if (index < 0) return;
  const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: calls.length - 1 }[event.key];
  if (next === undefined) return;
  event.preventDefault();
  const call = calls[(next + calls.length) % calls.length];
  if (call === undefined) return;
  select(call);
  call.tab.focus();
});

dialForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const form = new FormData(dialForm);
  const from = field(form, 'from').trim();
  const at = field(form, 'at').trim();
  const button = required(dialForm, 'button', HTMLButtonElement);
  button.disabled = true;
  void post('/api/calls', at === '' ? { from } : { from, at })
    .then(async (response) => {
      const { callId } = (await response.json()) as DialResponse;
      const call = new Call(callId, calls.length + 1, from);
      calls.push(call);
      idle.hidden = true;
      dialError.hidden = true;
      select(call);
      call.panel.focus();
    })
    .catch((error: unknown) => {
      dialError.textContent = `Could not dial: ${error instanceof Error ? error.message : String(error)}`;
      dialError.hidden = false;
    })
    .finally(() => {
      button.disabled = false;
    });
});

// A reminder: the hotline calls this page's phone, which rings in the incoming-call panel until answered or declined.
remindForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(remindForm);
  void post('/api/reminders', { to: field(data, 'to').trim(), time: field(data, 'time').trim() })
    .then(() => {
      dialError.hidden = true;
    })
    .catch((error: unknown) => {
      dialError.textContent = `Could not request the reminder: ${error instanceof Error ? error.message : String(error)}`;
      dialError.hidden = false;
    });
});

let ringingCall: RingingCall | undefined;
const answered = new Set<string>();

/** Polled, not streamed: a ringing call is rare and short, and a poll needs no server state. */
async function checkRinging(): Promise<void> {
  const response = await fetch('/api/ringing');
  if (!response.ok) return;
  const ringing = ((await response.json()) as RingingCall[]).filter((call) => !answered.has(call.callId));
  ringingCall = ringing[0];
  ringingPanel.hidden = ringingCall === undefined;
  if (ringingCall) required(ringingPanel, '#ringing-text', HTMLParagraphElement).textContent = `The phone rings: ${ringingCall.from} is calling ${ringingCall.to}`;
}
setInterval(() => void checkRinging().catch(() => undefined), 500);

for (const verb of ['answer', 'decline'] as const) {
  required(ringingPanel, `.${verb}`, HTMLButtonElement).addEventListener('click', () => {
    const ringing = ringingCall;
    if (!ringing) return;
    answered.add(ringing.callId);
    ringingPanel.hidden = true;
    void post(`/api/calls/${encodeURIComponent(ringing.callId)}/${verb}`, {})
      .then(() => {
        if (verb === 'decline') return;
        const call = new Call(ringing.callId, calls.length + 1, ringing.from);
        calls.push(call);
        idle.hidden = true;
        select(call);
        call.panel.focus();
      })
      .catch((error: unknown) => {
        dialError.textContent = `Could not ${verb}: ${error instanceof Error ? error.message : String(error)}`;
        dialError.hidden = false;
      });
  });
}
