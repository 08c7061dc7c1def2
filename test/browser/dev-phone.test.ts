// The dev phone in a real browser: two calls at once through emulator + host + Azurite, and a broken flow's problems page.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import defaultFlow from '../../src/flow/default-flow.json';
import { startDevPhone, type DevPhone } from '../../tools/dev-phone/index';
import { startLocalStack, type LocalStack } from '../../tools/local/local-stack';

const ARTIFACTS = path.resolve('test-artifacts');
const CHROMIUM = '/usr/bin/chromium';
/** Generous: a loaded 2-core machine runs Chromium, Azurite, the host and the emulator side by side. */
const WAIT = { timeout: 15_000 };

let stack: LocalStack;
let phone: DevPhone;
let browser: BrowserContext;
let profile: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`the dev phone test drives Debian's Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  profile = await mkdtemp(path.join(tmpdir(), 'dev-phone-chromium-'));
  // Real time (timeScale 1): prompts last long enough to barge into, and no timeout fires while the test clicks.
  [stack, browser] = await Promise.all([
    startLocalStack({ tablesConnectionString: inject('tablesConnectionString') }),
    chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1440, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    }),
  ]);
  phone = await startDevPhone({ emulatorUrl: stack.emulator.url });
  await mkdir(ARTIFACTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await phone?.close();
  await stack?.stop();
  if (profile) await rm(profile, { recursive: true, force: true });
});

/** The diagram node the page highlights as the caller's position, once it is the expected one. */
async function expectPosition(panel: Locator, node: string): Promise<void> {
  await panel.locator(`.node.current[data-node="${node}"]`).waitFor(WAIT);
  expect(await panel.locator('.node.current').count()).toBe(1);
}

async function dial(page: Page, callNumber: number): Promise<Locator> {
  await page.getByRole('button', { name: 'Call the hotline' }).click();
  const tab = page.getByRole('tab', { name: new RegExp(`^Call ${callNumber} `) });
  await tab.waitFor(WAIT);
  expect(await tab.getAttribute('aria-selected')).toBe('true');
  return page.locator(`#call-${callNumber}`);
}

describe('the dev phone', () => {
  it('dials, walks the menus by keypad and by voice with the position following, runs two calls at once, and hangs up', async () => {
    const page = await browser.newPage();
    await page.goto(phone.url);
    await page.getByRole('img', { name: /Flow diagram/ }).waitFor(WAIT);

    const first = await dial(page, 1);
    await first.locator('.prompt-text', { hasText: 'Welcome to Contoso' }).waitFor(WAIT);
    await expectPosition(first, 'menu:main');
    await first.getByRole('button', { name: '2', exact: true }).click();
    await first.locator('.prompt-text', { hasText: 'enter your account number' }).waitFor(WAIT);
    await expectPosition(first, 'menu:account');
    expect(await first.locator('.prompt-meta').textContent()).toBe('en-US · en-US-NancyNeural');

    // A second call while the first waits in the account menu: its own tab, its own position.
    const second = await dial(page, 2);
    expect(await first.isHidden()).toBe(true);
    await expectPosition(second, 'menu:main');
    await second.getByRole('button', { name: '2', exact: true }).click();
    await expectPosition(second, 'menu:account');

    // Back to the first call, typing the account number on the keyboard.
    await page.getByRole('tab', { name: /^Call 1 / }).click();
    await first.getByRole('button', { name: '1', exact: true }).focus();
    for (const key of ['1', '2', '3', '4', '#']) await page.keyboard.press(key);
    await first.locator('.prompt-text', { hasText: 'You entered 1 2 3 4.' }).waitFor(WAIT);
    await expectPosition(first, 'menu:confirmAccount');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dev-phone.png') });

    await first.getByLabel('Say', { exact: true }).fill('yes');
    await first.getByLabel('Language').selectOption('en-US');
    await first.getByRole('button', { name: 'Say it' }).click();
    await first.locator('.prompt-text', { hasText: 'Goodbye' }).waitFor(WAIT);
    await expectPosition(first, 'goodbye');
    await first.locator('.position', { hasText: 'ended: the hotline hung up' }).waitFor(WAIT);
    expect(await first.getByRole('button', { name: 'Hang up' }).isDisabled()).toBe(true);
    expect(await first.locator('.timeline tbody').innerText()).toContain('says “yes” (en-US)');
    // The account number ended with the stop tone: ACS's result code, against the account menu's operationContext.
    const stopTone = first.locator('.timeline tr', { hasText: 'RecognizeCompleted' }).filter({ hasText: '200/8514' });
    expect(await stopTone.locator('.context').textContent()).toMatch(/^account:1:\d+:k[0-9a-f]{16}$/);

    await page.getByRole('tab', { name: /^Call 2 / }).click();
    await second.getByRole('button', { name: 'Hang up' }).click();
    await second.locator('.position', { hasText: 'ended: the caller hung up in menu account' }).waitFor(WAIT);
    await expectPosition(second, 'menu:account');
    await page.close();
  }, 90_000);

  it('shows a broken flow file as a list of problems, by menu and field', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dev-phone-flow-'));
    const flowFile = path.join(dir, 'typo-flow.json');
    const broken = structuredClone(defaultFlow);
    const accountRoute = broken.menus.main.routes[1]?.then;
    if (accountRoute === undefined || !('menu' in accountRoute)) throw new Error('the default flow changed: main route 1 should lead to a menu');
    accountRoute.menu = 'acount';
    await writeFile(flowFile, JSON.stringify(broken));
    const brokenPhone = await startDevPhone({ emulatorUrl: stack.emulator.url, flowFile });
    const page = await browser.newPage();
    try {
      await page.goto(brokenPhone.url);
      await page.getByRole('heading', { name: 'The flow has 3 problems' }).waitFor(WAIT);
      const rows = await Promise.all((await page.locator('.problem-list tbody tr').all()).map((row) => row.locator('td').allTextContents()));
      expect(rows).toEqual([
        ['main', 'routes.1.then.menu', 'names menu "acount", which does not exist'],
        ['account', '(the menu itself)', 'cannot be reached from the start menu "main"'],
        ['confirmAccount', '(the menu itself)', 'cannot be reached from the start menu "main"'],
      ]);
      expect(await page.getByRole('button', { name: 'Call the hotline' }).count()).toBe(0);
      await page.screenshot({ path: path.join(ARTIFACTS, 'dev-phone-problems.png') });
    } finally {
      await page.close();
      await brokenPhone.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
