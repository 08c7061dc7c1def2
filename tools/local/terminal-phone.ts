// Owns the terminal phone of `npm start`: a person dials, presses keys, speaks and hangs up by typing, and watches the call.
// What a person types are the steps of a call script (call-script.ts), so a session reads like a script.
import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline';
import type { CallerApi, CallHandle, TimelineEntry } from '../acs-emulator/index.js';
import type { Flow } from '../../src/flow/flow-schema';
import { DEFAULT_CALLER, performCallerStep, requestReminder } from './call-runner';
import { CallScriptError, parseStep } from './call-script';
import { ConfidenceNotes } from './confidence-note';
import { describeEnd, formatLine, timelineLines, wantsColor } from './timeline-view';

export const HELP = `Type what the caller does, one step a line:
  dial [+14255550123] [--at 2026-12-25T10:00+01:00]
                           call the hotline, optionally from this number, and as if at that time (opening hours)
  press 1234#              press keys (0-9, *, #, A-D); a line of only digits, * and # is a press too
  say <words> [--lang es-ES] [--sentiment negative] [--confidence 0.4]
                           say something (quotes optional); the options are what speech analysis would find
  mumble                   say something the hotline cannot make out
  silence                  say nothing (the hotline's timeout follows on its own)
  hangup                   hang up
A reminder call (the hotline calls you):
  remind +12065550100 [--time "2 PM"] [--lang es-ES]
                           ask the hotline for the appointment reminder to that number; the phone rings
  answer / decline         pick up the ringing phone, or refuse the call
And to look around:
  timeline                 the call so far, with every request and callback between ACS and the app
  details                  show or hide those requests and callbacks as the call goes
  help                     this list
  quit                     hang up and stop everything (Ctrl-C and Ctrl-D too)`;

export interface TerminalPhoneOptions {
  readonly caller: CallerApi;
  readonly hotlineNumber: string;
  readonly input: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly output: NodeJS.WritableStream & { isTTY?: boolean };
  /** Line editing and a redrawn prompt; defaults to whether the output is a terminal. */
  readonly terminal?: boolean;
  /** The Functions host, for `remind` (POST /api/outbound-calls); without it there are no reminder calls. */
  readonly hostUrl?: string;
  /** The flow the hotline runs: spoken input with a --confidence is shown against the menu's minimum. */
  readonly flow?: Flow;
}

export class TerminalPhone {
  private readonly rl: Interface;
  private readonly terminal: boolean;
  /** A person is typing (input or output is a terminal): `caller> ` is shown even when the output is piped. */
  private readonly prompting: boolean;
  private promptShown = false;
  private readonly color: boolean;
  private call: CallHandle | undefined;
  /** An outbound call ringing this phone, until it is answered, declined or gives up. */
  private ringing: CallHandle | undefined;
  private stopRinging: (() => void) | undefined;
  private notes: ConfidenceNotes | undefined;
  private details = false;
  private closed = false;

  constructor(private readonly options: TerminalPhoneOptions) {
    this.terminal = options.terminal ?? options.output.isTTY === true;
    this.prompting = this.terminal || options.input.isTTY === true;
    this.color = this.terminal && wantsColor(options.output);
    this.rl = createInterface({ input: options.input, output: options.output, terminal: this.terminal, prompt: 'caller> ' });
    this.rl.on('SIGINT', () => this.close());
    this.rl.on('close', () => (this.closed = true));
    this.stopRinging = options.caller.onRing((handle) => this.ring(handle));
  }

  /** The hotline calls out (a reminder): this terminal is the callee's phone. */
  private ring(handle: CallHandle): void {
    if (this.call && this.call.ended === undefined) return;
    this.ringing = handle;
    this.print(`The phone rings: ${handle.from} is calling ${handle.to}. Type answer or decline.`);
    handle.subscribe((entry) => {
      if (entry.kind === 'ended' && this.ringing === handle && handle.ended) {
        this.ringing = undefined;
        this.print(`The phone stopped ringing (${describeEnd(handle.ended)}).`);
      }
    });
  }

  /** Prints above the prompt line, leaving whatever the person is typing in place. */
  print(text: string): void {
    if (this.terminal && !this.closed) {
      clearLine(this.options.output, 0);
      cursorTo(this.options.output, 0);
    } else if (this.promptShown) {
      // Piped output cannot clear the prompt line: end it, and show the prompt again below.
      this.options.output.write('\n');
    }
    this.promptShown = false;
    this.options.output.write(`${text}\n`);
    if (this.terminal && !this.closed) this.rl.prompt(true);
    else if (this.prompting && !this.closed && this.reading) this.prompt();
  }

  private reading = false;

  private prompt(): void {
    if (this.terminal) this.rl.prompt();
    else if (this.prompting && !this.promptShown) {
      this.options.output.write('caller> ');
      this.promptShown = true;
    }
  }

  /** Reads steps until quit or the input ends; a live call is hung up on the way out. */
  async run(): Promise<void> {
    this.reading = true;
    this.prompt();
    for await (const line of this.rl) {
      // The person pressed Enter, so the prompt line has ended.
      this.promptShown = false;
      this.reading = false;
      if ((await this.handle(line.trim())) === 'quit') break;
      this.reading = true;
      if (!this.closed) this.prompt();
    }
    this.reading = false;
    if (this.call && this.call.ended === undefined) {
      this.call.hangUp();
      // Let the follower show the end before the prompt goes away.
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.close();
  }

  close(): void {
    this.stopRinging?.();
    if (!this.closed) this.rl.close();
  }

  private async handle(line: string): Promise<'quit' | undefined> {
    const [word = ''] = line.split(/\s+/);
    switch (word) {
      case '':
        return undefined;
      case 'help':
        this.print(HELP);
        return undefined;
      case 'quit':
      case 'exit':
        return 'quit';
      case 'details':
        this.details = !this.details;
        this.print(this.details ? 'Showing requests and callbacks between ACS and the app.' : 'Showing only what the caller hears and does.');
        return undefined;
      case 'timeline':
        if (!this.call) this.print('No call yet: type dial.');
        else this.show(this.call.timeline, true, this.newNotes());
        return undefined;
    }
    try {
      await this.perform(/^[0-9*#]+$/.test(line) ? `press ${line}` : line);
    } catch (error) {
      if (!(error instanceof CallScriptError)) throw error;
      this.print(`${error.message}; type help for the steps`);
    }
    return undefined;
  }

  /** The call on the line from now on: what happened so far, then each entry as it comes. */
  private follow(call: CallHandle): void {
    this.call = call;
    this.notes = this.newNotes();
    // Nothing runs between showing the entries so far and subscribing, so no entry is lost or shown twice.
    this.show(call.timeline, this.details, this.notes);
    call.subscribe(this.follower(call));
  }

  private async perform(line: string): Promise<void> {
    const step = parseStep(line);
    switch (step.kind) {
      case 'dial': {
        if (this.call && this.call.ended === undefined) return this.print('A call is in progress: hangup first.');
        this.follow(await this.options.caller.dial({ from: step.from ?? DEFAULT_CALLER, to: this.options.hotlineNumber, ...(step.at === undefined ? {} : { at: step.at }) }));
        return;
      }
      case 'press':
      case 'say':
      case 'mumble':
      case 'silence':
      case 'hangup':
        if (!this.call || this.call.ended !== undefined) return this.print('No call in progress: type dial.');
        return performCallerStep(this.call, step);
      case 'remind': {
        if (!this.options.hostUrl) return this.print('Reminder calls need the Functions host of npm start.');
        try {
          const id = await requestReminder(this.options.hostUrl, step);
          return this.print(`Reminder requested (${id}) for ${step.to} at ${step.time}; the phone will ring.`);
        } catch (error) {
          return this.print(error instanceof Error ? error.message : String(error));
        }
      }
      case 'answer':
      case 'decline': {
        const ringing = this.ringing;
        if (!ringing || ringing.state !== 'ringing') return this.print('Nothing is ringing: type remind +1... to have the hotline call.');
        // A declined call stays `ringing` here until its end arrives, which is what reports it.
        if (step.kind === 'decline') return ringing.decline();
        this.ringing = undefined;
        ringing.answer();
        this.follow(ringing);
        return;
      }
      case 'noAnswer':
        return this.print('To let it ring, just wait: the call gives up at the end of the ring time.');
      case 'expect':
      case 'expectEnd':
      case 'expectOutcome':
      case 'expectRequest':
        return this.print(`${line.split(/\s+/)[0] ?? ''} is for call scripts (npm run call); here, just watch the call.`);
    }
  }

  /** Shows new entries a batch at a time, so the tones of one press read as one line. */
  private follower(call: CallHandle): (entry: TimelineEntry) => void {
    const batch: TimelineEntry[] = [];
    return (entry) => {
      batch.push(entry);
      if (batch.length > 1) return;
      setImmediate(() => {
        const entries = batch.splice(0);
        this.show(entries, this.details, this.notes);
        const end = entries.find((e) => e.kind === 'ended');
        if (end && call.ended) this.print(`The call is over (${describeEnd(call.ended)}). Type dial to call again, or quit.`);
      });
    };
  }

  private newNotes(): ConfidenceNotes | undefined {
    return this.options.flow === undefined ? undefined : new ConfidenceNotes(this.options.flow);
  }

  private show(entries: readonly TimelineEntry[], details: boolean, notes: ConfidenceNotes | undefined): void {
    const note = notes === undefined ? undefined : (entry: TimelineEntry) => notes.noteFor(entry);
    for (const line of timelineLines(entries, { details, ...(note ? { note } : {}) })) this.print(formatLine(line, this.color));
  }
}
