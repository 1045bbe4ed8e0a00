import request from 'supertest';
import type { Page } from 'playwright-core';
import { SYSTEM_ACTOR } from '../../server/services/context';
import { REFERENCE_FUNDING, REFERENCE_NOTES, REFERENCE_SCORES } from '../../server/services/demo-seed';
import { createEvaluation, updateEvaluation } from '../../server/services/evaluations';
import { REFERENCE_FACTS } from '../../server/services/reference-report';
import { addEvidenceFile, updateReportFacts } from '../../server/services/report';
import { addUser, TEST_PASSWORD } from '../helpers/app';
import { axeCheck, BROWSER_TEST_TIMEOUT, collectConsoleErrors, desktopContext, loginInBrowser, noHorizontalScroll, phoneContext, useBrowserSuite } from '../helpers/browser';
import { scanNumbers } from '../helpers/layout';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

jest.setTimeout(BROWSER_TEST_TIMEOUT * 3);

/** An A4 sheet at 96 dpi, the width Chromium lays a printed page out at before scaling to the paper. */
const A4 = { width: 794, height: 1123 };

async function expectAccessible(page: Page): Promise<void> {
  const { violations, summary } = await axeCheck(page);
  if (violations.length > 0) throw new Error(`${page.url()}: ${summary}`);
}

describe('the evaluation report in a browser', () => {
  const suite = useBrowserSuite();

  /** The reference evaluation with its report facts, an evidence file, and 服务对象满意度 bound to a survey answered at two stations. */
  async function seed() {
    const t = suite.server.t;
    const setup = await openTemplateSurvey(t);
    for (const [i, level] of ['5', '4', '4', '3'].entries()) {
      const pub = setup.pubs[i % 2]!;
      const { agent, fields } = await openForm(t, pub.code, request.agent(t.app));
      t.clock.advance(60_000);
      const likert = Object.fromEntries(['attitude', 'competence', 'timeliness', 'effect', 'environment', 'overall'].map((id) => [`q_${id}`, level]));
      await agent.post(`/s/${pub.code}`).type('form').send(formBody({ ...fields!, ...templateAnswers(likert) })).expect(303);
    }
    const created = await createEvaluation(t.deps, SYSTEM_ACTOR, { name: '嘉峪关市社会工作服务站项目绩效评价', period: '2021-2023年度', commissioner: '嘉峪关市财政局', evaluator: '甘肃道瑞科技咨询有限公司', subject: '嘉峪关市社会工作服务站' });
    let e = await updateEvaluation(t.deps, SYSTEM_ACTOR, created.record.id, {
      updatedAt: created.record.updatedAt,
      funding: REFERENCE_FUNDING,
      scores: Object.fromEntries(Object.entries(REFERENCE_SCORES).map(([id, score]) => [id, { score, note: REFERENCE_NOTES[id] ?? '' }])),
      bindings: { satisfaction: { surveyIds: [setup.survey.id], measure: 'index', rule: { kind: 'ratio', target: 90 } } },
    });
    e = await updateReportFacts(t.deps, SYSTEM_ACTOR, e.record.id, { updatedAt: e.record.updatedAt, ...REFERENCE_FACTS });
    await addEvidenceFile(t.deps, SYSTEM_ACTOR, e.record.id, 'record-keeping', { updatedAt: e.record.updatedAt, file: { name: '档案检查记录（2023年9月）.pdf', bytes: Buffer.from('%PDF-1.4\n%%EOF\n') } });
    await addUser(t, 'pingjia', 'evaluator');
    return e.record.id;
  }

  it('prints the report on A4 with its charts, accessibly and without a number broken over two lines', async () => {
    const id = await seed();
    suite.context = await desktopContext(suite.browser, { viewport: A4 });
    const page = await suite.context.newPage();
    const errors = await collectConsoleErrors(page);
    await loginInBrowser(page, suite.server.baseUrl, 'pingjia', TEST_PASSWORD);
    await page.emulateMedia({ media: 'print' });
    await page.goto(`${suite.server.baseUrl}/admin/evaluations/${id}/report`);
    expect(await page.locator('h2').allInnerTexts()).toEqual(['一、项目基本情况', '二、部门绩效目标', '三、评价基本情况', '四、评价结论和绩效分析', '五、存在问题', '六、有关对策建议', '七、其他需要说明的事项', '附件1 指标体系及评分表', '附件2 满意度调查情况']);
    // The charts are pictures the browser could decode.
    const images = page.locator('figure.chart img');
    expect(await images.count()).toBe(2);
    for (const width of await images.evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth))) expect(width).toBe(1600);
    expect(await page.locator('.screen-only').first().isVisible()).toBe(false);
    const { checked, split } = await scanNumbers(page);
    expect(checked).toBeGreaterThan(300);
    expect(split).toEqual([]);
    await expectAccessible(page);
    // The sheet is A4: the page box Chromium prints to.
    const pdf = await page.pdf({ preferCSSPageSize: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const sizes = new Set([...pdf.toString('latin1').matchAll(/\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/g)].map((m) => `${Math.round(Number(m[1]))}x${Math.round(Number(m[2]))}`));
    expect([...sizes].sort()).toEqual(['595x842', '842x595']);
    expect(errors).toEqual([]);
  });

  it.each([
    ['phone', phoneContext],
    ['desktop', desktopContext],
  ] as const)('shows the report’s editing pages accessibly on a %s, without sideways scrolling', async (_name, open) => {
    const id = await seed();
    suite.context = await open(suite.browser);
    const page = await suite.context.newPage();
    const errors = await collectConsoleErrors(page);
    await loginInBrowser(page, suite.server.baseUrl, 'pingjia', TEST_PASSWORD);
    for (const path of ['report', 'report/facts', 'report/facts?lang=en', 'report/indicators', 'report/indicators/record-keeping', 'report/indicators/satisfaction', 'experts', 'experts/sheet']) {
      await page.goto(`${suite.server.baseUrl}/admin/evaluations/${id}/${path}`);
      expect({ path, scrolls: !(await noHorizontalScroll(page)) }).toEqual({ path, scrolls: false });
      await expectAccessible(page);
    }
    // A form sent without JavaScript: one expert's sheet, then the overview counts one expert.
    await page.goto(`${suite.server.baseUrl}/admin/evaluations/${id}/experts/sheet`);
    await page.locator('#sheet-budgeting').fill('2.5');
    await page.locator('form[action$="/experts/sheet"] button[type="submit"]').click();
    await page.waitForURL(`${suite.server.baseUrl}/admin/evaluations/${id}/experts`);
    expect(await page.locator('#expert-count').innerText()).toBe('1');
    await expectAccessible(page);
    expect(errors).toEqual([]);
  });
});
