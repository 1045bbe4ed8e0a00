import type { Page } from 'playwright-core';
import { addUser, TEST_PASSWORD } from '../helpers/app';
import {
  axeCheck,
  BROWSER_TEST_TIMEOUT,
  collectConsoleErrors,
  desktopContext,
  fitsViewportWidth,
  loginInBrowser,
  noHorizontalScroll,
  phoneContext,
  scrollWidths,
  setTextSize,
  useBrowserSuite,
} from '../helpers/browser';

jest.setTimeout(BROWSER_TEST_TIMEOUT);

async function expectAccessible(page: Page): Promise<void> {
  const { violations, summary } = await axeCheck(page);
  if (violations.length > 0) throw new Error(summary);
}

async function expectNoSidewaysScroll(page: Page, when: string): Promise<void> {
  if (!(await noHorizontalScroll(page))) {
    const { scrollWidth, clientWidth } = await scrollWidths(page);
    throw new Error(`${page.url()} scrolls sideways ${when}: scrollWidth ${scrollWidth} > clientWidth ${clientWidth}`);
  }
}

describe('admin shell in a browser: login, navigation, language, accessibility', () => {
  const suite = useBrowserSuite();

  it('has helpers that notice CSP violations, inaccessible markup and sideways scrolling', async () => {
    suite.context = await phoneContext(suite.browser);
    const page = await suite.context.newPage();
    const errors = await collectConsoleErrors(page);
    await page.goto(`${suite.server.baseUrl}/login`);

    const bad = `<p style="color:red">inline style</p><img src="/static/img/favicon.svg"><button></button><img src="/static/img/favicon.svg" alt="" width="2000" height="10">`;
    await page.evaluate(`document.querySelector('main').insertAdjacentHTML('beforeend', ${JSON.stringify(bad)})`);

    const { violations, summary } = await axeCheck(page);
    expect(violations.map((v) => v.id)).toEqual(expect.arrayContaining(['image-alt', 'button-name']));
    expect(summary).toContain('image-alt');
    expect(await noHorizontalScroll(page)).toBe(false);
    // CDP delivers events in order, so the round trips above have brought the violation's report.
    expect(errors.join('\n')).toMatch(/style-src/);
  });

  it('shows an accessible login page on a phone that fits the screen, even at 200% text', async () => {
    suite.context = await phoneContext(suite.browser);
    const page = await suite.context.newPage();
    const errors = await collectConsoleErrors(page);

    const res = await page.goto(`${suite.server.baseUrl}/login`);

    expect(res?.status()).toBe(200);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await expectAccessible(page);
    await expectNoSidewaysScroll(page, 'on a 390px phone');
    await setTextSize(page, 200);
    await expectNoSidewaysScroll(page, 'at 200% text');
    for (const control of [page.getByLabel('用户名'), page.getByLabel('密码'), page.getByRole('button', { name: '登录' })]) {
      expect(await fitsViewportWidth(page, control)).toBe(true);
    }
    expect(errors).toEqual([]);
  });

  it('logs in through the form, shows the navigation on desktop and phone, and logs out', async () => {
    await addUser(suite.server.t, 'wang', 'evaluator');
    suite.context = await desktopContext(suite.browser);
    const page = await suite.context.newPage();
    const errors = await collectConsoleErrors(page);

    await loginInBrowser(page, suite.server.baseUrl, 'wang', TEST_PASSWORD);

    expect(new URL(page.url()).pathname).toBe('/admin');
    await expect(page.locator('.who').textContent()).resolves.toBe('当前用户：wang（评价人员）');
    const nav = page.getByRole('navigation', { name: '主导航' });
    for (const area of ['站点', '问卷', '统计', '绩效评价', '导出']) {
      expect(await nav.getByRole('link', { name: area, exact: true }).isVisible()).toBe(true);
    }
    await expect(nav.getByRole('link', { name: '概览' }).getAttribute('aria-current')).resolves.toBe('page');
    await expectAccessible(page);
    await expectNoSidewaysScroll(page, 'on desktop');

    const phone = await phoneContext(suite.browser, { storageState: await suite.context.storageState() });
    try {
      const phonePage = await phone.newPage();
      const phoneErrors = await collectConsoleErrors(phonePage);
      await phonePage.goto(`${suite.server.baseUrl}/admin`);
      expect(new URL(phonePage.url()).pathname).toBe('/admin');
      await expectAccessible(phonePage);
      await expectNoSidewaysScroll(phonePage, 'on a 390px phone');
      await setTextSize(phonePage, 200);
      await expectNoSidewaysScroll(phonePage, 'at 200% text');
      expect(await fitsViewportWidth(phonePage, phonePage.getByRole('button', { name: '退出登录' }))).toBe(true);
      expect(await fitsViewportWidth(phonePage, phonePage.getByRole('link', { name: '绩效评价' }))).toBe(true);
      expect(phoneErrors).toEqual([]);
    } finally {
      await phone.close();
    }

    await page.getByRole('button', { name: '退出登录' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    await expect(page.getByRole('status').textContent()).resolves.toBe('您已安全退出。');
    await page.goto(`${suite.server.baseUrl}/admin`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(errors).toEqual([]);
  });

  it('logs in with JavaScript turned off', async () => {
    await addUser(suite.server.t, 'liwei', 'viewer');
    suite.context = await phoneContext(suite.browser, { javaScriptEnabled: false });
    const page = await suite.context.newPage();

    await loginInBrowser(page, suite.server.baseUrl, 'liwei', TEST_PASSWORD);

    expect(new URL(page.url()).pathname).toBe('/admin');
    await expect(page.locator('.who').textContent()).resolves.toContain('liwei');
    expect(await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '站点' }).isVisible()).toBe(true);
  });

  it('switches the page to English with the language link, and keeps it', async () => {
    suite.context = await phoneContext(suite.browser);
    const page = await suite.context.newPage();
    const errors = await collectConsoleErrors(page);
    await page.goto(`${suite.server.baseUrl}/login`);

    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL((url) => url.searchParams.get('lang') === 'en');

    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Log in');
    await page.goto(`${suite.server.baseUrl}/login`);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await expect(page.getByRole('link', { name: '中文' }).getAttribute('lang')).resolves.toBe('zh-CN');
    await expectAccessible(page);
    expect(errors).toEqual([]);
  });
});
