import type { Page } from 'playwright-core';
import { addUser, TEST_PASSWORD } from '../helpers/app';
import { axeCheck, BROWSER_TEST_TIMEOUT, collectConsoleErrors, desktopContext, loginInBrowser, noHorizontalScroll, phoneContext, startTestServer, useBrowserSuite } from '../helpers/browser';
import { localDay } from '../../server/domain/time';
import { splitNumbers } from '../helpers/layout';
import { openTemplateSurvey } from '../helpers/survey';

jest.setTimeout(BROWSER_TEST_TIMEOUT * 2);

/** Issue 11's new pages in a real browser: accessible, nothing sideways, no number split, at phone width and on a desktop. */
async function expectGoodPage(page: Page, where: string): Promise<void> {
  const axe = await axeCheck(page);
  if (axe.violations.length) throw new Error(`${where}: ${axe.summary}`);
  if (!(await noHorizontalScroll(page))) throw new Error(`${where} (${page.url()}) scrolls sideways`);
  const split = await splitNumbers(page);
  if (split.length) throw new Error(`${where}: split numbers ${JSON.stringify(split)}`);
}

describe('lifecycle, preview, paper entry and the address banner in a browser', () => {
  const suite = useBrowserSuite();

  it('shows residents the paused page, and an evaluator the preview, the test answers and the survey page with its stages', async () => {
    const { t, baseUrl } = suite.server;
    const setup = await openTemplateSurvey(t);
    await t.store.publications.setActive(setup.pubs[1]!.id, false);
    await addUser(t, 'eva', 'evaluator');

    suite.context = await phoneContext(suite.browser);
    const phone = await suite.context.newPage();
    const res = await phone.goto(`${baseUrl}/s/${setup.pubs[1]!.code}`);
    expect(res?.status()).toBe(503);
    await expect(phone.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('暂停收集，请稍后再来');
    await expectGoodPage(phone, 'paused page on a phone');

    await loginInBrowser(phone, baseUrl, 'eva', TEST_PASSWORD);
    const errors = await collectConsoleErrors(phone);
    await phone.goto(`${baseUrl}/admin/surveys/${setup.survey.id}/preview?site=${setup.sites[0]!.id}`);
    await expect(phone.locator('.assisted').textContent()).resolves.toContain('预览试填');
    await expectGoodPage(phone, 'preview on a phone');
    for (const q of setup.survey.questions.filter((x) => x.required)) {
      await phone.locator(`input[name="q_${q.id}"]`).first().check();
    }
    const posted = phone.waitForRequest((r) => r.method() === 'POST');
    const loaded = phone.waitForEvent('load');
    await phone.locator('button.submit').tap();
    expect((await (await posted).response())?.status()).toBe(200);
    await loaded;
    await expect(phone.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('测试答卷已保存');
    await expectGoodPage(phone, 'test saved page on a phone');
    await phone.goto(`${baseUrl}/admin/surveys/${setup.survey.id}/tests`);
    expect(await phone.locator('article.test-response').count()).toBe(1);
    await expectGoodPage(phone, 'test answers on a phone');
    expect(await t.store.responses.count({ surveyId: setup.survey.id })).toBe(0);
    expect(errors).toEqual([]);

    const desk = await desktopContext(suite.browser);
    try {
      const page = await desk.newPage();
      await loginInBrowser(page, baseUrl, 'eva', TEST_PASSWORD);
      await page.goto(`${baseUrl}/admin/surveys/${setup.survey.id}`);
      await expect(page.locator(`#pub-${setup.pubs[1]!.id}`).textContent()).resolves.toContain('已暂停');
      await expectGoodPage(page, 'survey page on a desktop');
      await page.goto(`${baseUrl}/admin/surveys/${setup.survey.id}/tests`);
      await expectGoodPage(page, 'test answers on a desktop');
    } finally {
      await desk.close();
    }
  });

  it('lets a station worker enter a paper questionnaire with its date on a phone', async () => {
    const { t, baseUrl } = suite.server;
    const setup = await openTemplateSurvey(t);
    await addUser(t, 'zhan1', 'station', [setup.sites[0]!.id]);
    suite.context = await phoneContext(suite.browser);
    const page = await suite.context.newPage();
    await loginInBrowser(page, baseUrl, 'zhan1', TEST_PASSWORD);
    await page.goto(`${baseUrl}/s/${setup.pubs[0]!.code}?assisted=1&paper=1`);
    await expectGoodPage(page, 'paper entry form');
    const written = localDay(new Date(Date.now() - 3 * 86_400_000), 'Asia/Shanghai');
    await page.getByLabel('纸质问卷上填写的日期').fill(written);
    // Only one question answered on the paper: the others stay blank, and the browser lets it through.
    await page.locator('label[for="q_overall-0"]').tap();
    await page.locator('button.submit').tap();
    await page.waitForURL((url) => url.pathname.endsWith('/thanks'));
    await expect(page.locator('a.submit').textContent()).resolves.toBe('继续录入下一份纸质问卷');
    const [r] = await t.store.responses.list({ surveyId: setup.survey.id }, { limit: 1 });
    expect(r).toMatchObject({ channel: 'paper', paperDate: written, day: written });
  });

  it('shows the PUBLIC_BASE_URL banner, readable and accessible, while QR codes point to localhost', async () => {
    await suite.server.close();
    suite.server = await startTestServer({ PUBLIC_BASE_URL: 'http://localhost:3000' });
    const { t, baseUrl } = suite.server;
    const setup = await openTemplateSurvey(t);
    await addUser(t, 'eva', 'evaluator');
    suite.context = await phoneContext(suite.browser);
    const page = await suite.context.newPage();
    await loginInBrowser(page, baseUrl, 'eva', TEST_PASSWORD);
    await page.goto(`${baseUrl}/admin/surveys/${setup.survey.id}`);
    await expect(page.locator('#public-address').textContent()).resolves.toContain('PUBLIC_BASE_URL=');
    await expectGoodPage(page, 'survey page with the address banner');
  });
});
