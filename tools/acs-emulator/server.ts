// Owns HTTP routing: /emulator to the control API, /calling to the ACS REST surface, anything else 404.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { acsError, createAcsRest, type AcsRestContext } from './acs-rest.js';
import { createControlApi, type ControlContext } from './control-api.js';
import { readAll, send } from './http-io.js';

export type ServerContext = AcsRestContext & ControlContext;

export function createHandler(ctx: ServerContext): (req: IncomingMessage, res: ServerResponse) => void {
  const rest = createAcsRest(ctx);
  const control = createControlApi(ctx);

  return (req, res) => {
    void readAll(req).then(({ text: rawBody }) => {
      try {
        route(req, res, rawBody);
      } catch (error) {
        send(res, { status: 500, body: { error: { code: '9999', message: String(error) } } });
      }
    });
  };

  function route(req: IncomingMessage, res: ServerResponse, rawBody: string): void {
    const url = new URL(req.url ?? '/', 'http://emulator.local');
    const method = (req.method ?? 'GET').toUpperCase();
    if (url.pathname.startsWith('/emulator/')) {
      control(method, url, rawBody, res);
      return;
    }
    if (!url.pathname.startsWith('/calling/')) {
      send(res, acsError(404, 'NotFound', `No route for ${method} ${url.pathname}.`));
      return;
    }
    rest(req, res, method, url, rawBody);
  }
}
