import request from 'supertest';
import { addUser, TEST_PASSWORD } from '../helpers/app';
import { axeCheck, BROWSER_TEST_TIMEOUT, collectConsoleErrors, desktopContext, loginInBrowser, noHorizontalScroll, phoneContext, useBrowserSuite } from '../helpers/browser';
import { splitNumbers } from '../helpers/layout';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

jest.setTimeout(BROWSER_TEST_TIMEOUT);

/** How many pixels of a canvas are not transparent (a drawn chart has many). */
declare function getComputedStyle(el: unknown): { backgroundColor: string };
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

  /** Six residents at each station, JYG02's clearly less satisfied, so both have intervals and a lowest station. */
  async function seedRanking() {
    const t = suite.server.t;
    const setup = await openTemplateSurvey(t);
    const ids = ['attitude', 'competence', 'timeliness', 'effect', 'environment', 'overall'];
    const high = ['5', '4', '5', '5', '4', '5'];
    const low = ['3', '2', '3', '2', '3', '2'];
    for (let i = 0; i < 12; i++) {
      const pub = setup.pubs[i % 2]!;
      const base = i % 2 === 0 ? high : low;
      // The k-th resident at a station rates its first k items one level lower: scores spread by 3.33 points.
      const k = Math.floor(i / 2);
      const l = base.map((x, j) => (j < k ? String(Number(x) - 1) : x));
      const { agent, fields } = await openForm(t, pub.code, request.agent(t.app));
      t.clock.advance(60_000);
      await agent.post(`/s/${pub.code}`).type('form').send(formBody({ ...fields!, ...templateAnswers(Object.fromEntries(ids.map((id, j) => [`q_${id}`, l[j]!]))) })).expect(303);
    }
    await addUser(t, 'pingjia', 'evaluator');
    return setup;
  }

  it('drills down from the overview to one station\'s dashboard and back, names the lowest station with its interval, and shows the colour legend', async () => {
    const setup = await seedRanking();
    for (const make of [desktopContext, phoneContext]) {
      suite.context = await make(suite.browser);
      const page = await suite.context.newPage();
      const errors = await collectConsoleErrors(page);
      await loginInBrowser(page, suite.server.baseUrl, 'pingjia', TEST_PASSWORD);
      await page.goto(`${suite.server.baseUrl}/admin/stats/${setup.survey.id}`);
      await page.waitForSelector('canvas[data-drawn="true"]');
      // One legend for the level colours, 非常不满意 (red) to 非常满意 (green), each with its swatch and index range.
      const legend = page.locator('figure.level-legend');
      expect(await legend.locator('figcaption').innerText()).toBe('满意度等级配色');
      const items = (await legend.locator('li').allInnerTexts()).map((x) => x.replace(/\s+/g, ' ').replace(/\u2060/g, ''));
      expect(items).toEqual(['非常不满意 指数约 20–30 分', '不满意 指数约 30–50 分', '基本满意 指数约 50–70 分', '满意 指数约 70–90 分', '非常满意 指数约 90–100 分']);
      expect(await legend.locator('.swatch.level-1').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(178, 24, 43)');
      expect(await legend.locator('.swatch.level-5').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(27, 120, 55)');
      expect(await legend.locator('.swatch').count()).toBe(5);
      // Which station is worst, and how sure: its name, index and interval, and whether others overlap it.
      const lowest = await page.locator('p.lowest').innerText();
      expect(lowest).toContain('指数最低的站点：峪泉镇社工站');
      expect(lowest).toContain('其区间与其他站点的区间都不重叠');
      // The trend's table sits behind a disclosure.
      expect(await page.locator('details.chart-table summary').innerText()).toBe('趋势数据表');
      expect(await splitNumbers(page)).toEqual([]);
      expect((await axeCheck(page)).summary).toBe('');

      await page.getByRole('link', { name: '查看 峪泉镇社工站 的统计' }).click();
      await page.waitForURL(/sites=/);
      await page.waitForSelector('canvas[data-drawn="true"]');
      expect(page.url()).toContain(`sites=${setup.sites[1]!.id}`);
      expect(await page.locator('h2.station-title').innerText()).toBe('站点：JYG02 峪泉镇社工站');
      expect(await page.locator('.kpi').nth(1).innerText()).toBe('6');
      expect(await page.locator('table.stations tbody tr').count()).toBe(1);
      expect(await splitNumbers(page)).toEqual([]);
      expect((await axeCheck(page)).summary).toBe('');
      expect(await noHorizontalScroll(page)).toBe(true);

      await page.getByRole('link', { name: '返回全部站点' }).click();
      await page.waitForURL((url) => !url.search.includes('sites='));
      expect(await page.locator('table.stations tbody tr').count()).toBe(2);
      expect(errors).toEqual([]);
      await suite.context.close();
      suite.context = undefined;
    }
  });

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
