// The dev phone in a real browser: two calls at once through emulator + host + Azurite, and a broken flow's problems page.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
    startLocalStack({ tablesConnectionString: inject('tablesConnectionString'), queuesConnectionString: inject('queuesConnectionString') }),
    chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1440, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    }),
  ]);
  phone = await startDevPhone({ emulatorUrl: stack.emulator.url, hostUrl: stack.host.url });
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

/**
 * Runs axe-core in the page and returns its serious and critical violations, one line each (rule: where). axe-core is
 * injected from node_modules, so nothing is fetched; minor and moderate findings are left to judgement.
 */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: await readFile(require.resolve('axe-core/axe.min.js'), 'utf8') });
  // In-page code is a string: this project type-checks against Node's globals, not the DOM's.
  const violations = await page.evaluate<Array<{ id: string; impact: string | null; targets: string[] }>>(`axe.run().then((results) =>
    results.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((node) => JSON.stringify(node.target)) })))`);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.targets.join(' ')}`);
}

/** Console errors and uncaught exceptions of a page, as they happen (a 404 for favicon.ico is one). */
function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

/** The page's own globals, typed here: this project type-checks against Node's globals, not the DOM's. */
interface InPageElement {
  readonly scrollHeight: number;
  readonly clientHeight: number;
  querySelector(selector: string): InPageElement | null;
  querySelectorAll(selector: string): Iterable<InPageElement>;
  readonly firstChild: { readonly textContent: string | null } | null;
  getBoundingClientRect(): { readonly width: number; readonly top: number; readonly bottom: number };
  getAttribute(name: string): string | null;
}
interface InPage {
  readonly document: { createRange(): { setStart(node: unknown, offset: number): void; setEnd(node: unknown, offset: number): void; getClientRects(): Iterable<{ top: number }> } };
  getComputedStyle(element: unknown): { outlineStyle: string };
}
/** Words of the cell that wrap across two lines ("Welco" / "me"): none, when only whole words wrap. */
function brokenWords(cell: Locator): Promise<string[]> {
  return cell.evaluate((node) => {
    const element = node as unknown as InPageElement;
    // Runs in the page, where globalThis is its window.
    const { document } = globalThis as unknown as InPage;
    const broken: string[] = [];
    const text = element.firstChild;
    if (text === null || typeof text.textContent !== 'string') return broken;
    // A line may break after a hyphen (en-US-/NancyNeural); a word cut anywhere else is the bug.
    for (const match of text.textContent.matchAll(/[^\s-]+/g)) {
      const range = document.createRange();
      range.setStart(text, match.index);
      range.setEnd(text, match.index + match[0].length);
      const tops = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
      if (tops.size > 1) broken.push(match[0]);
    }
    return broken;
  });
}

/** Rows of a scrolled timeline that its sticky header cuts in half: none, when it follows the newest row. */
function rowsCutByHeader(scroller: Locator): Promise<{ overflowing: boolean; cut: number }> {
  return scroller.evaluate((node) => {
    const element = node as unknown as InPageElement;
    const headerBottom = element.querySelector('thead')?.getBoundingClientRect().bottom ?? 0;
    const rows = [...element.querySelectorAll('tbody tr')].map((row) => row.getBoundingClientRect());
    return { overflowing: element.scrollHeight > element.clientHeight, cut: rows.filter((row) => row.top < headerBottom - 1 && row.bottom > headerBottom + 1).length };
  });
}

async function dial(page: Page, callNumber: number): Promise<Locator> {
  await page.getByRole('button', { name: 'Call the hotline' }).click();
  const tab = page.getByRole('tab', { name: new RegExp(`^Call ${callNumber} `) });
  await tab.waitFor(WAIT);
  expect(await tab.getAttribute('aria-selected')).toBe('true');
  return page.locator(`#call-${callNumber}`);
}

describe('the dev phone', () => {
  it('requests a reminder, rings in the incoming-call panel, answers, and confirms by key', async () => {
    const page = await browser.newPage();
    await page.goto(phone.url);
    await page.getByLabel('Your number').fill('+12065550177');
    await page.getByLabel('Appointment at').fill('11 AM');
    await page.getByRole('button', { name: 'Have the hotline remind me' }).click();
    const ringing = page.getByRole('alertdialog');
    await ringing.getByText('is calling +12065550177').waitFor(WAIT);
    await ringing.getByRole('button', { name: 'Answer' }).click();
    const call = page.locator('#call-1');
    await call.locator('.prompt-text', { hasText: 'reminder for your appointment at 11 AM' }).waitFor(WAIT);
    await expectPosition(call, 'menu:appointmentReminder');
    await call.getByRole('button', { name: '1', exact: true }).click();
    await call.locator('.prompt-text', { hasText: 'Your appointment at 11 AM is confirmed' }).waitFor(WAIT);
    expect(await ringing.isHidden()).toBe(true);
    await page.close();
  });

  it('dials, walks the menus by keypad and by voice with the position following, runs two calls at once, and hangs up', async () => {
    const page = await browser.newPage();
    const errors = consoleErrors(page);
    await page.goto(phone.url);
    await page.getByRole('img', { name: /Flow diagram/ }).waitFor(WAIT);
    expect(await page.locator('header .title p').textContent()).toContain('flow: the default hotline');

    const first = await dial(page, 1);
    // The panel that takes focus after dialling shows it.
    expect(await page.locator(':focus').getAttribute('id')).toBe('call-1');
    expect(await first.evaluate((panel) => (globalThis as unknown as InPage).getComputedStyle(panel).outlineStyle)).toBe('solid');
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

    expect(await seriousViolations(page)).toEqual([]);

    // Hanging up by keyboard leaves focus in the call, not on <body>.
    await page.getByRole('tab', { name: /^Call 2 / }).click();
    await second.getByRole('button', { name: 'Hang up' }).focus();
    await page.keyboard.press('Enter');
    await second.locator('.position', { hasText: 'ended: the caller hung up in menu account' }).waitFor(WAIT);
    await expectPosition(second, 'menu:account');
    expect(await page.locator(':focus').getAttribute('id')).toBe('call-2');
    expect(errors).toEqual([]);
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
        ['account', '(the menu itself)', 'cannot be reached from the start menu "main" or a campaign'],
        ['confirmAccount', '(the menu itself)', 'cannot be reached from the start menu "main" or a campaign'],
      ]);
      expect(await page.getByRole('button', { name: 'Call the hotline' }).count()).toBe(0);
      expect(await seriousViolations(page)).toEqual([]);
      await page.screenshot({ path: path.join(ARTIFACTS, 'dev-phone-problems.png') });
    } finally {
      await page.close();
      await brokenPhone.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('at 420 px wide: one column, the diagram at full size, whole words, and what a low confidence did', async () => {
    const page = await browser.newPage();
    // Short too, so the timeline scrolls and follows the newest row.
    await page.setViewportSize({ width: 420, height: 700 });
    const errors = consoleErrors(page);
    try {
      await page.goto(phone.url);
      const call = await dial(page, 1);
      await call.locator('.prompt-text', { hasText: 'Welcome to Contoso' }).waitFor(WAIT);
      await call.getByLabel('Say', { exact: true }).fill('account');
      await call.getByLabel('Confidence').fill('0.2');
      await call.getByRole('button', { name: 'Say it' }).click();
      await call.locator('.prompt-text', { hasText: 'Welcome to Contoso' }).waitFor(WAIT);
      const said = call.locator('.timeline td', { hasText: 'says “account”' });
      await said.waitFor(WAIT);
      expect(await said.textContent()).toBe(`says “account” (en-US, confidence 0.2): below menu main's minimum 0.5: the hotline treats it as no match`);
      await call.locator('.timeline td', { hasText: 'Sorry, that is not one of the options.' }).waitFor(WAIT);
      // Taken before the checks below, so a failing layout can be looked at.
      await page.screenshot({ path: path.join(ARTIFACTS, 'dev-phone-420.png'), fullPage: true });

      // The diagram is drawn at its own size (it scrolls sideways), not shrunk to the column.
      const diagram = call.locator('svg.flow-diagram');
      const [drawn, natural] = await diagram.evaluate((node) => {
        const svg = node as unknown as InPageElement;
        return [svg.getBoundingClientRect().width, Number(svg.getAttribute('width'))] as const;
      });
      expect(drawn).toBeGreaterThanOrEqual(natural * 0.99);
      for (const cell of await call.locator('.timeline td:nth-child(3)').all()) expect(await brokenWords(cell)).toEqual([]);
      expect(await rowsCutByHeader(call.locator('.timeline-scroll'))).toEqual({ overflowing: true, cut: 0 });
      expect(await seriousViolations(page)).toEqual([]);
      await call.getByRole('button', { name: 'Hang up' }).click();
      await call.locator('.position', { hasText: 'ended' }).waitFor(WAIT);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);
});
