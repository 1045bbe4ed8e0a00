import request from 'supertest';
import type { Page } from 'playwright-core';
import { SYSTEM_ACTOR } from '../../server/services/context';
import { REFERENCE_FUNDING, REFERENCE_NOTES, REFERENCE_SCORES } from '../../server/services/demo-seed';
import { createEvaluation, updateEvaluation } from '../../server/services/evaluations';
import { addUser, TEST_PASSWORD } from '../helpers/app';
import { axeCheck, BROWSER_TEST_TIMEOUT, collectConsoleErrors, desktopContext, loginInBrowser, noHorizontalScroll, phoneContext, useBrowserSuite } from '../helpers/browser';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

// The scorecard test walks many pages; on a loaded 2-core machine it has taken 50 s.
jest.setTimeout(BROWSER_TEST_TIMEOUT * 2);

async function expectAccessible(page: Page): Promise<void> {
  const { violations, summary } = await axeCheck(page);
  if (violations.length > 0) throw new Error(summary);
}

describe('evaluation scorecard in a browser', () => {
  const suite = useBrowserSuite();

  /** The reference evaluation with 服务对象满意度 bound to a survey that has two responses. */
  async function seed() {
    const t = suite.server.t;
    const setup = await openTemplateSurvey(t);
    for (const level of ['4', '5']) {
      const pub = setup.pubs[0]!;
      const { agent, fields } = await openForm(t, pub.code, request.agent(t.app));
      t.clock.advance(60_000);
      const likert = Object.fromEntries(['attitude', 'competence', 'timeliness', 'effect', 'environment', 'overall'].map((id) => [`q_${id}`, level]));
      await agent.post(`/s/${pub.code}`).type('form').send(formBody({ ...fields!, ...templateAnswers(likert) })).expect(303);
    }
    const created = await createEvaluation(t.deps, SYSTEM_ACTOR, { name: '嘉峪关市社会工作服务站项目绩效评价', period: '2021-2023年度' });
    await updateEvaluation(t.deps, SYSTEM_ACTOR, created.record.id, {
      updatedAt: created.record.updatedAt,
      funding: REFERENCE_FUNDING,
      scores: Object.fromEntries(Object.entries(REFERENCE_SCORES).map(([id, score]) => [id, { score, note: REFERENCE_NOTES[id] ?? '' }])),
      bindings: { satisfaction: { surveyIds: [setup.survey.id], measure: 'index', rule: { kind: 'ratio', target: 90 } } },
    });
    await addUser(t, 'pingjia', 'evaluator');
    return created.record.id;
  }

  it('renders the scorecard, its editing pages and the print view without console errors or serious axe violations, and locks with a plain form', async () => {
    const id = await seed();
    suite.context = await desktopContext(suite.browser);
    const page = await suite.context.newPage();
    const errors = await collectConsoleErrors(page);
    await loginInBrowser(page, suite.server.baseUrl, 'pingjia', TEST_PASSWORD);

    await page.goto(`${suite.server.baseUrl}/admin/evaluations/${id}`);
    expect(await page.locator('table.analysis').innerText()).toContain('得分率');
    expect(await page.locator('#grade').innerText()).toBe('良');
    expect(await page.locator('#evidence-satisfaction').innerText()).toContain('满意度指数 90（按站点分层、服务对象人数加权；受访者 2 人，有效答卷 2 份），得 10 分（分值 10 分）');
    await expectAccessible(page);

    for (const path of ['tree', 'settings', 'indicators/satisfaction', 'indicators/budgeting', 'print']) {
      await page.goto(`${suite.server.baseUrl}/admin/evaluations/${id}/${path}`);
      await expectAccessible(page);
    }
    await page.goto(`${suite.server.baseUrl}/admin/evaluations`);
    await expectAccessible(page);

    await page.goto(`${suite.server.baseUrl}/admin/evaluations/${id}`);
    await page.locator('form[action$="/lock"] button[type="submit"]').click();
    await page.waitForURL(`${suite.server.baseUrl}/admin/evaluations/${id}`);
    expect(await page.locator('#main').innerText()).toContain('已锁定评分。');
    await expectAccessible(page);
    expect(errors).toEqual([]);
  });

  it('shows the funding as printed with its two 核对提示 on a phone, accessibly and without sideways scrolling', async () => {
    const id = await seed();
    suite.context = await phoneContext(suite.browser);
    const page = await suite.context.newPage();
    const errors = await collectConsoleErrors(page);
    await loginInBrowser(page, suite.server.baseUrl, 'pingjia', TEST_PASSWORD);
    await page.goto(`${suite.server.baseUrl}/admin/evaluations/${id}/settings`);
    expect(await page.locator('#funding-budgetTotal').inputValue()).toBe('189');
    expect(await page.locator('#funding-checks li').count()).toBe(2);
    expect(await page.locator('#execution-rate').innerText()).toBe('94.55%');
    expect(await noHorizontalScroll(page)).toBe(true);
    await expectAccessible(page);
    expect(errors).toEqual([]);
    await page.locator('#funding-spent').fill('120');
    await page.locator('form[action$="/funding"] button[type="submit"]').click();
    await page.waitForLoadState();
    expect(await page.locator('#funding-spent-error').innerText()).toBe('实际支出 120 万元超过了实际到位资金 110.5 万元。');
    expect(await page.locator('#funding-spent').inputValue()).toBe('120');
    await expectAccessible(page);
    // The refusal is a 400 page, which the browser reports; nothing else went wrong.
    expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
  });
});
