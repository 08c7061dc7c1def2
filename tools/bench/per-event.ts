// Owns the requests-per-event figures: scripted calls through every kind of step, each event delivered twice.
import type { AcsEmulator, CallHandle } from '../acs-emulator/index.js';
import { HOTLINE_NUMBER } from '../local/local-stack';
import type { HostChild } from './host-child';
import type { InvocationDetail } from './host-protocol';

export interface EventRow {
  readonly event: string;
  readonly outcome: string;
  readonly n: number;
  readonly mean: Counts;
  readonly max: Counts;
  /** The most writes one invocation of the group had accepted (a refused write changes nothing). */
  readonly maxLandedWrites: number;
}

type Counts = Readonly<Record<CountField, number>>;
type CountField = 'tableReads' | 'tableWrites' | 'tableWritesRejected' | 'acs';
const FIELDS: readonly CountField[] = ['tableReads', 'tableWrites', 'tableWritesRejected', 'acs'];

export interface PerEvent {
  readonly rows: EventRow[];
  readonly acsCountedByApp: number;
  readonly acsReceivedByEmulator: number;
}

type Script = (call: CallHandle) => Promise<void>;
const patience = { timeoutMs: 20_000 };

/** Menu choice 1: the opening hours, back to the main menu, then the caller hangs up. */
const hours: Script = async (call) => {
  await call.nextPrompt(patience);
  await call.press('1');
  await call.nextPrompt(patience);
  await call.nextPrompt(patience);
  call.hangUp();
};
/** Menu choice 2: an account number by keypad, confirmed by voice; the app says goodbye and hangs up. */
const account: Script = async (call) => {
  await call.nextPrompt(patience);
  await call.press('2');
  await call.nextPrompt(patience);
  await call.press('1234#');
  await call.nextPrompt(patience);
  call.say('yes');
  await call.waitForEnd(patience);
};
/** Menu choice 0: transferred to the operator. */
const operator: Script = async (call) => {
  await call.nextPrompt(patience);
  await call.press('0');
  await call.waitForEnd(patience);
};
/** Speech nobody can recognise: a reprompt, then the caller gives up. */
const mumble: Script = async (call) => {
  await call.nextPrompt(patience);
  call.mumble();
  await call.nextPrompt(patience);
  call.hangUp();
};

export async function measurePerEvent(emulator: AcsEmulator, host: HostChild, callsPerScript: number): Promise<PerEvent> {
  const scripts = [hours, account, operator, mumble];
  // A fresh host's first call also ensures the table and stores the flow version (once per instance): two more
  // writes that made one IncomingCall in twenty write 5 times instead of 3. One call before the window pays them.
  const warmUp = await emulator.caller.dial({ from: '+14255550999', to: HOTLINE_NUMBER });
  await hours(warmUp);
  await warmUp.waitForEnd(patience);
  const emulatorRequestsBefore = emulator.requests.length;
  // Every callback and every IncomingCall arrives twice, as at-least-once delivery allows.
  emulator.callbackQuirks.duplicateNext = Number.MAX_SAFE_INTEGER;
  await host.startWindow(true);
  try {
    await Promise.all(
      Array.from({ length: callsPerScript * scripts.length }, async (_, index) => {
        const call = await emulator.caller.dial({ from: `+1425555${String(1000 + index)}`, to: HOTLINE_NUMBER, duplicateDelivery: 1 });
        await scripts[index % scripts.length]?.(call);
        await call.waitForEnd(patience);
      }),
    );
    // The last CallDisconnected (and its copy) is still on its way when waitForEnd returns.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  } finally {
    emulator.callbackQuirks.duplicateNext = 0;
  }
  const report = await host.endWindow();
  const acsReceivedByEmulator = emulator.requests.length - emulatorRequestsBefore;
  emulator.requests.length = 0;
  return { rows: tabulate(report.details), acsCountedByApp: report.requests.acs, acsReceivedByEmulator };
}

function tabulate(details: readonly InvocationDetail[]): EventRow[] {
  const groups = new Map<string, InvocationDetail[]>();
  for (const detail of details) {
    const key = `${detail.eventType}${detail.redelivered ? ' (again)' : ''}\t${detail.outcome}`;
    groups.set(key, [...(groups.get(key) ?? []), detail]);
  }
  return [...groups.entries()]
    .map(([key, group]) => {
      const [event = '', outcome = ''] = key.split('\t');
      const mean = (field: CountField) => group.reduce((sum, detail) => sum + detail.counts[field], 0) / group.length;
      const max = (field: CountField) => Math.max(...group.map((detail) => detail.counts[field]));
      return {
        event,
        outcome,
        n: group.length,
        mean: Object.fromEntries(FIELDS.map((field) => [field, mean(field)])) as Counts,
        max: Object.fromEntries(FIELDS.map((field) => [field, max(field)])) as Counts,
        maxLandedWrites: Math.max(...group.map(({ counts }) => counts.tableWrites - counts.tableWritesRejected)),
      };
    })
    .sort((a, b) => a.event.localeCompare(b.event) || a.outcome.localeCompare(b.outcome));
}
