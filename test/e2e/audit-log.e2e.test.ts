import type { Page } from 'playwright-core';
import { newId } from '../../server/ids';
import { addUser, TEST_PASSWORD } from '../helpers/app';
import { axeCheck, BROWSER_TEST_TIMEOUT, collectConsoleErrors, desktopContext, loginInBrowser, noHorizontalScroll, phoneContext, scrollWidths, useBrowserSuite, type BrowserSuite } from '../helpers/browser';
import { splitNumbers } from '../helpers/layout';
import { openTemplateSurvey } from '../helpers/survey';

jest.setTimeout(BROWSER_TEST_TIMEOUT);

async function expectReadable(page: Page): Promise<void> {
  const { violations, summary } = await axeCheck(page);
  if (violations.length > 0) throw new Error(summary);
  if (!(await noHorizontalScroll(page))) {
    const { scrollWidth, clientWidth } = await scrollWidths(page);
    throw new Error(`${page.url()} scrolls sideways: scrollWidth ${scrollWidth} > clientWidth ${clientWidth}`);
  }
  expect(await splitNumbers(page)).toEqual([]);
}

/** An export with filters, a review with a long reason and a user change, as the log holds them. */
async function seed(suite: BrowserSuite) {
  const t = suite.server.t;
  const setup = await openTemplateSurvey(t);
  await addUser(t, 'guanli', 'admin');
  const at = (m: number) => new Date(Date.UTC(2026, 11, 7, 6, m)).toISOString();
  const events = [
    { action: 'export.responses', targetType: 'survey', targetId: setup.survey.id, details: { format: 'xlsx', codes: true, filters: `sites=${setup.sites[0]!.id}&from=2026-11-01&to=2026-11-30&mode=raw`, stations: ['JYG01'], rows: 312 } },
    { action: 'response.exclude', targetType: 'response', targetId: newId(), details: { reason: '同一手机在短时间内多次提交，内容完全相同，经站点核实为误操作重复提交'.repeat(2), from: 'auto', to: 'excluded' } },
    { action: 'user.update', targetType: 'user', targetId: newId(), details: { username: 'zhan', before: { role: 'viewer', siteIds: [] }, after: { role: 'station', siteIds: setup.sites.map((s) => s.id) } } },
  ];
  for (const [i, e] of events.entries()) await t.store.audit.append({ id: newId(), at: at(i), actorId: null, actorName: 'pingjia', ...e });
  return setup;
}

describe('the audit log page in a browser', () => {
  const suite = useBrowserSuite();

  for (const [name, open] of [
    ['a phone', phoneContext],
    ['a desktop', desktopContext],
  ] as const) {
    it(`filters without JavaScript, reads as sentences and passes axe on ${name}, also with a refused filter`, async () => {
      await seed(suite);
      const base = suite.server.baseUrl;

      // Without JavaScript: choose an action, filter; the filter is in the URL.
      suite.context = await open(suite.browser, { javaScriptEnabled: false });
      const page = await suite.context.newPage();
      await loginInBrowser(page, base, 'guanli', TEST_PASSWORD);
      await page.goto(`${base}/admin/audit`);
      await page.getByLabel('操作', { exact: true }).selectOption('response.exclude');
      await Promise.all([page.waitForURL('**/admin/audit?**'), page.getByRole('button', { name: '筛选', exact: true }).click()]);
      expect(new URL(page.url()).searchParams.get('action')).toBe('response.exclude');
      expect(await page.locator('tbody tr').count()).toBe(1);

      // With JavaScript (axe runs in the page): the whole log, a filtered log and a refused filter.
      const withJs = await open(suite.browser);
      try {
        const p2 = await withJs.newPage();
        const errors = await collectConsoleErrors(p2);
        await loginInBrowser(p2, base, 'guanli', TEST_PASSWORD);
        await p2.goto(`${base}/admin/audit`);
        const sentence = (await p2.locator('td', { hasText: '导出原始答卷 XLSX' }).textContent())!.replace(/\u2060/g, '').replace(/\u00a0/g, ' ');
        expect(sentence).toBe('导出原始答卷 XLSX（编码值），312 行，筛选：站点 JYG01，2026-11-01 至 2026-11-30，含无效答卷');
        for (const control of ['操作人', '操作', '开始日期', '结束日期']) expect((await p2.getByLabel(control, { exact: true }).boundingBox())!.height).toBeGreaterThanOrEqual(44);
        expect((await p2.getByRole('button', { name: '筛选', exact: true }).boundingBox())!.height).toBeGreaterThanOrEqual(44);
        await expectReadable(p2);
        await p2.goto(`${base}/admin/audit?action=response.exclude`);
        await expectReadable(p2);
        const refused = await p2.goto(`${base}/admin/audit?from=2026-12-09&to=2026-12-01`);
        expect(refused?.status()).toBe(400);
        await expect(p2.locator('#a-to-error').textContent()).resolves.toContain('结束日期不能早于开始日期');
        await expectReadable(p2);
        expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
      } finally {
        await withJs.close();
      }
    });
  }
});
