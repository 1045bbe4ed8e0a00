import request from 'supertest';
import type { BrowserContext, Page } from 'playwright-core';
import { keepNumbersWhole } from '../../server/domain/typography';
import { SYSTEM_ACTOR } from '../../server/services/context';
import { REFERENCE_FUNDING, REFERENCE_SCORES } from '../../server/services/demo-seed';
import { createEvaluation, updateEvaluation } from '../../server/services/evaluations';
import { addUser, TEST_PASSWORD } from '../helpers/app';
import { BROWSER_TEST_TIMEOUT, desktopContext, loginInBrowser, noHorizontalScroll, phoneContext, scrollWidths, setTextSize, useBrowserSuite } from '../helpers/browser';
import { scanNumbers, sidewaysScrollers, splitNumbers } from '../helpers/layout';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

jest.setTimeout(BROWSER_TEST_TIMEOUT * 3);

/** The narrowest phones still sold in China are 360 CSS px wide. */
const NARROW_PHONE = { width: 360, height: 780 };
/** An A4 sheet at 96 dpi, the width Chromium lays a printed page out at before scaling to the paper. */
const A4 = { width: 794, height: 1123 };

/** A long unbroken address in a resident's comment: free text that must wrap, not widen the page. */
const LONG_URL = 'https://example.gov.cn/shegongzhan/fuwu/pingjia/2026/huifang/xiangqing?station=JYG01&item=abcdefghijklmnopqrstuvwxyz0123456789';

/** No number on the page is broken over two lines; `atLeast` numbers were there to check. */
async function expectWholeNumbers(page: Page, where: string, atLeast: number): Promise<void> {
  const { checked, split } = await scanNumbers(page);
  if (process.env.LAYOUT_COUNTS) console.log(`${where} ${page.viewportSize()?.width}px: ${checked} numbers`);
  if (checked < atLeast) throw new Error(`${where} (${page.url()}) shows ${checked} numbers, fewer than the ${atLeast} expected: the check saw too little`);
  if (split.length) {
    const lines = split.map((s) => `  "${s.token}" over ${s.lines} lines in ${s.element}: ${s.text}`);
    throw new Error(`${where} (${page.url()}) breaks ${split.length} number(s):\n${lines.join('\n')}`);
  }
}

/** Only a .table-wrap region may scroll sideways; the page itself never does. */
async function expectNoSidewaysScroll(page: Page, where: string): Promise<void> {
  const problems: string[] = [];
  if (!(await noHorizontalScroll(page))) {
    const { scrollWidth, clientWidth } = await scrollWidths(page);
    problems.push(`the page (${scrollWidth} > ${clientWidth})`);
  }
  problems.push(...(await sidewaysScrollers(page)));
  if (problems.length) throw new Error(`${where} (${page.url()}) scrolls sideways: ${problems.join(', ')}`);
}

async function expectLaidOutWell(page: Page, where: string, atLeast = 1): Promise<void> {
  await expectWholeNumbers(page, where, atLeast);
  await expectNoSidewaysScroll(page, where);
}

/** A narrow phone, or a desktop browser laying pages out for A4 paper. */
async function openContext(browser: Parameters<typeof phoneContext>[0], mode: 'phone' | 'print'): Promise<{ context: BrowserContext; page: Page }> {
  const context = mode === 'phone' ? await phoneContext(browser, { viewport: NARROW_PHONE }) : await desktopContext(browser, { viewport: A4 });
  const page = await context.newPage();
  if (mode === 'print') await page.emulateMedia({ media: 'print' });
  return { context, page };
}

/** Waits for Chart.js to have drawn every chart, so the layout checked is the final one. */
async function chartsDrawn(page: Page): Promise<void> {
  const charts = await page.locator('canvas[data-chart]').count();
  if (charts) await page.waitForFunction(`document.querySelectorAll('canvas[data-drawn="true"]').length === ${charts}`);
}

describe('layout that keeps numbers whole', () => {
  const suite = useBrowserSuite();

  /**
   * Six responses at both stations (one with a long link in its comment), and the reference
   * evaluation bound to the survey with a bands rule that gives 9.10 of 10 points at an index of 80
   * to 95, so the scorecard shows the reference's total of 80.15.
   */
  async function seed() {
    const t = suite.server.t;
    const setup = await openTemplateSurvey(t);
    const ids = ['attitude', 'competence', 'timeliness', 'effect', 'environment', 'overall'];
    const levels = [
      ['5', '4', '4', '3', 'na', '5'],
      ['4', '4', '4', '4', '2', '4'],
      ['5', '5', '4', '4', '3', '3'],
      ['5', '5', '5', '4', '4', '5'],
      ['4', '5', '3', '4', '5', '4'],
      ['5', '4', '5', '5', '4', '4'],
    ];
    for (const [i, l] of levels.entries()) {
      const pub = setup.pubs[i % 2]!;
      const { agent, fields } = await openForm(t, pub.code, request.agent(t.app));
      t.clock.advance(60_000);
      const likert = Object.fromEntries(ids.map((id, j) => [`q_${id}`, l[j]!]));
      const suggestion = i === 0 ? `服务很好，详情见 ${LONG_URL}` : '希望多组织老年人活动';
      await agent.post(`/s/${pub.code}`).type('form').send(formBody({ ...fields!, ...templateAnswers({ ...likert, q_suggestions: suggestion }) })).expect(303);
    }
    const created = await createEvaluation(t.deps, SYSTEM_ACTOR, { name: '嘉峪关市社会工作服务站项目绩效评价', period: '2021-2023年度' });
    await updateEvaluation(t.deps, SYSTEM_ACTOR, created.record.id, {
      updatedAt: created.record.updatedAt,
      funding: REFERENCE_FUNDING,
      scores: Object.fromEntries(Object.entries(REFERENCE_SCORES).map(([id, score]) => [id, { score, note: '' }])),
      bindings: {
        satisfaction: { surveyIds: [setup.survey.id], measure: 'index', rule: { kind: 'bands', bands: [{ min: 80, share: 0.91 }, { min: 95, share: 1 }] } },
      },
    });
    await addUser(t, 'pingjia', 'evaluator');
    return { ...setup, evaluationId: created.record.id };
  }

  describe('the checker', () => {
    it('reports a number the browser breaks over two lines, with its element text, and passes the same number kept whole', async () => {
      suite.context = await desktopContext(suite.browser);
      const page = await suite.context.newPage();
      // A 3-character-wide box that may break anywhere, as `overflow-wrap: anywhere` in a table cell does.
      await page.setContent(
        '<p id="narrow" style="width: 3ch; overflow-wrap: anywhere">得分 80.15</p>' +
          '<p id="whole" style="width: 3ch; white-space: nowrap; overflow: hidden">94.55%</p>' +
          '<p class="sr-only" style="position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0)">1,234</p>' +
          '<p style="display: none; width: 1ch; overflow-wrap: anywhere">2026-12-07</p>',
      );

      const split = await splitNumbers(page);

      expect(split).toEqual([{ token: '80.15', lines: expect.any(Number), element: 'p#narrow', text: '得分 80.15' }]);
      expect(split[0]!.lines).toBeGreaterThan(1);
    });

    it('sees an age band and a date broken at their dashes, and keeps them whole once glued by keepNumbersWhole', async () => {
      suite.context = await desktopContext(suite.browser);
      const page = await suite.context.newPage();
      const texts = ['年龄 18–59 岁的居民', '已于 2026-12-07 锁定'];
      // Each box holds the number alone but not the text up to the number's end, so the first line ends inside the number if it can.
      const boxes = (glue: boolean) =>
        texts.map((text, i) => `<p id="t${i}" style="width: ${i === 0 ? '5.2em' : '8.2em'}; font: 20px monospace">${glue ? keepNumbersWhole(text) : text}</p>`).join('');

      await page.setContent(boxes(false));
      expect((await splitNumbers(page)).map((s) => s.token)).toEqual(['18–59', '2026-12-07']);

      await page.setContent(boxes(true));
      expect(await splitNumbers(page)).toEqual([]);
    });

    it('notices the numbers `overflow-wrap: anywhere` splits in a narrow table on a real page', async () => {
      const { evaluationId } = await seed();
      suite.context = await desktopContext(suite.browser);
      const page = await suite.context.newPage();
      await loginInBrowser(page, suite.server.baseUrl, 'pingjia', TEST_PASSWORD);
      await page.goto(`${suite.server.baseUrl}/admin/evaluations/${evaluationId}/print`);
      await expectWholeNumbers(page, 'before squeezing', 50);

      // What the old stylesheet did, set through the CSSOM (the CSP blocks injected <style>): the whole page may break anywhere, in a narrow table.
      await page.evaluate(`(() => {
        document.body.style.overflowWrap = 'anywhere';
        const table = document.querySelector('table.analysis');
        table.style.width = '14rem';
        table.style.tableLayout = 'fixed';
        for (const cell of table.querySelectorAll('th, td')) cell.style.whiteSpace = 'normal';
      })()`);
      const split = await splitNumbers(page);

      expect(split.map((s) => s.token)).toEqual(expect.arrayContaining(['80.15', '95.00%']));
      expect(split.every((s) => s.element === 'td.num' && s.lines > 1)).toBe(true);
    });
  });

  it('keeps dates and periods whole in the lists and the audit log, and fits the posters on a 360px phone', async () => {
    const setup = await seed();
    await addUser(suite.server.t, 'guanli', 'admin');
    const { context, page } = await openContext(suite.browser, 'phone');
    suite.context = context;
    await loginInBrowser(page, suite.server.baseUrl, 'guanli', TEST_PASSWORD);

    for (const [path, where] of [
      ['/admin/surveys', 'survey list'],
      ['/admin/evaluations', 'evaluation list'],
      ['/admin/audit', 'audit log'],
      [`/admin/surveys/${setup.survey.id}`, 'survey page'],
      [`/admin/surveys/${setup.survey.id}/posters`, 'posters'],
    ] as const) {
      await page.goto(`${suite.server.baseUrl}${path}`);
      await expectLaidOutWell(page, where);
    }
  });

  describe.each(['phone', 'print'] as const)('on a %s', (mode) => {
    it('keeps numbers whole on the resident questionnaire and thank-you page', async () => {
      const setup = await openTemplateSurvey(suite.server.t);
      // A title with a span of years, as the reference report's period is written; shown on both pages.
      await suite.server.t.store.surveys.update(setup.survey.id, { title: '2021-2023年度社工站服务对象满意度调查' });
      const code = setup.pubs[0]!.code;
      const { context, page } = await openContext(suite.browser, mode);
      suite.context = context;

      await page.goto(`${suite.server.baseUrl}/s/${code}`);
      // The age bands are ranges glued by word joiners (U+2060), which read and show as nothing.
      expect((await page.locator('main').innerText()).replace(/\u2060/g, '')).toContain('70–79 岁');
      await expectLaidOutWell(page, 'questionnaire');
      await setTextSize(page, 200);
      await expectLaidOutWell(page, 'questionnaire at 200% text');

      // 大字模式 at its own size. With 200% text on top (4× the usual size) an option's line on a
      // 360px phone is narrower than "18–59" itself, so that one combination can only break or overflow.
      await page.goto(`${suite.server.baseUrl}/s/${code}?big=1`);
      await expectLaidOutWell(page, 'questionnaire in 大字模式');

      await page.goto(`${suite.server.baseUrl}/s/${code}/thanks`);
      await expectLaidOutWell(page, 'thank-you page');
      await setTextSize(page, 200);
      await expectLaidOutWell(page, 'thank-you page at 200% text');
    });

    it('keeps numbers whole on the dashboard pages, with free text wrapping inside the page', async () => {
      const setup = await seed();
      const { context, page } = await openContext(suite.browser, mode);
      suite.context = context;
      await loginInBrowser(page, suite.server.baseUrl, 'pingjia', TEST_PASSWORD);
      const base = `${suite.server.baseUrl}/admin/stats/${setup.survey.id}`;

      await page.goto(base);
      await chartsDrawn(page);
      expect(await page.locator('.kpi').first().innerText()).toBe('6');
      await expectLaidOutWell(page, 'dashboard overview');

      await page.goto(`${base}/questions`);
      await chartsDrawn(page);
      await expectLaidOutWell(page, 'dashboard questions');

      await page.goto(`${base}/comments`);
      expect(await page.locator('.comment blockquote').allInnerTexts()).toEqual(expect.arrayContaining([expect.stringContaining(LONG_URL)]));
      await expectLaidOutWell(page, 'comments');

      await page.goto(`${base}/quality?show=all`);
      await expectLaidOutWell(page, 'data quality');
    });

    it('keeps numbers whole on the evaluation scorecard (80.15) and its print page', async () => {
      const { evaluationId } = await seed();
      const { context, page } = await openContext(suite.browser, mode);
      suite.context = context;
      await loginInBrowser(page, suite.server.baseUrl, 'pingjia', TEST_PASSWORD);
      const base = `${suite.server.baseUrl}/admin/evaluations/${evaluationId}`;

      await page.goto(base);
      expect(await page.locator('#total-score').innerText()).toBe('80.15 分');
      expect(await page.locator('table.analysis').innerText()).toContain('69.71%');
      await expectLaidOutWell(page, 'scorecard');

      await page.goto(`${base}/print`);
      expect(await page.locator('main').innerText()).toContain('94.55%');
      await expectLaidOutWell(page, 'printable scorecard');
    });

    it('keeps numbers whole in the printed analysis report', async () => {
      const setup = await seed();
      const { context, page } = await openContext(suite.browser, mode);
      suite.context = context;
      await loginInBrowser(page, suite.server.baseUrl, 'pingjia', TEST_PASSWORD);

      await page.goto(`${suite.server.baseUrl}/admin/exports/${setup.survey.id}/report`);
      await chartsDrawn(page);
      expect(await page.locator('.comments').innerText()).toContain(LONG_URL);
      await expectLaidOutWell(page, 'analysis report');
    });
  });
});
