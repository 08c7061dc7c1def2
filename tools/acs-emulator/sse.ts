// Owns the emulator's server-sent events: one call's timeline so far, then each new entry, until the call ends.
import type { ServerResponse } from 'node:http';
import type { Call, TimelineEntry } from './calls.js';
import { send } from './http-io.js';

/** Streams `call`'s timeline to `res` (404 for no call); `streams` holds the open ones so close() can end them. */
export function streamEvents(call: Call | undefined, res: ServerResponse, streams: Set<ServerResponse>): void {
  if (call === undefined) {
    send(res, { status: 404 });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  streams.add(res);
  const write = (entry: TimelineEntry): void => {
    // The app may still call an ended call; those 404s are recorded after the stream has closed.
    if (res.writableEnded) return;
    res.write(`event: ${entry.kind}\ndata: ${JSON.stringify(entry)}\n\n`);
    if (entry.kind === 'ended') res.end();
  };
  for (const entry of call.timeline) write(entry);
  if (call.ended !== undefined) {
    res.end();
    streams.delete(res);
    return;
  }
  const unsubscribe = call.subscribe(write);
  res.on('close', () => {
    unsubscribe();
    streams.delete(res);
  });
}
