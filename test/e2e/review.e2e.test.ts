import request from 'supertest';
import { addUser, TEST_PASSWORD } from '../helpers/app';
import { axeCheck, BROWSER_TEST_TIMEOUT, collectConsoleErrors, desktopContext, loginInBrowser, noHorizontalScroll, phoneContext, useBrowserSuite } from '../helpers/browser';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

jest.setTimeout(BROWSER_TEST_TIMEOUT);

describe('data-quality review in a browser', () => {
  const suite = useBrowserSuite();

  /** Three answers at station A: two careful, one too fast (not counted under the default rule). */
  async function seed() {
    const t = suite.server.t;
    const setup = await openTemplateSurvey(t);
    const pub = setup.pubs[0]!;
    for (const seconds of [90, 80, 4]) {
      const { agent, fields } = await openForm(t, pub.code, request.agent(t.app));
      t.clock.advance(seconds * 1000);
      await agent.post(`/s/${pub.code}`).type('form').send(formBody({ ...fields!, ...templateAnswers() })).expect(303);
    }
    await addUser(t, 'pingjia', 'evaluator');
    return setup;
  }

  const validKpi = async (page: import('playwright-core').Page) => page.locator('[data-kpi="valid"]').innerText();

  for (const [name, open] of [
    ['a phone', phoneContext],
    ['a desktop', desktopContext],
  ] as const) {
    it(`on ${name}: the quality page and the viewer pass axe and fit, and the bulk form and the viewer work without JavaScript`, async () => {
      const setup = await seed();
      const base = suite.server.baseUrl;

      // Without JavaScript: tick the speeder waiting for review, choose "keep", give a reason, apply.
      suite.context = await open(suite.browser, { javaScriptEnabled: false });
      const page = await suite.context.newPage();
      await loginInBrowser(page, base, 'pingjia', TEST_PASSWORD);
      await page.goto(`${base}/admin/stats/${setup.survey.id}/quality`);
      expect(await validKpi(page)).toBe('2');
      expect(await page.locator('tbody tr').count()).toBe(1);
      await page.getByRole('checkbox', { name: /选择 .* 提交的答卷/ }).check();
      await page.getByLabel('操作').selectOption('keep');
      await page.getByLabel('原因（必填）').fill('电话回访：老人熟悉问卷，确为本人作答');
      await page.getByRole('button', { name: '应用到所选答卷' }).click();
      await page.waitForSelector('[role="status"]');
      expect(await page.getByRole('status').innerText()).toBe('确认有效（计入）：已更改 1 份答卷，有效数 2 → 3。');
      expect(await validKpi(page)).toBe('3');

      // The kept list links to the viewer, which shows the decision, its history and the actions that apply.
      await page.getByRole('link', { name: '已确认有效' }).click();
      await page.locator('tbody tr a').first().click();
      await page.waitForSelector('#counting-status');
      const viewerUrl = page.url();
      expect(await page.locator('#counting-status').innerText()).toContain('确认有效');
      expect(await page.locator('table').innerText()).toContain('电话回访：老人熟悉问卷，确为本人作答');
      await page.getByLabel('原因（必填）').fill('复核：改回按规则判定');
      await page.getByRole('button', { name: '恢复为按规则自动判定' }).click();
      await page.waitForSelector('[role="status"]');
      expect(await page.getByRole('status').innerText()).toBe('已恢复为按质量规则自动判定。有效数 3 → 2。');

      // With JavaScript (axe runs in the page): both pages, with their history, flags and forms.
      const withJs = await open(suite.browser);
      try {
        const p2 = await withJs.newPage();
        const errors = await collectConsoleErrors(p2);
        await loginInBrowser(p2, base, 'pingjia', TEST_PASSWORD);
        for (const url of [`${base}/admin/stats/${setup.survey.id}/quality`, `${base}/admin/stats/${setup.survey.id}/quality?show=all`, viewerUrl]) {
          await p2.goto(url);
          expect(await noHorizontalScroll(p2)).toBe(true);
          const { summary } = await axeCheck(p2);
          expect(`${url}\n${summary}`).toBe(`${url}\n`);
        }
        expect(await p2.locator('tbody tr').count()).toBe(2);
        expect(errors).toEqual([]);
      } finally {
        await withJs.close();
      }
    });
  }
});
