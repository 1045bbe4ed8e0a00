import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import AxeBuilder from '@axe-core/playwright';
import type { Result as AxeResult } from 'axe-core';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { createAppServer } from '../../server/http/app-server';
import { makeTestApp, type TestApp } from './app';

/**
 * The little of the DOM that the functions passed to page.evaluate below touch. tsconfig has no
 * "dom" lib on purpose (server code must not see browser globals), so page-side code names its own.
 */
interface ScrollBox {
  scrollWidth: number;
  clientWidth: number;
}
interface CspViolation {
  violatedDirective: string;
  blockedURI: string;
  sourceFile: string;
  lineNumber: number;
}
declare const document: {
  scrollingElement: ScrollBox | null;
  documentElement: ScrollBox & { style: { fontSize: string } };
  addEventListener(type: 'securitypolicyviolation', listener: (e: CspViolation) => void): void;
};

/** Debian's chromium. Browsers are never downloaded: CI installs the package. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Without the background-networking flags chromium calls home at start, and on a closed network
 * those connections are refused and logged; the browser tests must not depend on the internet.
 */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Browser tests take seconds, not milliseconds: use as the third argument of it() or jest.setTimeout in the file. */
export const BROWSER_TEST_TIMEOUT = 60_000;

/** The resident's phone: a small Android screen in Chinese. */
export const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
};

/** The evaluator's office computer. */
export const DESKTOP: BrowserContextOptions = {
  viewport: { width: 1280, height: 800 },
  locale: 'zh-CN',
};

/** WCAG 2.1 A and AA, the level Chinese government web accessibility guidance (GB/T 37668) also asks for. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Launches one headless chromium; a missing browser fails the tests with the command that installs it. */
export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Browser tests need Debian's chromium at ${CHROMIUM_PATH}, which is missing. ` +
        'Install it with `apt-get install chromium fonts-noto-cjk` (never `npx playwright install`).',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

export interface TestServer {
  t: TestApp;
  /** e.g. http://127.0.0.1:40123, no trailing slash. */
  baseUrl: string;
  close(): Promise<void>;
}

/** A fresh app (fresh store: see openTestStore) behind a real HTTP server on a free loopback port. */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const t = await makeTestApp(env);
  // The server npm start runs (requests born with the app's prototypes: server/http/app-server.ts).
  const server = createAppServer(t.app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    t,
    baseUrl: `http://127.0.0.1:${port}`,
    async close() {
      // Browsers keep connections alive; drop them so close() does not wait for their timeout.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      await t.close();
    },
  };
}

export function phoneContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  return browser.newContext({ ...PHONE, ...options });
}

export function desktopContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  return browser.newContext({ ...DESKTOP, ...options });
}

export interface AxeCheck {
  /** Violations with impact serious or critical. */
  violations: AxeResult[];
  /** One line per violation and affected element, for a failure message. */
  summary: string;
}

/** Runs axe-core for WCAG 2.1 A/AA on the page and keeps what is serious or critical. */
export async function axeCheck(page: Page): Promise<AxeCheck> {
  const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  const violations = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const summary = violations
    .map((v) => {
      const nodes = v.nodes.map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.replace(/\s+/g, ' ') ?? ''}`).join('\n');
      return `[${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n${nodes}`;
    })
    .join('\n');
  return { violations, summary: summary ? `axe on ${page.url()}:\n${summary}` : '' };
}

/**
 * Collects console errors, uncaught page errors and Content-Security-Policy violations from now on.
 * Chromium logs CSP violations and failed resource loads as console errors too; the listener adds
 * the violated directive. Read the returned array after the page has been used; call before goto().
 */
export async function collectConsoleErrors(page: Page): Promise<string[]> {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  // Init scripts run in the page whatever the CSP says (they come from the browser, not the site).
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  return errors;
}

/** True when the page does not scroll sideways (content fits the viewport width). */
export async function noHorizontalScroll(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const root = document.scrollingElement ?? document.documentElement;
    return root.scrollWidth <= root.clientWidth;
  });
}

/** The widths, for a failure message when noHorizontalScroll is false. */
export async function scrollWidths(page: Page): Promise<{ scrollWidth: number; clientWidth: number }> {
  return page.evaluate(() => {
    const root = document.scrollingElement ?? document.documentElement;
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth };
  });
}

/**
 * Doubles the text size (WCAG 1.4.4) as a user's browser setting would: the root font size goes to
 * 200%, and our CSS is sized in rem. Set from script through the CSSOM, which the CSP allows (style
 * attributes in markup and injected <style> tags are blocked). Lasts until the next navigation.
 */
export async function setTextSize(page: Page, percent = 200): Promise<void> {
  await page.evaluate((p) => {
    document.documentElement.style.fontSize = `${p}%`;
  }, percent);
}

/** Visible and entirely inside the viewport's width, so it can be reached without sideways scrolling. */
export async function fitsViewportWidth(page: Page, locator: Locator): Promise<boolean> {
  if (!(await locator.isVisible())) return false;
  const box = await locator.boundingBox();
  const width = page.viewportSize()?.width;
  return box !== null && width !== undefined && box.x >= 0 && box.x + box.width <= width + 0.5;
}

/** Logs in through the login form (works with or without JavaScript) and waits for the page it leads to. */
export async function loginInBrowser(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  const posted = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/login');
  await page.locator('form[action="/login"] button[type="submit"]').click();
  const response = await (await posted).response();
  if (response?.status() !== 303) {
    await page.waitForLoadState();
    const shown = await page.locator('.error-box').allTextContents();
    throw new Error(`login as ${username} answered ${response?.status() ?? 'nothing'}: ${shown.join(' ') || 'no error shown'}`);
  }
  await page.waitForURL((url) => url.pathname !== '/login');
}

export interface BrowserSuite {
  browser: Browser;
  server: TestServer;
  /** The context of the running test, closed after it. */
  context: BrowserContext | undefined;
}

/**
 * The usual hooks of a browser test file: one browser for the file, a fresh app and server for
 * each test, and the test's context and server closed after it. `prepare` runs after each start.
 */
export function useBrowserSuite(prepare?: (server: TestServer) => Promise<void>): BrowserSuite {
  const suite = {} as BrowserSuite;
  beforeAll(async () => {
    suite.browser = await launchBrowser();
  });
  afterAll(async () => {
    await suite.browser?.close();
  });
  beforeEach(async () => {
    suite.server = await startTestServer();
    await prepare?.(suite.server);
  });
  afterEach(async () => {
    await suite.context?.close();
    suite.context = undefined;
    await suite.server?.close();
  });
  return suite;
}
