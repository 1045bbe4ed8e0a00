import type { Page } from 'playwright-core';
import { SYSTEM_ACTOR } from '../../server/services/context';
import { createEvaluation, lockEvaluation } from '../../server/services/evaluations';
import { addRectificationFile, updateRectificationItem } from '../../server/services/rectification';
import { updateReportFacts } from '../../server/services/report';
import { addUser, TEST_PASSWORD } from '../helpers/app';
import { axeCheck, BROWSER_TEST_TIMEOUT, collectConsoleErrors, desktopContext, loginInBrowser, noHorizontalScroll, phoneContext, useBrowserSuite } from '../helpers/browser';

jest.setTimeout(BROWSER_TEST_TIMEOUT * 2);

async function expectAccessible(page: Page): Promise<void> {
  const { violations, summary } = await axeCheck(page);
  if (violations.length > 0) throw new Error(`${page.url()}: ${summary}`);
}

describe('the rectification page in a browser', () => {
  const suite = useBrowserSuite();

  /** A locked evaluation with three problems: one overdue with evidence, one done, one carried over from an earlier evaluation. */
  async function seed(): Promise<string> {
    const t = suite.server.t;
    t.clock.now = new Date('2027-01-10T02:00:00.000Z');
    const earlier = await createEvaluation(t.deps, SYSTEM_ACTOR, { name: '2022年度社工站项目', template: 'blank' });
    const e0 = await updateReportFacts(t.deps, SYSTEM_ACTOR, earlier.record.id, { updatedAt: earlier.record.updatedAt, problems: [{ text: '档案管理不规范，部分服务记录缺失', cause: '', indicatorIds: [] }] });
    const created = await createEvaluation(t.deps, SYSTEM_ACTOR, { name: '2023年度社工站项目', template: 'blank', importRectificationFrom: e0.record.id });
    let e = await updateReportFacts(t.deps, SYSTEM_ACTOR, created.record.id, {
      updatedAt: created.record.updatedAt,
      problems: [
        { text: '预算编制不够精细，部分支出未细化到具体项目', cause: '', indicatorIds: [] },
        { text: '服务对象回访不及时，回访记录不完整', cause: '', indicatorIds: [] },
      ],
    });
    const [p1, p2] = e.data.report.problems;
    e = (await updateRectificationItem(t.deps, SYSTEM_ACTOR, e.record.id, p1!.id, { updatedAt: e.record.updatedAt, unit: '嘉峪关市民政局', deadline: '2026-12-31', status: 'inProgress', note: '已修订预算编制办法' })).evaluation;
    e = (await updateRectificationItem(t.deps, SYSTEM_ACTOR, e.record.id, p2!.id, { updatedAt: e.record.updatedAt, unit: '各社工站', deadline: '2027-03-31', status: 'done' })).evaluation;
    e = (await addRectificationFile(t.deps, SYSTEM_ACTOR, e.record.id, p1!.id, { updatedAt: e.record.updatedAt, file: { name: '预算编制办法（修订稿）.pdf', bytes: Buffer.from('%PDF-1.4\n%%EOF\n') } })).evaluation;
    await lockEvaluation(t.deps, SYSTEM_ACTOR, e.record.id, { updatedAt: e.record.updatedAt });
    await addUser(t, 'pingjia', 'evaluator');
    return e.record.id;
  }

  for (const [name, make] of [
    ['phone', phoneContext],
    ['desktop', desktopContext],
  ] as const) {
    it(`shows the items with status and overdue marked, accessibly and without sideways scrolling (${name})`, async () => {
      const id = await seed();
      suite.context = await make(suite.browser);
      const page = await suite.context.newPage();
      const errors = await collectConsoleErrors(page);
      await loginInBrowser(page, suite.server.baseUrl, 'pingjia', TEST_PASSWORD);
      await page.goto(`${suite.server.baseUrl}/admin/evaluations/${id}/rectification`);
      expect(await page.locator('.rect-item').count()).toBe(3);
      expect(await page.locator('.rect-item.is-overdue .badge.overdue').count()).toBe(1);
      expect(await page.locator('#summary').innerText()).toBe('共 3 项：未整改 1 项，整改中 1 项，已完成 1 项，不再整改 0 项；逾期 1 项。');
      expect((await page.locator('#today').innerText()).replace(/\u2060/g, '')).toContain('2027-01-10（北京时间）');
      await expectAccessible(page);
      const wide = await page.locator('main *').evaluateAll((els) => els.filter((el) => el.getBoundingClientRect().right > el.ownerDocument.documentElement.clientWidth + 1).map((el) => `${el.tagName}.${el.className}#${el.id} ${Math.round(el.getBoundingClientRect().right)}`));
      expect(wide).toEqual([]);
      expect(await noHorizontalScroll(page)).toBe(true);
      // Every control is a large enough target.
      const small = await page.locator('.rect-item button, .rect-item input:not([type="hidden"]), .rect-item select').evaluateAll((els) => els.filter((el) => el.getBoundingClientRect().height < 44).length);
      expect(small).toBe(0);

      // Updating an item after the lock, without JavaScript help: the form posts and the page shows it.
      const first = page.locator('.rect-item').first();
      await first.getByLabel('整改状态').selectOption('done');
      await first.getByLabel('整改情况').fill('已修订并印发预算编制办法');
      await first.getByRole('button', { name: /保存/ }).click();
      await page.waitForURL(/rectification#item-/);
      expect(await page.locator('.rect-item').first().locator('.badge.rect-done').count()).toBe(1);
      expect(await page.locator('.rect-item.is-overdue').count()).toBe(0);
      await expectAccessible(page);
      expect(errors).toEqual([]);
    });
  }
});
