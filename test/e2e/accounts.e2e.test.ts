import type { Page } from 'playwright-core';
import { SYSTEM_ACTOR } from '../../server/services/context';
import { resetPassword, setUserActive } from '../../server/services/users';
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
  useBrowserSuite,
} from '../helpers/browser';
import { siteFixture } from '../helpers/fixtures';

jest.setTimeout(BROWSER_TEST_TIMEOUT);

const NEW_PASSWORD = 'a brand new pass phrase';

async function expectAccessible(page: Page): Promise<void> {
  const { violations, summary } = await axeCheck(page);
  if (violations.length > 0) throw new Error(summary);
}

async function expectNoSidewaysScroll(page: Page): Promise<void> {
  if (!(await noHorizontalScroll(page))) {
    const { scrollWidth, clientWidth } = await scrollWidths(page);
    throw new Error(`${page.url()} scrolls sideways: scrollWidth ${scrollWidth} > clientWidth ${clientWidth}`);
  }
}

/** Submits the form the button is in and waits for the page that answers it. */
async function submit(page: Page, button: string | RegExp): Promise<number | undefined> {
  const [response] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: button }).click()]);
  return response?.status();
}

describe('accounts in a browser: changing one\'s password, the users pages', () => {
  const suite = useBrowserSuite();

  it('changes one\'s own password on a phone: linked from the header, accessible with and without errors', async () => {
    await addUser(suite.server.t, 'wang', 'evaluator');
    suite.context = await phoneContext(suite.browser);
    const page = await suite.context.newPage();
    const errors = await collectConsoleErrors(page);
    await loginInBrowser(page, suite.server.baseUrl, 'wang', TEST_PASSWORD);

    await Promise.all([page.waitForURL('**/account/password'), page.getByRole('link', { name: '修改密码' }).click()]);

    await expectAccessible(page);
    await expectNoSidewaysScroll(page);
    for (const label of ['当前密码', '新密码', '再次输入新密码']) expect(await fitsViewportWidth(page, page.getByLabel(label, { exact: true }))).toBe(true);
    const button = page.getByRole('button', { name: '保存新密码' });
    expect((await button.boundingBox())!.height).toBeGreaterThanOrEqual(44);

    await page.getByLabel('当前密码', { exact: true }).fill(TEST_PASSWORD);
    await page.getByLabel('新密码', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('再次输入新密码').fill(`${NEW_PASSWORD}?`);
    expect(await submit(page, '保存新密码')).toBe(400);
    await expect(page.locator('#confirmPassword-error').textContent()).resolves.toBe('两次输入的新密码不一致。');
    await expect(page.getByLabel('再次输入新密码').getAttribute('aria-invalid')).resolves.toBe('true');
    await expectAccessible(page);

    await page.getByLabel('当前密码', { exact: true }).fill(TEST_PASSWORD);
    await page.getByLabel('新密码', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('再次输入新密码').fill(NEW_PASSWORD);
    await submit(page, '保存新密码');
    expect(new URL(page.url()).pathname).toBe('/admin');
    await expect(page.getByRole('status').first().textContent()).resolves.toContain('密码已修改');
    // The browser logs the 400 of the refused form; nothing else may appear (no CSP violation, no script error).
    expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
  });

  it('after a reset, the one-time password leads to the change-password page only (phone)', async () => {
    const user = await addUser(suite.server.t, 'zhao', 'viewer');
    const { password } = await resetPassword(suite.server.t.deps, SYSTEM_ACTOR, user.id);
    suite.context = await phoneContext(suite.browser);
    const page = await suite.context.newPage();

    await loginInBrowser(page, suite.server.baseUrl, 'zhao', password);

    expect(new URL(page.url()).pathname).toBe('/account/password');
    await expect(page.getByRole('status').first().textContent()).resolves.toContain('管理员为您重置了密码');
    expect(await page.getByRole('navigation', { name: '主导航' }).count()).toBe(0);
    await expectAccessible(page);
    await page.goto(`${suite.server.baseUrl}/admin/surveys`);
    expect(new URL(page.url()).pathname).toBe('/account/password');

    await page.getByLabel('当前密码', { exact: true }).fill(password);
    await page.getByLabel('新密码', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('再次输入新密码').fill(NEW_PASSWORD);
    await submit(page, '保存新密码');
    expect(new URL(page.url()).pathname).toBe('/admin');
    await expect(page.getByRole('navigation', { name: '主导航' }).isVisible()).resolves.toBe(true);
  });

  it.each([
    ['phone', phoneContext],
    ['desktop', desktopContext],
  ] as const)('shows the users list, a user\'s page and a reset password accessibly on a %s', async (_width, open) => {
    const t = suite.server.t;
    const site = siteFixture({ code: 'JYG01', name: '嘉峪关市城关镇社工站' });
    await t.store.sites.create(site);
    await addUser(t, 'boss', 'admin');
    const station = await addUser(t, 'station-li', 'station', [site.id]);
    const gone = await addUser(t, 'gone', 'viewer');
    await setUserActive(t.deps, SYSTEM_ACTOR, gone.id, false);
    await resetPassword(t.deps, SYSTEM_ACTOR, (await addUser(t, 'newcomer', 'evaluator')).id);
    suite.context = await open(suite.browser);
    const page = await suite.context.newPage();
    await loginInBrowser(page, suite.server.baseUrl, 'boss', TEST_PASSWORD);

    await page.goto(`${suite.server.baseUrl}/admin/users`);
    await expectAccessible(page);
    await expectNoSidewaysScroll(page);
    const row = page.getByRole('row').filter({ hasText: 'station-li' });
    await expect(row.textContent()).resolves.toMatch(/站点人员[\s\S]*嘉峪关市城关镇社工站[\s\S]*启用/);
    await expect(page.getByRole('row').filter({ hasText: 'newcomer' }).textContent()).resolves.toContain('待修改密码');

    await Promise.all([page.waitForURL(`**/admin/users/${station.id}`), page.getByRole('link', { name: /^编辑\s*：station-li$/ }).click()]);
    await expectAccessible(page);
    await expectNoSidewaysScroll(page);
    await expect(page.getByLabel('JYG01 嘉峪关市城关镇社工站').isChecked()).resolves.toBe(true);

    await page.goto(`${suite.server.baseUrl}/admin/users`);
    expect(await submit(page, /^重置密码\s*：station-li$/)).toBe(200);
    const shown = await page.locator('#one-time-password').textContent();
    expect(shown).toMatch(/^[A-Za-z0-9_-]{20}$/);
    await expectAccessible(page);
    await expectNoSidewaysScroll(page);
  });

  it('edits a user\'s role and stations and resets a password with JavaScript turned off', async () => {
    const t = suite.server.t;
    const site = siteFixture({ code: 'JYG02', name: '新城镇社工站' });
    await t.store.sites.create(site);
    await addUser(t, 'boss', 'admin');
    const person = await addUser(t, 'chen', 'evaluator');
    suite.context = await desktopContext(suite.browser, { javaScriptEnabled: false });
    const page = await suite.context.newPage();
    await loginInBrowser(page, suite.server.baseUrl, 'boss', TEST_PASSWORD);

    await page.goto(`${suite.server.baseUrl}/admin/users/${person.id}`);
    await page.getByLabel('角色').selectOption('station');
    expect(await submit(page, '保存角色和站点')).toBe(400);
    await expect(page.locator('#siteIds-error').textContent()).resolves.toBe('站点人员至少要关联一个站点。');
    await page.getByLabel('JYG02 新城镇社工站').check();
    await submit(page, '保存角色和站点');
    expect(new URL(page.url()).pathname).toBe(`/admin/users/${person.id}`);
    await expect(page.getByRole('status').first().textContent()).resolves.toContain('已保存 chen 的角色和站点');
    expect(await t.store.users.get(person.id)).toMatchObject({ role: 'station', siteIds: [site.id] });

    await page.goto(`${suite.server.baseUrl}/admin/users`);
    expect(await submit(page, /^重置密码\s*：chen$/)).toBe(200);
    await expect(page.locator('#one-time-password').textContent()).resolves.toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(await t.store.users.get(person.id)).toMatchObject({ mustChangePassword: true });
  });
});
