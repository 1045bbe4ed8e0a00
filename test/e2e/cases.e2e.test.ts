import request from 'supertest';
import type { Page } from 'playwright-core';
import { addUser, TEST_PASSWORD } from '../helpers/app';
import {
  axeCheck,
  BROWSER_TEST_TIMEOUT,
  desktopContext,
  loginInBrowser,
  noHorizontalScroll,
  phoneContext,
  PHONE,
  useBrowserSuite,
} from '../helpers/browser';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

jest.setTimeout(BROWSER_TEST_TIMEOUT);

async function expectAccessible(page: Page, when: string): Promise<void> {
  const { violations, summary } = await axeCheck(page);
  if (violations.length > 0) throw new Error(`${when}\n${summary}`);
}

describe('以评促改 in a browser', () => {
  let thanksPath = '';
  let siteId = '';
  const suite = useBrowserSuite(async (server) => {
    const t = server.t;
    // Monday 2026-03-02: verification due 03-09.
    t.clock.now = new Date('2026-03-02T02:00:00.000Z');
    const { pubs, sites } = await openTemplateSurvey(t);
    siteId = sites[0]!.id;
    const code = pubs[0]!.code;
    const { agent, fields } = await openForm(t, code, request.agent(t.app));
    t.clock.advance(60_000);
    const res = await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...templateAnswers({ q_attitude: '1' }) })).expect(303);
    thanksPath = res.headers.location!;
  });

  it('offers the receipt code and an optional contact on the thank-you page at phone width, accessibly', async () => {
    suite.context = await phoneContext(suite.browser);
    const page = await suite.context.newPage();
    await page.goto(`${suite.server.baseUrl}${thanksPath}`);
    await expect(page.locator('.receipt-code').innerText()).resolves.toMatch(/^[2-9A-Z]{5}-[2-9A-Z]{5}$/);
    await expect(page.locator('#case-callback').isChecked()).resolves.toBe(false);
    await expectAccessible(page, 'on the thank-you page with the case offer');
    expect(await noHorizontalScroll(page)).toBe(true);
    const submit = page.locator('.case-contact button[type="submit"]');
    expect((await submit.boundingBox())!.height).toBeGreaterThanOrEqual(44);
    expect((await page.locator('#case-phone').boundingBox())!.height).toBeGreaterThanOrEqual(44);
    await page.fill('#case-phone', '12345');
    await submit.click();
    await expect(page.locator('#case-phone-error').innerText()).resolves.toContain('请填写有效的手机号码');
    await expectAccessible(page, 'on the contact form with an error');

    const code = (await page.locator('.receipt-code').innerText()).replace('-', '');
    await page.goto(`${suite.server.baseUrl}/c/${code}`);
    await expect(page.locator('.receipt-status').innerText()).resolves.toContain('待处理');
    await expectAccessible(page, 'on the progress page');
    expect(await noHorizontalScroll(page)).toBe(true);
    await page.goto(`${suite.server.baseUrl}/c/ABCDE23456`);
    await expect(page.locator('main .note').innerText()).resolves.toContain('没有找到这个查询码');
    await expectAccessible(page, 'on the progress page for a wrong code');
  });

  it('takes the contact and shows the progress without JavaScript', async () => {
    suite.context = await phoneContext(suite.browser, { javaScriptEnabled: false });
    const page = await suite.context.newPage();
    await page.goto(`${suite.server.baseUrl}${thanksPath}`);
    await page.fill('#case-phone', '13800138000');
    await page.check('#case-callback');
    await page.locator('.case-contact button[type="submit"]').click();
    await expect(page.locator('.case-offer .note').textContent()).resolves.toContain('已收到您的联系方式');
    await page.locator('a.receipt-link').click();
    expect(new URL(page.url()).pathname).toMatch(/^\/c\/[2-9A-Z]{10}$/);
    await expect(page.locator('.receipt-status').textContent()).resolves.toContain('待处理');
    await expect(page.locator('main').textContent()).resolves.not.toContain('13800138000');
    await page.goto(`${suite.server.baseUrl}/c`);
    await page.fill('#receipt-code', 'abcde-23456');
    await page.locator('.receipt-form button').click();
    await expect(page.locator('main .note').textContent()).resolves.toContain('没有找到这个查询码');
  });

  it.each([
    ['a phone', PHONE],
    ['a desktop', null],
  ])('shows a station worker the case due on the home page first, on %s, accessibly', async (_what, phone) => {
    await addUser(suite.server.t, 'zhanzhang', 'station', [siteId]);
    // 03-10: the verification due 03-09 is late.
    suite.server.t.clock.now = new Date('2026-03-10T02:00:00.000Z');
    suite.context = phone ? await phoneContext(suite.browser) : await desktopContext(suite.browser);
    const page = await suite.context.newPage();
    await loginInBrowser(page, suite.server.baseUrl, 'zhanzhang', TEST_PASSWORD);
    await expect(page.locator('.cases-due').innerText()).resolves.toContain('差评待办 1 件');
    const item = page.locator('.case-item').first();
    await expect(item.innerText()).resolves.toContain('已逾期');
    const headings = await page.locator('main h2').allInnerTexts();
    expect(headings[0]).toBe('待处理的差评');
    await expectAccessible(page, 'on the station home with a late case');
    expect(await noHorizontalScroll(page)).toBe(true);

    await item.locator('a').click();
    await expect(page.locator('h1').innerText()).resolves.toContain('差评处理');
    await expectAccessible(page, 'on the case page');
    expect(await noHorizontalScroll(page)).toBe(true);
  });
});
