import http from 'node:http';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import type { AnswerValue } from '../../models/response';
import type { Question } from '../../models/survey';
import { SYSTEM_ACTOR } from '../../server/services/context';
import { setSurveyStatus } from '../../server/services/surveys';
import { addUser, TEST_PASSWORD } from '../helpers/app';
import {
  axeCheck,
  BROWSER_TEST_TIMEOUT,
  collectConsoleErrors,
  desktopContext,
  loginInBrowser,
  noHorizontalScroll,
  phoneContext,
  scrollWidths,
  setTextSize,
  useBrowserSuite,
} from '../helpers/browser';
import { openTemplateSurvey } from '../helpers/survey';

jest.setTimeout(BROWSER_TEST_TIMEOUT * 2);

/** WCAG 2.5.5 (AAA) asks 44×44 CSS px; residents are often old and use cheap phones, so we hold the resident page to it. */
const MIN_TARGET = 44;
/** The resident page must load on a weak 2G/3G signal: its HTML and CSS, gzip-compressed, stay under 20 KB. */
const PAGE_WEIGHT_LIMIT = 20 * 1024;
const THANKS = '提交成功';

async function expectAccessible(page: Page, when: string): Promise<void> {
  const { violations, summary } = await axeCheck(page);
  if (violations.length > 0) throw new Error(`${when}\n${summary}`);
}

async function expectNoSidewaysScroll(page: Page, when: string): Promise<void> {
  if (!(await noHorizontalScroll(page))) {
    const { scrollWidth, clientWidth } = await scrollWidths(page);
    throw new Error(`${page.url()} scrolls sideways ${when}: scrollWidth ${scrollWidth} > clientWidth ${clientWidth}`);
  }
}

/** Every label, the submit button and the bar links are at least 44×44 CSS px. */
async function expectLargeTouchTargets(page: Page, when: string): Promise<void> {
  const targets = page.locator('label.opt, button.submit, a.submit, .bar-link');
  const count = await targets.count();
  expect(count).toBeGreaterThan(0);
  const small: string[] = [];
  for (let i = 0; i < count; i++) {
    const target = targets.nth(i);
    const box = await target.boundingBox();
    if (!box || box.width < MIN_TARGET || box.height < MIN_TARGET) {
      small.push(`${(await target.textContent())?.trim()}: ${box ? `${box.width.toFixed(1)}×${box.height.toFixed(1)}` : 'not shown'}`);
    }
  }
  if (small.length) throw new Error(`touch targets under ${MIN_TARGET}×${MIN_TARGET} px ${when}:\n  ${small.join('\n  ')}`);
}

/**
 * Chromium logs a console error for every page answered with an error status. Those are expected on
 * the pages that must answer 400 or 410; anything else (CSP violations, script errors) is not.
 */
function unexpectedErrors(errors: string[], expectedStatuses: number[] = []): string[] {
  return errors.filter((e) => !expectedStatuses.some((s) => e.includes(`the server responded with a status of ${s}`)));
}

/** Records every URL the page requests, to check that nothing comes from another origin. */
function recordRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (r) => urls.push(r.url()));
  return urls;
}

/**
 * The options a resident picks in the template, by position: the 3rd group (elderly), the 4th age
 * band, two ways of receiving service, a different level per satisfaction item and 不了解 for the
 * environment, the first answer to each awareness question.
 */
const PICKS: Record<string, number[] | 'na'> = {
  category: [2],
  age: [3],
  received: [1, 3],
  attitude: [0],
  competence: [1],
  timeliness: [1],
  effect: [2],
  environment: 'na',
  overall: [0],
  know_address: [0],
  know_services: [1],
  know_worker: [0],
  know_help: [1],
};
const SUGGESTION = '希望多组织老年人活动，谢谢社工😀';

/** Taps the labels of every choice question and types the suggestion; returns the answers to expect in the store. */
async function answerEverything(page: Page, questions: Question[], skip: string[] = []): Promise<Record<string, AnswerValue>> {
  const expected: Record<string, AnswerValue> = {};
  for (const q of questions) {
    if (skip.includes(q.id)) continue;
    if (q.type === 'text') {
      await page.locator(`#q_${q.id}`).fill(SUGGESTION);
      expected[q.id] = SUGGESTION;
      continue;
    }
    const pick = PICKS[q.id];
    if (!pick) throw new Error(`no pick for question ${q.id}`);
    const positions = pick === 'na' ? ['na'] : pick.map(String);
    for (const p of positions) {
      await page.locator(`label[for="q_${q.id}-${p}"]`).tap();
      expect(await page.locator(`#q_${q.id}-${p}`).isChecked()).toBe(true);
    }
    const ids = pick === 'na' ? ['na'] : pick.map((i) => q.options[i]!.id);
    expected[q.id] = q.type === 'multi' ? ids : ids[0]!;
  }
  return expected;
}

/** Taps 提交问卷 and waits for the page the submission leads to; returns the status of the POST. */
async function submit(page: Page): Promise<number | undefined> {
  const posted = page.waitForRequest((r) => r.method() === 'POST');
  const loaded = page.waitForEvent('load');
  await page.locator('button.submit').tap();
  const response = await (await posted).response();
  await loaded;
  return response?.status();
}

/**
 * Taps one of the form's switches (大字模式, language): a submit button that posts the answers back
 * and shows the same form; waits for that page.
 */
async function pressSwitch(page: Page, name: string): Promise<void> {
  const posted = page.waitForRequest((r) => r.method() === 'POST');
  const loaded = page.waitForEvent('load');
  await page.getByRole('button', { name, exact: true }).tap();
  expect((await (await posted).response())?.status()).toBe(200);
  await loaded;
}

/** Bytes on the wire of a gzip-compressed response body (Node's http client does not decompress). */
function compressedSize(url: string): Promise<{ bytes: number; encoding: string | undefined; status: number | undefined }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => resolve({ bytes, encoding: res.headers['content-encoding'], status: res.statusCode }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

describe('the resident questionnaire on a phone', () => {
  let survey: Awaited<ReturnType<typeof openTemplateSurvey>>;
  let formUrl: string;
  const suite = useBrowserSuite(async () => {
    survey = await openTemplateSurvey(suite.server.t);
    formUrl = `${suite.server.baseUrl}/s/${survey.pubs[0]!.code}`;
  });

  it('lets a resident answer every question by tapping, submit, and see 提交成功; the response is stored once', async () => {
    suite.context = await phoneContext(suite.browser);
    const page = await suite.context.newPage();
    const errors = await collectConsoleErrors(page);
    const requests = recordRequests(page);

    const res = await page.goto(formUrl);

    expect(res?.status()).toBe(200);
    await expectAccessible(page, 'on the questionnaire');
    await expectNoSidewaysScroll(page, 'on a 390px phone');
    await expectLargeTouchTargets(page, 'on the questionnaire');
    const expected = await answerEverything(page, survey.survey.questions);
    expect(await submit(page)).toBe(303);
    expect(new URL(page.url()).pathname).toBe(`/s/${survey.pubs[0]!.code}/thanks`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(THANKS);
    await expectAccessible(page, 'on the thank-you page');
    await expectNoSidewaysScroll(page, 'on the thank-you page');
    await expectLargeTouchTargets(page, 'on the thank-you page');

    expect(await suite.server.t.store.responses.count({ surveyId: survey.survey.id })).toBe(1);
    const [stored] = await suite.server.t.store.responses.list({ surveyId: survey.survey.id }, { limit: 10 });
    expect(stored).toMatchObject({ siteId: survey.sites[0]!.id, channel: 'qr', segment: 'elderly', answers: expected });
    expect(expected).toMatchObject({ category: 'elderly', received: ['home', 'event'], environment: 'na' });
    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith(`${suite.server.baseUrl}/`))).toEqual([]);
  });

  it('works the same with JavaScript turned off', async () => {
    suite.context = await phoneContext(suite.browser, { javaScriptEnabled: false });
    const page = await suite.context.newPage();
    const requests = recordRequests(page);

    await page.goto(formUrl);
    const expected = await answerEverything(page, survey.survey.questions);
    expect(await submit(page)).toBe(303);

    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(THANKS);
    expect(await suite.server.t.store.responses.count({ surveyId: survey.survey.id })).toBe(1);
    const [stored] = await suite.server.t.store.responses.list({ surveyId: survey.survey.id }, { limit: 10 });
    expect(stored!.answers).toEqual(expected);
    expect(requests.filter((u) => !u.startsWith(`${suite.server.baseUrl}/`))).toEqual([]);
  });

  it('shows each problem next to its question after a failed submission, accessibly, keeping the answers', async () => {
    suite.context = await phoneContext(suite.browser);
    const page = await suite.context.newPage();
    const errors = await collectConsoleErrors(page);
    await page.goto(formUrl);
    // A browser without form validation (or one that ignores `required`) sends the form as it is.
    await page.evaluate("document.querySelector('form.q-form').noValidate = true");
    await answerEverything(page, survey.survey.questions, ['category', 'overall']);

    expect(await submit(page)).toBe(400);

    await expect(page.getByRole('alert').first().textContent()).resolves.toContain('有 2 道题需要修改');
    await expect(page.locator('#err-category').textContent()).resolves.toBe('这道题需要回答。');
    await expect(page.locator('#err-overall').textContent()).resolves.toBe('这道题需要回答。');
    await expect(page.locator('#question-category').getAttribute('aria-describedby')).resolves.toContain('err-category');
    expect(await page.locator('#q_attitude-0').isChecked()).toBe(true);
    expect(await page.locator('#q_received-3').isChecked()).toBe(true);
    await expect(page.locator('#q_suggestions').inputValue()).resolves.toBe(SUGGESTION);
    await expectAccessible(page, 'on the questionnaire showing errors');
    await expectNoSidewaysScroll(page, 'showing errors');
    await expectLargeTouchTargets(page, 'showing errors');
    expect(await suite.server.t.store.responses.count({ surveyId: survey.survey.id })).toBe(0);

    await page.locator('label[for="q_category-0"]').tap();
    await page.locator('label[for="q_overall-1"]').tap();
    expect(await submit(page)).toBe(303);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(THANKS);
    expect(await suite.server.t.store.responses.count({ surveyId: survey.survey.id })).toBe(1);
    expect(unexpectedErrors(errors, [400])).toEqual([]);
  });

  it('fits the screen and stays accessible at 200% text and in 大字模式', async () => {
    suite.context = await phoneContext(suite.browser);
    const page = await suite.context.newPage();
    const errors = await collectConsoleErrors(page);
    await page.goto(formUrl);

    await setTextSize(page, 200);
    await expectNoSidewaysScroll(page, 'at 200% text');
    await expectAccessible(page, 'at 200% text');

    await pressSwitch(page, '大字模式');
    expect(await page.locator('body').getAttribute('class')).toContain('big');
    await expectNoSidewaysScroll(page, 'in 大字模式');
    await expectAccessible(page, 'in 大字模式');
    await expectLargeTouchTargets(page, 'in 大字模式');
    await setTextSize(page, 200);
    await expectNoSidewaysScroll(page, 'in 大字模式 at 200% text');

    // The choice is kept for the next visit, and the button switches it back.
    await page.goto(formUrl);
    expect(await page.locator('body').getAttribute('class')).toContain('big');
    await pressSwitch(page, '标准字号');
    expect(await page.locator('body').getAttribute('class')).not.toContain('big');
    expect(errors).toEqual([]);
  });

  it('enlarges the title, the questions and the options in 大字模式, not only the options', async () => {
    suite.context = await phoneContext(suite.browser);
    const page = await suite.context.newPage();
    const sizes = async () =>
      (await page.evaluate(
        "['h1', 'legend', 'label.opt', 'button.submit'].map((s) => parseFloat(getComputedStyle(document.querySelector(s)).fontSize))",
      )) as number[];
    await page.goto(formUrl);
    const normal = await sizes();
    await pressSwitch(page, '大字模式');
    const big = await sizes();
    normal.forEach((n, i) => expect(big[i]!).toBeGreaterThan(n * 1.25));
  });

  it('keeps a link visit a link visit and the typed answers through 大字模式 and English, and marks the Chinese questions as Chinese', async () => {
    suite.context = await phoneContext(suite.browser);
    const page = await suite.context.newPage();
    const errors = await collectConsoleErrors(page);
    await page.goto(`${formUrl}?via=link`);
    // Answers typed before a switch come back after it: the switches post the form, nothing is stored.
    await page.locator('label[for="q_attitude-3"]').tap();
    await page.locator('#q_suggestions').fill('门口台阶太高\n=希望加扶手');

    await pressSwitch(page, '大字模式');
    await pressSwitch(page, 'English');
    expect(await page.locator('#q_attitude-3').isChecked()).toBe(true);
    expect(await page.locator('#q_suggestions').inputValue()).toBe('门口台阶太高\n=希望加扶手');
    expect(await suite.server.t.store.responses.count({ surveyId: survey.survey.id })).toBe(0);

    expect(new URL(page.url()).searchParams.get('via')).toBe('link');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('body').getAttribute('class')).toContain('big');
    await expect(page.locator('button.submit').textContent()).resolves.toBe('Submit');
    // The questionnaire itself is still in Chinese and must be read out as Chinese.
    expect(await page.locator('h1').getAttribute('lang')).toBe('zh-CN');
    expect(await page.locator('#question-attitude legend span[lang="zh-CN"]').textContent()).toBe('您对社工的服务态度满意吗？');
    expect(await page.locator('label[for="q_attitude-0"] span').getAttribute('lang')).toBe('zh-CN');
    await expectAccessible(page, 'in English with a Chinese questionnaire');
    await answerEverything(page, survey.survey.questions);
    expect(await submit(page)).toBe(303);

    const [stored] = await suite.server.t.store.responses.list({ surveyId: survey.survey.id }, { limit: 10 });
    expect(stored!.channel).toBe('link');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Thank you, your answers were received!');
    // Switching language on the thank-you page stays on it rather than opening a new questionnaire.
    await page.getByRole('link', { name: '中文' }).tap();
    await page.waitForURL((url) => url.searchParams.get('lang') === 'zh-CN');
    expect(new URL(page.url()).pathname).toBe(`/s/${survey.pubs[0]!.code}/thanks`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(THANKS);
    expect(errors).toEqual([]);
  });

  it('keeps assisted entry (代填) when a station worker switches to 大字模式', async () => {
    await addUser(suite.server.t, 'zhan1', 'station', [survey.sites[0]!.id]);
    suite.context = await phoneContext(suite.browser);
    const page = await suite.context.newPage();
    await loginInBrowser(page, suite.server.baseUrl, 'zhan1', TEST_PASSWORD);
    await page.goto(`${formUrl}?assisted=1`);
    await expect(page.locator('.assisted').textContent()).resolves.toContain('代填模式');

    await pressSwitch(page, '大字模式');
    expect(await page.locator('body').getAttribute('class')).toContain('big');

    await expect(page.locator('.assisted').textContent()).resolves.toContain('代填模式');
    await answerEverything(page, survey.survey.questions);
    expect(await submit(page)).toBe(303);
    const [stored] = await suite.server.t.store.responses.list({ surveyId: survey.survey.id }, { limit: 10 });
    expect(stored!.channel).toBe('assisted');
  });

  it("shows a survey that has not opened yet with its opening time on the station's clock", async () => {
    // 00:00 UTC is 08:00 in Asia/Shanghai, the survey's time zone.
    await suite.server.t.store.surveys.update(survey.survey.id, { settings: { ...survey.survey.settings, opensAt: '2099-11-01T00:00:00.000Z' } });
    suite.context = await phoneContext(suite.browser);
    const page = await suite.context.newPage();
    const errors = await collectConsoleErrors(page);

    const res = await page.goto(formUrl);

    expect(res?.status()).toBe(403);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('尚未开始');
    await expect(page.locator('.done p').first().textContent()).resolves.toBe('这份问卷尚未开始，将于 2099-11-01 08:00（北京时间） 开放，请到时再来填写。');
    await expectAccessible(page, 'on the not-yet-open page');
    expect(unexpectedErrors(errors, [403])).toEqual([]);
  });

  it('shows an accessible 410 page when the survey has ended', async () => {
    await setSurveyStatus(suite.server.t.deps, SYSTEM_ACTOR, survey.survey.id, { status: 'closed' });
    suite.context = await phoneContext(suite.browser);
    const page = await suite.context.newPage();
    const errors = await collectConsoleErrors(page);

    const res = await page.goto(formUrl);

    expect(res?.status()).toBe(410);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('调查已结束，感谢参与');
    await expectAccessible(page, 'on the ended page');
    await expectNoSidewaysScroll(page, 'on the ended page');
    expect(unexpectedErrors(errors, [410])).toEqual([]);
  });

  it('weighs at most 20 KB of gzip-compressed HTML and CSS', async () => {
    const html = await compressedSize(formUrl);
    const css = await compressedSize(`${suite.server.baseUrl}/static/css/respond.css`);

    console.log(`resident page weight (gzip): HTML ${html.bytes} B + CSS ${css.bytes} B = ${html.bytes + css.bytes} B (limit ${PAGE_WEIGHT_LIMIT} B)`);
    expect(html).toMatchObject({ status: 200, encoding: 'gzip' });
    expect(css).toMatchObject({ status: 200, encoding: 'gzip' });
    expect(html.bytes + css.bytes).toBeLessThanOrEqual(PAGE_WEIGHT_LIMIT);
  });
});

describe('QR posters in a browser', () => {
  const suite = useBrowserSuite();

  it('shows accessible posters for one station and for all, whose QR image decodes to PUBLIC_BASE_URL/s/<code>', async () => {
    const { survey, pubs } = await openTemplateSurvey(suite.server.t);
    await addUser(suite.server.t, 'wang', 'evaluator');
    suite.context = await desktopContext(suite.browser);
    const page = await suite.context.newPage();
    const errors = await collectConsoleErrors(page);
    const requests = recordRequests(page);
    await loginInBrowser(page, suite.server.baseUrl, 'wang', TEST_PASSWORD);

    const one = await page.goto(`${suite.server.baseUrl}/admin/publications/${pubs[0]!.id}/poster`);
    expect(one?.status()).toBe(200);
    await expect(page.locator('.poster-station').textContent()).resolves.toBe('雄关街道社工站');
    await expect(page.locator('.poster-link strong').textContent()).resolves.toBe(`http://manyi.test/s/${pubs[0]!.code}`);
    const qrShown = await page.locator('img.poster-qr').evaluate((img: unknown) => {
      const i = img as { complete: boolean; naturalWidth: number };
      return i.complete && i.naturalWidth > 0;
    });
    expect(qrShown).toBe(true);
    await expectAccessible(page, 'on the poster');

    const all = await page.goto(`${suite.server.baseUrl}/admin/surveys/${survey.id}/posters`);
    expect(all?.status()).toBe(200);
    expect(await page.locator('article.poster').count()).toBe(2);
    await expectAccessible(page, 'on the page of all posters');

    // Station staff may open the posters on a phone too.
    const phone = await phoneContext(suite.browser, { storageState: await suite.context.storageState() });
    try {
      const phonePage = await phone.newPage();
      const phoneErrors = await collectConsoleErrors(phonePage);
      await phonePage.goto(`${suite.server.baseUrl}/admin/surveys/${survey.id}/posters`);
      await expectAccessible(phonePage, 'on the posters on a phone');
      await expectNoSidewaysScroll(phonePage, 'on the posters on a 390px phone');
      expect(phoneErrors).toEqual([]);
    } finally {
      await phone.close();
    }

    const png = await suite.context.request.get(`${suite.server.baseUrl}/admin/publications/${pubs[0]!.id}/qr.png`);
    expect(png.status()).toBe(200);
    expect(png.headers()['content-type']).toBe('image/png');
    const image = PNG.sync.read(await png.body());
    const decoded = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
    expect(decoded?.data).toBe(`http://manyi.test/s/${pubs[0]!.code}`);

    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith(`${suite.server.baseUrl}/`))).toEqual([]);
  });
});
