// Owns the HTTP trigger ACS posts callbacks to: size cap, the URL's call binding, authentication, parsing, then the shell.
import { outboundRequestOf } from '../adapters/acs/callback-binding';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { parseCallbackBody } from '../adapters/acs/callback-events';
import type { App, CallbackGuard } from '../app/composition-root';
import type { Telemetry } from '../app/ports';
import { describeError } from '../describe-error';
import { failureCause, isOutage } from './failure-cause';
import { json, readJson } from './http-body';
import { invocationLog } from './invocation-log';

/** ACS callbacks are a few KiB; anything far larger is refused before it is read into memory. */
export const MAX_CALLBACK_BYTES = 64 * 1024;

/**
 * With enableHttpStream, a handler that throws sends no response at all (azure-functions-nodejs-library#324), so
 * every failure, expected or not, becomes a status here.
 */
export function callbackHandler(guard: CallbackGuard, app: () => Promise<App>, telemetry: Telemetry) {
  const handle = handler(guard, app, telemetry);
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    try {
      return await handle(request, context);
    } catch (error) {
      const cause = failureCause(error);
      const status = cause === 'unexpected' ? 500 : 503;
      telemetry.trackEvent('CallbackFailed', { cause, status: String(status) });
      if (isOutage(cause)) telemetry.trackEvent('StorageOutage', { cause, trigger: 'callbacks' });
      invocationLog(context).error('callback processing failed', { cause, error: describeError(error) });
      return json(status, { error: cause === 'unexpected' ? 'internal error' : 'temporarily unavailable, retry', cause });
    }
  };
}

function handler(guard: CallbackGuard, app: () => Promise<App>, telemetry: Telemetry) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const log = invocationLog(context);
    const reject = (status: number, reason: 'auth' | 'binding' | 'malformed' | 'tooLarge' | 'unavailable', error: string) => {
      telemetry.trackEvent('CallbackRejected', { reason, status: String(status) });
      log.warn('callback rejected', { status, reason: error });
      return json(status, { error });
    };
    const tooLarge = () => reject(413, 'tooLarge', `body is larger than ${MAX_CALLBACK_BYTES} bytes`);

    // The declared size is free to check, so it goes before the token's signature.
    if (Number(request.headers.get('content-length') ?? 0) > MAX_CALLBACK_BYTES) return tooLarge();
    // Both checks need nothing but settings: a request that fails them never waits on (or learns about) storage.
    // The reason is logged without the URL: its signature must never reach a log line.
    const binding = guard.binding.verify(request.url);
    if (!binding.ok) return reject(401, 'auth', 'unauthorized');
    if (guard.authenticator) {
      const auth = await guard.authenticator.verify(request.headers.get('authorization'));
      if (!auth.ok) return reject(auth.status, auth.status === 401 ? 'auth' : 'unavailable', auth.status === 401 ? 'unauthorized' : auth.reason);
    }

    const body = await readJson(request, MAX_CALLBACK_BYTES);
    if (body.kind === 'tooLarge') return tooLarge();
    if (body.kind === 'notJson') return reject(400, 'malformed', 'body is not valid JSON');
    const parsed = parseCallbackBody(body.value, new Date().toISOString());
    if (!parsed.ok) return reject(400, 'malformed', parsed.error);
    // Every event of the batch must speak for the call the URL was issued for, before anything is read or written.
    // An outbound call's binding names its request, checked against the call's row instead (Hotline.handleCallbacks).
    if (outboundRequestOf(binding.correlationId) === undefined && parsed.events.some((event) => event.correlationId !== binding.correlationId)) {
      return reject(403, 'binding', 'an event names a call other than the one this callback URL was issued for');
    }

    // Storage trouble throws and becomes a 503 above: worth a redelivery, which the event markers make safe.
    const { hotline } = await app();
    const outcomes = await hotline.handleCallbacks(parsed.events, binding.correlationId, log);
    if (outcomes.includes('forged')) return json(403, { error: 'an event names a call other than the one this callback URL was issued for', outcomes });
    return json(200, { outcomes });
  };
}
