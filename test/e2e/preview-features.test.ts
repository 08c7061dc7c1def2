import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { HOTLINE_NUMBER, startLocalStack, type LocalStack } from '../../tools/local/local-stack';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ tablesConnectionString: inject('tablesConnectionString'), timeScale: 0.02 });
});
afterAll(async () => stack?.stop());

const recognizes = (callConnectionId: string | undefined) =>
  stack.emulator.requests.filter((r) => r.callConnectionId === callConnectionId && r.path.endsWith(':recognize'));

describe('language identification and sentiment analysis, end to end', () => {
  it('a caller who answers the main menu in Spanish hears the rest in Spanish', async () => {
    const call = await stack.emulator.caller.dial({ from: '+34911555012', to: HOTLINE_NUMBER });
    expect((await call.nextPrompt()).text).toContain('Welcome to Contoso');
    call.say('cuenta', { language: 'es-ES' });
    const next = await call.nextPrompt();
    expect(next).toMatchObject({ text: 'Introduzca su número de cuenta y pulse la tecla almohadilla.', voice: 'es-ES-ElviraNeural' });
    await call.press('55#');
    expect((await call.nextPrompt()).text).toBe('Ha introducido 5 5. Si es correcto, diga sí o pulse 1. Para repetirlo, diga no o pulse 2.');
    call.hangUp();
    await call.waitForEnd();

    const [mainMenu, account, confirm] = recognizes(call.callConnectionId);
    // Both fields are in the stable api-version: no request needs the preview.
    expect(mainMenu).toMatchObject({ apiVersion: '2026-03-12', status: 202, body: { recognizeOptions: { speechLanguages: ['en-US', 'es-ES'] } } });
    expect(account).toMatchObject({ apiVersion: '2026-03-12', status: 202 });
    expect(JSON.stringify(account?.body)).not.toMatch(/speechLanguages|enableSentimentAnalysis/);
    expect(confirm?.body).toMatchObject({ recognizeOptions: { speechLanguage: 'es-ES' } });
  });

  it('an angry caller describing a problem is offered the operator', async () => {
    const call = await stack.emulator.caller.dial({ from: '+14255550188', to: HOTLINE_NUMBER });
    await call.nextPrompt();
    call.say('support');
    expect((await call.nextPrompt()).text).toBe('Please describe your problem in a few words.');
    call.say('My internet has been down for three days and nobody helps me', { sentiment: 'negative' });
    expect((await call.nextPrompt()).text).toContain("I'm sorry to hear that");
    expect(await call.waitForEnd()).toMatchObject({ kind: 'transferred', target: '+18005550199' });
    const support = recognizes(call.callConnectionId).at(-1);
    expect(support).toMatchObject({ apiVersion: '2026-03-12', status: 202, body: { recognizeInputType: 'speech', recognizeOptions: { enableSentimentAnalysis: true } } });
  });

  it('a calm caller describing a problem gets it logged', async () => {
    const call = await stack.emulator.caller.dial({ from: '+14255550189', to: HOTLINE_NUMBER });
    await call.nextPrompt();
    call.say('help');
    await call.nextPrompt();
    call.say('I would like a copy of my last invoice', { sentiment: 'neutral' });
    expect((await call.nextPrompt()).text).toContain('We have logged your problem');
    expect((await call.nextPrompt()).text).toContain('Goodbye');
    expect(await call.waitForEnd()).toMatchObject({ kind: 'hungUpByApp' });
  });
});
