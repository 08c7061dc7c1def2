// The dev phone's HTTP surface against a real emulator: what it refuses, what it passes on, and its event stream.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAcsEmulator, type AcsEmulator } from '../../tools/acs-emulator/index.js';
import { flowVersion } from '../../src/flow/flow-version';
import { loadFlow } from '../../src/app/flow-file';
import { startDevPhone, type DevPhone } from '../../tools/dev-phone/index';
import type { CallUpdate } from '../../tools/dev-phone/protocol';

let emulator: AcsEmulator;
let phone: DevPhone;

beforeAll(async () => {
  // No Event Grid URL: calls ring unanswered, which is all the proxy needs.
  emulator = await startAcsEmulator();
  phone = await startDevPhone({ emulatorUrl: emulator.url });
});
afterAll(async () => {
  await phone?.close();
  await emulator?.close();
});

const api = (path: string) => new URL(path, phone.url).toString();
const postJson = (path: string, body: unknown) =>
  fetch(api(path), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const parseUpdates = (text: string): CallUpdate[] =>
  text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice('data: '.length)) as CallUpdate);

function rawRequest(options: { method: string; path: string; headers: Record<string, string>; body?: string }): Promise<number> {
  const url = new URL(phone.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, ...options }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end(options.body);
  });
}

describe('the dev phone server', () => {
  it('serves the page, its script and its styles', async () => {
    const page = await fetch(phone.url);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('data-node="menu:main"');
    expect((await fetch(api('/phone.js'))).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await (await fetch(api('/phone.js'))).text()).not.toContain(': HTMLElement');
    expect((await fetch(api('/phone.css'))).status).toBe(200);
  });

  it('refuses requests for another host name and cross-site form posts', async () => {
    const port = new URL(phone.url).port;
    expect(await rawRequest({ method: 'GET', path: '/', headers: { host: `attacker.example:${port}` } })).toBe(403);
    const form = { 'content-type': 'application/x-www-form-urlencoded', host: `127.0.0.1:${port}` };
    expect(await rawRequest({ method: 'POST', path: '/api/calls', headers: form, body: 'from=%2B14255550123' })).toBe(403);
  });

  it('names what is wrong with bad input, before the emulator sees it', async () => {
    const bad = await postJson('/api/calls', { from: '0123' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'from: must be an E.164 number such as +14255550123' });
    const keys = await postJson(`/api/calls/${crypto.randomUUID()}/dtmf`, { tones: 'x' });
    expect([keys.status, await keys.json()]).toEqual([400, { error: 'tones: must be 1-32 keys 0-9, *, #, A-D' }]);
    const sentiment = await postJson(`/api/calls/${crypto.randomUUID()}/say`, { text: 'hi', sentiment: 'angry' });
    expect(sentiment.status).toBe(400);
  });

  it('shows the flow version, and dials at the clock field\'s time (empty is now), refusing one without an offset', async () => {
    expect(await (await fetch(phone.url)).text()).toContain(`version <code>${flowVersion(loadFlow())}</code>`);
    const noOffset = await postJson('/api/calls', { from: '+14255550123', at: '2026-12-25T10:00' });
    expect([noOffset.status, await noOffset.json()]).toEqual([400, { error: 'at: must be a time with an offset, such as 2026-12-25T10:00+01:00' }]);
    const now = await postJson('/api/calls', { from: '+14255550123', at: '' });
    expect(now.status).toBe(201);
    const christmas = await postJson('/api/calls', { from: '+14255550123', at: '2026-12-25T10:00-05:00' });
    expect(christmas.status).toBe(201);
    const { callId } = (await christmas.json()) as { callId: string };
    expect(emulator.caller.get(callId)?.state).toBe('ringing');
  });

  it("passes the emulator's own refusal on", async () => {
    const unknown = await postJson(`/api/calls/${crypto.randomUUID()}/dtmf`, { tones: '1' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/No emulator route or call/);
  });

  it('streams a call as described, positioned updates until it ends', async () => {
    const dialed = await postJson('/api/calls', { from: '+14255550123' });
    expect(dialed.status).toBe(201);
    const { callId } = (await dialed.json()) as { callId: string };
    const stream = await fetch(api(`/api/calls/${callId}/events`));
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    expect((await postJson(`/api/calls/${callId}/hangup`, {})).status).toBe(204);

    const updates = parseUpdates(await stream.text());
    expect(updates.map((update) => [update.row.index, update.row.actor, update.row.text])).toEqual([
      [0, 'caller', 'dials the hotline'],
      [1, 'Event Grid', 'IncomingCall'],
      [2, 'call', 'the caller hung up'],
    ]);
    expect(updates.at(-1)?.position).toEqual({ node: undefined, label: 'ended: the caller hung up', ended: true });

    // A reconnecting EventSource names the last id it saw and gets only what came after.
    const resumed = await fetch(api(`/api/calls/${callId}/events`), { headers: { 'last-event-id': '1' } });
    expect(parseUpdates(await resumed.text()).map((update) => update.row.index)).toEqual([2]);
  });
});
