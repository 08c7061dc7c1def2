// Privacy: after complete calls, faults and rejected callbacks, no phone number, token, key or callback URL
// signature appears in what the app logged, tracked, stored (keys and values) or put in a URL. The scanner is checked
// on a planted leak first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOTLINE_NUMBER, OPERATOR_NUMBER } from '../../tools/local/local-stack';
import { leaksIn, leaksInTable, numberForms, PrivacyScanner } from '../../tools/local/privacy-scan';
import { cloudEvent, startTestStack, type TestStack } from '../support/stack';
import { confirmAccount } from '../support/scenarios';

const CALLERS = ['+14255550123', '+447700900123', '+34600123456'];

let s: TestStack;
beforeAll(async () => {
  s = await startTestStack({ timeScale: 0.02 });
});
afterAll(async () => s?.stop());

describe('the privacy scanner', () => {
  it('finds a planted number, token and key, and masks them in its report', async () => {
    const token = await s.emulator.signCallbackToken();
    const leaks = leaksIn('planted', `from 4:${CALLERS[0]} (4255550123) auth ${token} ?code=abc AccountKey=xyz`, [s.settings['PSEUDONYM_KEY'] ?? '']);
    expect(leaks.map((leak) => leak.kind).sort()).toEqual(['accountKey', 'functionKey', 'jwt', 'phoneNumber', 'phoneNumber']);
    expect(JSON.stringify(leaks)).not.toContain('4255550123');
    // A callback URL's signature, with its parameter name or bare, and a run's numbers in any form, however many.
    const signature = new URL(s.binding.urlFor('a-call')).searchParams.get('sig') ?? '';
    const scanner = new PrivacyScanner([...Array.from({ length: 5_000 }, (_, i) => numberForms(`+1425555${String(i).padStart(4, '0')}`)).flat(), signature]);
    expect(scanner.scan('url', `POST /api/callbacks?call=x&sig=${signature}`).map((leak) => leak.kind).sort()).toEqual(['callbackSignature', 'secret']);
    expect(scanner.scan('log', `error at ${signature}.`).map((leak) => leak.kind)).toEqual(['secret']);
    expect(scanner.scan('log', 'caller x14255554999y').map((leak) => leak.kind)).toEqual(['secret']);
    expect(scanner.scan('log', `call 14255555000 ${signature.slice(1)}`)).toEqual([expect.objectContaining({ kind: 'phoneNumber' })]);
    expect(leaksIn('plain', '2026-11-22T10:00:00.0000000+00:00 6d1b0c2e-5f4a-4c3b-9e8d-063342647712 f12a4b0b0633426477dc ringMs 1234')).toEqual([]);
  });
});

describe('a run of the hotline (R-27)', () => {
  it('logs, tracks, stores and requests no phone number, token or key', async () => {
    // An account check, a support call transferred to the operator, and a caller who hangs up after the hours.
    const account = await s.emulator.caller.dial({ from: CALLERS[0] ?? '', to: HOTLINE_NUMBER });
    await confirmAccount(account);
    await account.waitForEnd();

    const support = await s.emulator.caller.dial({ from: CALLERS[1] ?? '', to: HOTLINE_NUMBER });
    await support.nextPrompt();
    support.say('support');
    await support.nextPrompt();
    support.say('my internet has been down for three days and nobody helps', { sentiment: 'negative' });
    await support.waitForEnd();

    // Storage down while an IncomingCall is claimed: the host's 500 and its error log are scanned too.
    s.storageFaults.inject({ fault: 'unavailable', operations: ['insert'], times: 3 });
    const hours = await s.emulator.caller.dial({ from: CALLERS[2] ?? '', to: HOTLINE_NUMBER, deliver: false });
    expect(await s.emulator.caller.redeliverIncomingCall(hours.callId)).toBe(500);
    expect(await s.emulator.caller.redeliverIncomingCall(hours.callId)).toBe(202);
    await hours.nextPrompt();
    await hours.press('1');
    await hours.nextPrompt();
    hours.hangUp();
    await hours.waitForEnd();

    // Rejected callbacks are logged too.
    await s.postCallbacks('not json');
    await s.postCallbacks([cloudEvent('CallConnected', { callConnectionId: 'c' })], { authorization: 'Bearer garbage' });
    await s.postCallbacks([cloudEvent('CallConnected', { callConnectionId: 'c' })], { authorization: `Bearer ${await s.emulator.signCallbackToken({ audience: 'x' })}` });
    // And refused bindings: a forged signature, and a body for another call on a genuine URL.
    await s.postCallbacks([cloudEvent('CallConnected', { callConnectionId: 'c' })], { url: `${s.binding.urlFor('x')}x` });
    await s.postCallbacks([cloudEvent('CallConnected', { callConnectionId: 'c', correlationId: account.correlationId })], { correlationId: support.correlationId });

    expect(account.ended?.kind).toBe('hungUpByApp');
    expect(support.ended?.kind).toBe('transferred');
    expect(s.logs.length).toBeGreaterThan(5);
    expect(s.telemetry.length).toBeGreaterThan(20);

    // Each call's callback URL signature, as the app gave it to ACS.
    const signatures = s.emulator.requests
      .filter((request) => request.path.endsWith(':answer'))
      .map((request) => new URL((request.body as { callbackUri: string }).callbackUri).searchParams.get('sig') ?? '');
    expect(signatures.length).toBeGreaterThanOrEqual(3);
    const secrets = [
      ...[...CALLERS, OPERATOR_NUMBER, HOTLINE_NUMBER].flatMap(numberForms),
      s.settings['PSEUDONYM_KEY'] ?? '',
      s.settings['CALLBACK_SIGNING_KEY'] ?? '',
      s.emulator.accessKey,
      ...signatures,
    ];
    const urls = [
      ...s.emulator.requests.map((request) => `${request.path}?${new URLSearchParams(request.query).toString()}`),
      // ACS posts to the URL it was given: the one place the signature belongs, so only the path is scanned.
      ...s.emulator.caller.calls.flatMap((call) => call.timeline.filter((entry) => entry.kind === 'callback').map((entry) => String(entry.details['url']).split('?')[0] ?? '')),
    ];
    const leaks = [
      ...s.logs.flatMap((entry, i) => leaksIn(`log[${i}] ${entry.functionName}`, entry.message, secrets)),
      ...s.telemetry.flatMap((event, i) => leaksIn(`telemetry[${i}] ${event.name}`, JSON.stringify(event), secrets)),
      ...urls.flatMap((url, i) => leaksIn(`url[${i}]`, url, secrets)),
      ...(await leaksInTable(s.table, secrets)),
    ];
    expect(leaks, JSON.stringify(leaks)).toEqual([]);
    expect(urls.length).toBeGreaterThan(10);
    expect((await s.rows()).length).toBeGreaterThan(10);
  });
});
