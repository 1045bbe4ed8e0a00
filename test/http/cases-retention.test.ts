import { SYSTEM_ACTOR } from '../../server/services/context';
import { recordStep, startCaseJobs } from '../../server/services/cases';
import { csrfFrom, makeTestApp, type TestApp } from '../helpers/app';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

const ADMIN = { ...SYSTEM_ACTOR, id: 'admin-1', name: 'admin', role: 'admin' as const };
const DAY = 86_400_000;

describe('以评促改: contacts are deleted after the retention period', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp({ CASE_CONTACT_DAYS: '30' });
    t.clock.now = new Date('2026-03-02T02:00:00.000Z');
  });
  afterEach(async () => {
    await t.close();
  });

  async function caseWithContact() {
    const setup = await openTemplateSurvey(t);
    const code = setup.pubs[0]!.code;
    const { agent, fields } = await openForm(t, code);
    t.clock.advance(60_000);
    const res = await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...templateAnswers({ q_attitude: '1' }) })).expect(303);
    const page = await agent.get(res.headers.location!);
    await agent.post(`/s/${code}/contact`).type('form').send({ _csrf: csrfFrom(page.text), r: /name="r" value="([^"]+)"/.exec(page.text)![1]!, phone: '13800138000' }).expect(303);
    return (await t.store.cases.list({ surveyId: setup.survey.id }))[0]!;
  }

  const until = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
  };

  it('keeps the contact of an open case however old, and deletes it the configured days after closing, at start and on each run', async () => {
    const c = await caseWithContact();
    t.clock.advance(400 * DAY);
    let stop = startCaseJobs(t.deps, { everyMs: 20 });
    await new Promise((r) => setTimeout(r, 60));
    stop();
    expect(await t.store.cases.getContact(c.id)).not.toBeNull();

    for (const s of [
      { step: 'verify' as const, finding: 'true' as const, note: '属实' },
      { step: 'act' as const, action: 'immediate' as const, item: '', itemDue: null, note: '' },
      { step: 'close' as const, note: '' },
    ])
      await recordStep(t.deps, ADMIN, c.id, s);
    t.clock.advance(30 * DAY - 1000);
    stop = startCaseJobs(t.deps, { everyMs: 20 });
    await new Promise((r) => setTimeout(r, 60));
    expect(await t.store.cases.getContact(c.id)).not.toBeNull();
    // The next hourly run after the retention ran out deletes it; the case and its history stay.
    t.clock.advance(2000);
    await until(async () => (await t.store.cases.getContact(c.id)) === null);
    stop();
    expect(await t.store.cases.getContact(c.id)).toBeNull();
    expect((await t.store.cases.get(c.id))!.named).toBe(true);
  });

  it('runs the sweep at once when started', async () => {
    const c = await caseWithContact();
    for (const s of [
      { step: 'verify' as const, finding: 'false' as const, note: '不属实' },
      { step: 'act' as const, action: 'explain' as const, item: '', itemDue: null, note: '已解释' },
      { step: 'close' as const, note: '' },
    ])
      await recordStep(t.deps, ADMIN, c.id, s);
    t.clock.advance(31 * DAY);
    const stop = startCaseJobs(t.deps, { everyMs: 3600_000 });
    await until(async () => (await t.store.cases.getContact(c.id)) === null);
    stop();
    expect(await t.store.cases.getContact(c.id)).toBeNull();
  });
});
