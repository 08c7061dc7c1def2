// Owns the HTTP API for outbound calls: POST a request (202 once it is queued), GET its status and outcome.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { App } from '../app/composition-root';
import type { Telemetry } from '../app/ports';
import { OUTBOUND_ROUTE } from '../app/routes';
import { describeError } from '../describe-error';
import { failureCause } from './failure-cause';
import { json, readJson } from './http-body';
import { invocationLog } from './invocation-log';

/** A request is a phone number, a campaign and a few short variables; far larger bodies are refused unread. */
export const MAX_REQUEST_BYTES = 16 * 1024;

export function requestOutboundCallHandler(app: () => Promise<App>, telemetry: Telemetry) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const log = invocationLog(context);
    const rejected = (status: number, problems: readonly string[]) => {
      telemetry.trackEvent('OutboundCallRejected', { status: String(status), problems: String(problems.length) });
      return json(status, { error: 'invalid request', problems });
    };
    const tooLarge = () => rejected(413, [`body: must be at most ${MAX_REQUEST_BYTES} bytes`]);
    if (Number(request.headers.get('content-length') ?? 0) > MAX_REQUEST_BYTES) return tooLarge();
    try {
      const { outbound } = await app();
      if (!outbound) return json(503, { error: 'outbound calls are not configured (QUEUES_ENDPOINT or QUEUES_CONNECTION_STRING)' });
      const body = await readJson(request, MAX_REQUEST_BYTES);
      if (body.kind === 'tooLarge') return tooLarge();
      if (body.kind === 'notJson') return rejected(400, ['body: is not valid JSON']);
      const result = await outbound.calls.request(body.value, log);
      switch (result.kind) {
        case 'invalid':
          return rejected(400, result.problems);
        case 'conflict':
          return json(409, { error: 'this idempotencyKey was used for a different request', id: result.id });
        case 'accepted':
          return {
            status: 202,
            jsonBody: { id: result.id, ...(result.duplicate ? { duplicate: true } : {}) },
            headers: { location: `/api/${OUTBOUND_ROUTE}/${result.id}` },
          };
      }
    } catch (error) {
      return failed(error, telemetry, context);
    }
  };
}

export function outboundCallStatusHandler(app: () => Promise<App>, telemetry: Telemetry) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    try {
      const { outbound } = await app();
      if (!outbound) return json(503, { error: 'outbound calls are not configured' });
      const view = await outbound.calls.status(request.params['id'] ?? '');
      return view ? json(200, view) : json(404, { error: 'no such outbound call request' });
    } catch (error) {
      return failed(error, telemetry, context);
    }
  };
}

/** Storage or queue trouble: nothing was accepted, so the client may simply try again (with its idempotency key). */
function failed(error: unknown, telemetry: Telemetry, context: InvocationContext): HttpResponseInit {
  const cause = failureCause(error);
  telemetry.trackEvent('OutboundCallApiFailed', { cause });
  invocationLog(context).error('outbound call API failed', { cause, error: describeError(error) });
  return json(cause === 'unexpected' ? 500 : 503, { error: cause === 'unexpected' ? 'internal error' : 'temporarily unavailable, retry', cause });
}
