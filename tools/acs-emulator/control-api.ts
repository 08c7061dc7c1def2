// Owns the emulator's control API under /emulator: dialling, the caller's actions, faults, callees and the request log.
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Caller } from './caller-api.js';
import type { Faults } from './faults.js';
import { parseMaybeJson, safeDecode, send } from './http-io.js';
import type { RecordedRequest } from './acs-rest.js';
import { streamEvents } from './sse.js';

export interface ControlContext {
  caller: Caller;
  faults: Faults;
  requests: RecordedRequest[];
  sseStreams: Set<ServerResponse>;
}

export type ControlHandler = (method: string, url: URL, rawBody: string, res: ServerResponse) => void;

export function createControlApi(ctx: ControlContext): ControlHandler {
  return (method, url, rawBody, res) => {
    const parts = url.pathname.split('/').filter(Boolean).map(safeDecode); // ['emulator', 'calls', id, verb]
    const body = parseMaybeJson(rawBody);
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const fail = (status: number, message: string): void => send(res, { status, body: { error: { code: String(status), message } } });

    if (parts[1] === 'calls' && parts.length === 2) {
      if (method === 'GET') {
        send(res, { status: 200, body: ctx.caller.calls.map((c) => ({ callId: c.callId, direction: c.direction, from: c.from, to: c.to, state: c.state, ended: c.ended })) });
        return;
      }
      if (method === 'POST') {
        const dial = dialBody.safeParse(body ?? {});
        if (!dial.success) {
          fail(400, z.prettifyError(dial.error));
          return;
        }
        const d = dial.data;
        ctx.caller
          .dial({
            from: d.from,
            to: d.to,
            ...(d.callerDisplayName === undefined ? {} : { callerDisplayName: d.callerDisplayName }),
            ...(d.duplicateDelivery === undefined ? {} : { duplicateDelivery: d.duplicateDelivery }),
            ...(d.failTransfers === undefined ? {} : { failTransfers: d.failTransfers }),
            ...(d.at === undefined ? {} : { at: d.at }),
          })
          .then(
            (handle) => send(res, { status: 201, body: { callId: handle.callId, incomingCallContext: handle.incomingCallContext } }),
            (error: unknown) => fail(500, String(error)),
          );
        return;
      }
    }
    if (parts[1] === 'subscription-validation' && method === 'POST') {
      ctx.caller.validateSubscription().then(
        (result) => send(res, { status: 200, body: result }),
        (error: unknown) => fail(400, String(error)),
      );
      return;
    }
    if (parts[1] === 'requests' && method === 'GET') {
      send(res, { status: 200, body: ctx.requests });
      return;
    }
    if (parts[1] === 'faults') {
      if (method === 'DELETE') {
        ctx.faults.clear();
        send(res, { status: 204 });
        return;
      }
      if (method === 'POST') {
        const spec = faultBody.safeParse(body ?? {});
        if (!spec.success) {
          fail(400, z.prettifyError(spec.error));
          return;
        }
        const { method: faultMethod, code, message, times, probability, retryAfterSeconds, path, status } = spec.data;
        ctx.faults.inject({
          path,
          status,
          ...(faultMethod === undefined ? {} : { method: faultMethod }),
          ...(code === undefined ? {} : { code }),
          ...(message === undefined ? {} : { message }),
          ...(times === undefined ? {} : { times }),
          ...(probability === undefined ? {} : { probability }),
          ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
        });
        send(res, { status: 201, body: { pending: ctx.faults.pending.length } });
        return;
      }
    }
    if (parts[1] === 'callees' && method === 'POST') {
      const callee = calleeBody.safeParse(body);
      if (!callee.success) {
        fail(400, z.prettifyError(callee.error));
        return;
      }
      const { number, behaviour, afterMs } = callee.data;
      ctx.caller.calleeBehaves(number, behaviour === 'answer' || behaviour === 'decline' ? { kind: behaviour, ...(afterMs === undefined ? {} : { afterMs }) } : { kind: behaviour });
      send(res, { status: 204 });
      return;
    }
    if (parts[1] === 'transfer-failures' && method === 'POST') {
      const numbers = z.object({ numbers: z.array(z.string()) }).safeParse(body);
      if (!numbers.success) {
        fail(400, z.prettifyError(numbers.error));
        return;
      }
      ctx.caller.transferFailsFor(numbers.data.numbers);
      send(res, { status: 204 });
      return;
    }

    const callId = parts[2];
    const handle = parts[1] === 'calls' && callId !== undefined ? ctx.caller.get(callId) : undefined;
    if (handle === undefined) {
      fail(404, `No emulator route or call for ${method} ${url.pathname}.`);
      return;
    }
    const verb = parts[3];
    if (method === 'GET' && verb === undefined) {
      send(res, {
        status: 200,
        body: {
          callId: handle.callId,
          direction: handle.direction,
          from: handle.from,
          to: handle.to,
          state: handle.state,
          callConnectionId: handle.callConnectionId ?? null,
          ended: handle.ended ?? null,
          prompts: handle.prompts,
          timeline: handle.timeline,
        },
      });
      return;
    }
    if (method === 'GET' && verb === 'events') {
      streamEvents(ctx.caller.callById(handle.callId), res, ctx.sseStreams);
      return;
    }
    if (method !== 'POST') {
      fail(405, `${method} not allowed`);
      return;
    }
    switch (verb ?? '') {
      case 'dtmf': {
        const tones = typeof fields['tones'] === 'string' ? fields['tones'] : undefined;
        if (tones === undefined) {
          fail(400, 'tones (a string such as "12#") is required');
          return;
        }
        handle.press(tones).then(
          () => send(res, { status: 202 }),
          (error: unknown) => fail(400, String(error)),
        );
        return;
      }
      case 'say': {
        const say = sayBody.safeParse(body);
        if (!say.success) {
          fail(400, z.prettifyError(say.error));
          return;
        }
        const { text, language, sentiment, confidence } = say.data;
        handle.say(text, {
          ...(language === undefined ? {} : { language }),
          ...(sentiment === undefined ? {} : { sentiment }),
          ...(confidence === undefined ? {} : { confidence }),
        });
        send(res, { status: 202 });
        return;
      }
      case 'answer':
      case 'decline':
        try {
          if (verb === 'answer') handle.answer();
          else handle.decline();
          send(res, { status: 202 });
        } catch (error) {
          fail(409, error instanceof Error ? error.message : String(error));
        }
        return;
      case 'mumble':
        handle.mumble();
        send(res, { status: 202 });
        return;
      case 'hangup':
        handle.hangUp();
        send(res, { status: 202 });
        return;
      case 'redeliver':
        ctx.caller.redeliverIncomingCall(handle.callId).then(
          (status) => send(res, { status: 200, body: { status } }),
          (error: unknown) => fail(500, String(error)),
        );
        return;
      default:
        fail(404, `Unknown caller action ${verb ?? '(none)'}`);
    }
  };
}

const calleeBody = z.object({
  number: z.string().min(1),
  behaviour: z.enum(['ring', 'answer', 'decline', 'busy', 'noAnswer']),
  afterMs: z.int().min(0).optional(),
});
const dialBody = z.object({
  from: z.string().min(1),
  to: z.string().min(1),
  callerDisplayName: z.string().optional(),
  duplicateDelivery: z.int().min(0).optional(),
  failTransfers: z.boolean().optional(),
  /** The call happens at this time (ISO 8601 with an offset): its callbacks are stamped from there. */
  at: z.string().optional(),
});
const sayBody = z.object({
  text: z.string(),
  language: z.string().optional(),
  sentiment: z.string().optional(),
  confidence: z.number().min(0).max(1).optional(),
});
const faultBody = z.object({
  method: z.string().optional(),
  path: z.string().min(1),
  status: z.int().min(100).max(599),
  code: z.string().optional(),
  message: z.string().optional(),
  times: z.int().min(1).optional(),
  probability: z.number().min(0).max(1).optional(),
  retryAfterSeconds: z.int().min(0).optional(),
});
