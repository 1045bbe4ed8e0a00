import { BROWSER_TEST_TIMEOUT, phoneContext, useBrowserSuite } from '../helpers/browser';
import { openTemplateSurvey } from '../helpers/survey';

jest.setTimeout(BROWSER_TEST_TIMEOUT);

describe('the cached resident form in chromium', () => {
  let formUrl = '';
  const suite = useBrowserSuite(async (server) => {
    const { pubs } = await openTemplateSurvey(server.t);
    formUrl = `${server.baseUrl}/s/${pubs[0]!.code}`;
  });

  it('decodes the spliced gzip page whole, first visit and again, with its tokens in place', async () => {
    suite.context = await phoneContext(suite.browser);
    const page = await suite.context.newPage();
    for (let visit = 0; visit < 2; visit++) {
      const res = await page.goto(formUrl);
      expect(res?.status()).toBe(200);
      expect((await res!.allHeaders())['content-encoding']).toBe('gzip');
      // Everything after the spliced tokens arrived: the last question, the submit button, the footer.
      await page.locator('button.submit').waitFor();
      expect(await page.locator('footer.foot').count()).toBe(1);
      expect(await page.locator('fieldset, .q').count()).toBeGreaterThan(10);
      // The form token (the page's last field, bound to the phone's device cookie: the form's CSRF check).
      const ft = await page.locator('input[name="ft"]').inputValue();
      expect(ft).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
      expect(await page.locator('input[name="_csrf"]').count()).toBe(0);
      expect((await res!.text()).endsWith('</html>\n')).toBe(true);
    }
  });
});
