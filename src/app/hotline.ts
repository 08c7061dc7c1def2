// Owns the shell's face to the triggers: incoming calls, callbacks and the sweeps, each handled by its own part.
import { CallEvents, type EventOutcome } from './call-events';
import type { HotlineDependencies } from './hotline-dependencies';
import { IncomingCalls, type IncomingCallOutcome } from './incoming-calls';
import type { CallbackEvent, CleanupResult, IncomingCall, Log } from './ports';
import { Sweeps, type WatchdogResult } from './sweeps';

export class Hotline {
  private readonly incoming: IncomingCalls;
  private readonly events: CallEvents;
  private readonly sweeps: Sweeps;

  constructor(deps: HotlineDependencies) {
    this.incoming = new IncomingCalls(deps);
    this.events = new CallEvents(deps);
    this.sweeps = new Sweeps(deps, this.events);
  }

  handleIncomingCall(call: IncomingCall, log: Log): Promise<IncomingCallOutcome> {
    return this.incoming.handle(call, log);
  }

  /**
   * Events of one POST, in order: each is applied fully before the next is read. `boundTo` is the correlation id the
   * callback URL was issued for (checked by the trigger): an event whose call is another one is refused.
   */
  async handleCallbacks(events: readonly CallbackEvent[], boundTo: string, log: Log): Promise<EventOutcome[]> {
    const outcomes: EventOutcome[] = [];
    for (const event of events) outcomes.push(await this.events.applyCallback(event, boundTo, log));
    return outcomes;
  }

  recoverStalledCalls(log: Log): Promise<WatchdogResult> {
    return this.sweeps.recoverStalledCalls(log);
  }

  deleteExpiredCalls(log: Log): Promise<CleanupResult & { readonly versions: number }> {
    return this.sweeps.deleteExpiredCalls(log);
  }
}
