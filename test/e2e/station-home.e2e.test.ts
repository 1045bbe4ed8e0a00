import request from 'supertest';
import type { Page } from 'playwright-core';
import { addUser, TEST_PASSWORD, type TestApp } from '../helpers/app';
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
  type TestServer,
} from '../helpers/browser';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

jest.setTimeout(BROWSER_TEST_TIMEOUT);

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

async function answer(t: TestApp, code: string): Promise<void> {
  const { agent, fields } = await openForm(t, code, request.agent(t.app));
  t.clock.advance(60_000);
  await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...templateAnswers() })).expect(303);
}

describe('a station worker\'s home in a browser', () => {
  let code = '';
  const suite = useBrowserSuite(async (server: TestServer) => {
    const { sites, pubs } = await openTemplateSurvey(server.t);
    code = pubs[0]!.code;
    await answer(server.t, code);
    await answer(server.t, code);
    await addUser(server.t, 'zhanzhang', 'station', [sites[0]!.id]);
  });

  it.each([
    ['a 390px phone', 390],
    ['a 360px phone', 360],
  ])('on %s: 代填问卷 is the first action, at least 44px tall, on the first screen; the page is accessible and fits', async (_what, width) => {
    suite.context = await phoneContext(suite.browser, { viewport: { width, height: 740 } });
    const page = await suite.context.newPage();
    const errors = await collectConsoleErrors(page);

    await loginInBrowser(page, suite.server.baseUrl, 'zhanzhang', TEST_PASSWORD);

    expect(new URL(page.url()).pathname).toBe('/admin');
    const first = page.locator('main a[href], main button').first();
    expect(await first.getAttribute('href')).toBe(`/s/${code}?assisted=1`);
    await expect(first.innerText()).resolves.toContain('代填问卷');
    const box = (await first.boundingBox())!;
    expect(box.height).toBeGreaterThanOrEqual(44);
    expect(box.y + box.height).toBeLessThanOrEqual(740);
    expect(box.x + box.width).toBeLessThanOrEqual(width);
    await expect(page.locator('.pub-numbers dd').allInnerTexts()).resolves.toEqual(['2', '2', '2']);
    await expectAccessible(page, `on the station home at ${width}px`);
    await expectNoSidewaysScroll(page, `at ${width}px`);
    await setTextSize(page, 200);
    await expectNoSidewaysScroll(page, `at ${width}px with 200% text`);
    expect(errors).toEqual([]);
  });

  it('is accessible on a desktop, and its 代填 link opens the assisted questionnaire', async () => {
    suite.context = await desktopContext(suite.browser);
    const page = await suite.context.newPage();
    const errors = await collectConsoleErrors(page);
    await loginInBrowser(page, suite.server.baseUrl, 'zhanzhang', TEST_PASSWORD);

    await expectAccessible(page, 'on the station home on a desktop');
    await page.locator('main a.assist-button').first().click();

    await page.waitForURL((url) => url.pathname === `/s/${code}`);
    expect(await page.locator('.assisted').count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });
});
