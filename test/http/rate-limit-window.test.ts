import { RATE_SYNC_MS } from '../../server/http/rate-limit';
import { makeTestApp, type TestApp } from '../helpers/app';
import { formBody, openForm, openTemplateSurvey } from '../helpers/survey';

describe('submission limits over HTTP: a window lasts 60 s from its first submission', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp({ SUBMIT_LIMIT_PER_IP: '3' });
  });
  afterEach(async () => {
    await t.close();
  });

  it('accepts submissions again 60 s after the first, though the counts reached the store later', async () => {
    const { pubs } = await openTemplateSurvey(t);
    const code = pubs[0]!.code;
    const { agent, fields } = await openForm(t, code);
    const post = async () => (await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, q_category: 'bogus' }))).status;
    const t0 = t.clock.now.getTime();
    const statuses = [await post(), await post(), await post()];
    // The instance sends its counts to the store on a timer: let it fire while the app's clock reads t0 + 900 ms.
    t.clock.advance(900);
    await new Promise((resolve) => setTimeout(resolve, RATE_SYNC_MS + 500));
    t.clock.now = new Date(t0 + 59_999);
    statuses.push(await post());
    t.clock.now = new Date(t0 + 60_001);
    statuses.push(await post());
    // 400: counted and refused for its bogus answer; 429: over the limit.
    expect(statuses).toEqual([400, 400, 400, 429, 400]);
  });
});
