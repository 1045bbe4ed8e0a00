import request from 'supertest';
import { addUser, TEST_PASSWORD } from '../helpers/app';
import { axeCheck, BROWSER_TEST_TIMEOUT, collectConsoleErrors, desktopContext, loginInBrowser, noHorizontalScroll, phoneContext, useBrowserSuite } from '../helpers/browser';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

jest.setTimeout(BROWSER_TEST_TIMEOUT);

/** How many pixels of a canvas are not transparent (a drawn chart has many). */
declare const document: { querySelectorAll(s: string): ArrayLike<{ width: number; height: number; getContext(t: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } }> };

describe('evaluator dashboard in a browser', () => {
  const suite = useBrowserSuite();

  async function seed() {
    const t = suite.server.t;
    const setup = await openTemplateSurvey(t);
    const levels = [['5', '4', '4', '3', 'na', '5'], ['4', '4', '4', '4', '2', '4'], ['5', '5', '4', '4', '3', '3']];
    for (const [i, l] of levels.entries()) {
      const pub = setup.pubs[i % 2]!;
      const { agent, fields } = await openForm(t, pub.code, request.agent(t.app));
      t.clock.advance(60_000);
      const ids = ['attitude', 'competence', 'timeliness', 'effect', 'environment', 'overall'];
      await agent.post(`/s/${pub.code}`).type('form').send(formBody({ ...fields!, ...templateAnswers(Object.fromEntries(ids.map((id, j) => [`q_${id}`, l[j]!]))) })).expect(303);
    }
    await addUser(t, 'pingjia', 'evaluator');
    return setup;
  }

  it('draws the charts (non-empty canvases) with their tables, without console errors, and passes axe', async () => {
    const setup = await seed();
    suite.context = await desktopContext(suite.browser);
    const page = await suite.context.newPage();
    const errors = await collectConsoleErrors(page);
    await loginInBrowser(page, suite.server.baseUrl, 'pingjia', TEST_PASSWORD);
    await page.goto(`${suite.server.baseUrl}/admin/stats/${setup.survey.id}`);
    await page.waitForSelector('canvas[data-drawn="true"]');
    const painted = await page.evaluate(() => {
      const out: number[] = [];
      const canvases = document.querySelectorAll('canvas[data-chart]');
      for (let i = 0; i < canvases.length; i++) {
        const c = canvases[i]!;
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let p = 3; p < data.length; p += 4) if (data[p]! > 0) n++;
        out.push(n);
      }
      return out;
    });
    expect(painted).toHaveLength(3);
    for (const n of painted) expect(n).toBeGreaterThan(500);
    expect(await page.locator('table').first().innerText()).toContain('雄关街道社工站');
    const { violations, summary } = await axeCheck(page);
    expect(summary).toBe('');
    expect(violations).toEqual([]);

    await page.goto(`${suite.server.baseUrl}/admin/stats/${setup.survey.id}/questions`);
    await page.waitForSelector('canvas[data-drawn="true"]');
    expect(await page.locator('canvas[data-drawn="true"]').count()).toBeGreaterThan(8);
    expect((await axeCheck(page)).summary).toBe('');
    expect(errors).toEqual([]);
  });

  it('applies filters through the form and keeps them in the URL', async () => {
    const setup = await seed();
    suite.context = await desktopContext(suite.browser);
    const page = await suite.context.newPage();
    await loginInBrowser(page, suite.server.baseUrl, 'pingjia', TEST_PASSWORD);
    await page.goto(`${suite.server.baseUrl}/admin/stats/${setup.survey.id}`);
    await page.locator('summary', { hasText: '筛选条件' }).click();
    await page.getByLabel(`JYG02 ${setup.sites[1]!.name}`).check();
    await page.getByRole('button', { name: '应用筛选' }).click();
    await page.waitForURL(/sites=/);
    expect(page.url()).toContain(`sites=${setup.sites[1]!.id}`);
    expect(await page.locator('.kpi').first().innerText()).toBe('1');
  });

  it('fits a phone screen', async () => {
    const setup = await seed();
    suite.context = await phoneContext(suite.browser);
    const page = await suite.context.newPage();
    const errors = await collectConsoleErrors(page);
    await loginInBrowser(page, suite.server.baseUrl, 'pingjia', TEST_PASSWORD);
    await page.goto(`${suite.server.baseUrl}/admin/stats/${setup.survey.id}`);
    await page.waitForSelector('canvas[data-drawn="true"]');
    expect(await noHorizontalScroll(page)).toBe(true);
    expect((await axeCheck(page)).summary).toBe('');
    expect(errors).toEqual([]);
  });
});
