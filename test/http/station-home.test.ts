import request from 'supertest';
import type { Site } from '../../models/site';
import { SYSTEM_ACTOR } from '../../server/services/context';
import { publishAtSites } from '../../server/services/publications';
import { setSurveyStatus } from '../../server/services/surveys';
import { loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { siteFixture } from '../helpers/fixtures';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

type Agent = ReturnType<typeof request.agent>;

/** A resident answers on their own phone; `quick` answers faster than the minimum time (flagged speeder, so not valid). */
async function answer(t: TestApp, code: string, quick = false): Promise<void> {
  const { agent, fields } = await openForm(t, code);
  if (!quick) t.clock.advance(60_000);
  await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...templateAnswers() })).expect(303);
}

/** The number shown under a label on the home page (one publication on the page). */
function shown(html: string, label: string): number[] {
  return [...html.matchAll(new RegExp(`<dt>${label}</dt><dd>(\\d+)</dd>`, 'g'))].map((m) => Number(m[1]));
}

describe('a station worker\'s home', () => {
  let t: TestApp;
  let setup: Awaited<ReturnType<typeof openTemplateSurvey>>;
  let stationA: Agent;
  const siteA = () => setup.sites[0]!;
  const siteB = () => setup.sites[1]!;
  const pubA = () => setup.pubFor(siteA());
  const pubB = () => setup.pubFor(siteB());

  beforeAll(async () => {
    t = await makeTestApp();
    // 23:40 yesterday in Shanghai, so the day turns within the test.
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
    t.clock.now = new Date(Date.parse(`${today}T23:40:00+08:00`) - 24 * 3600_000);
    setup = await openTemplateSurvey(t);
    stationA = (await loginAs(t, 'station', { siteIds: [siteA().id] })).agent;
    await answer(t, pubA().code);
    await answer(t, pubA().code);
    await answer(t, pubA().code, true);
    await answer(t, pubB().code);
  });
  afterAll(async () => {
    await t.close();
  });

  it('puts assisted entry first: one large 代填问卷 link per open survey at their station, before any number', async () => {
    const home = await stationA.get('/admin').expect(200);

    const main = home.text.slice(home.text.indexOf('<main'));
    const firstLink = /<a [^>]*href="([^"]+)"/.exec(main)![1];
    expect(firstLink).toBe(`/s/${pubA().code}?assisted=1`);
    expect(main.indexOf('代填问卷')).toBeLessThan(main.indexOf('<dt>'));
    expect(home.text).not.toContain(`/s/${pubB().code}`);
  });

  it('shows only their station\'s answers: today, total and valid, from the tallies', async () => {
    const home = await stationA.get('/admin').expect(200);

    expect(home.text).toContain(siteA().name);
    expect(home.text).not.toContain(siteB().name);
    expect(shown(home.text, '今日答卷')).toEqual([3]);
    expect(shown(home.text, '累计答卷')).toEqual([3]);
    expect(shown(home.text, '有效答卷')).toEqual([2]);
    // No survey-wide counts, which would include station B.
    expect(home.text).not.toContain('已收回答卷');
  });

  it('shows progress to the sample required for the station\'s recipients as "valid / target (percent)" with a progress bar', async () => {
    const home = await stationA.get('/admin').expect(200);

    // 120 recipients: n = 385 / (1 + 384/120) → 92; 2 valid → 2%.
    expect(home.text).toContain('2 / 92 (2%)');
    expect(home.text).toMatch(/<progress max="92" value="2" aria-labelledby="progress-[^"]+">/);
    expect(home.text).toContain('服务对象 120 人');
  });

  it('offers the QR code, poster PNG, poster PDF and the printable poster of their publication', async () => {
    const home = await stationA.get('/admin').expect(200);

    for (const file of ['qr.png', 'poster.png', 'poster.pdf', 'poster']) expect(home.text).toContain(`href="/admin/publications/${pubA().id}/${file}"`);
    expect(home.text).not.toContain(pubB().id);
  });

  it('moves today\'s count and the total after one more answer, and starts today again the next day', async () => {
    await answer(t, pubA().code);
    const after = await stationA.get('/admin').expect(200);
    expect(shown(after.text, '今日答卷')).toEqual([4]);
    expect(shown(after.text, '累计答卷')).toEqual([4]);
    expect(shown(after.text, '有效答卷')).toEqual([3]);

    // Past midnight in Shanghai.
    t.clock.advance(20 * 60_000);
    const nextDay = await stationA.get('/admin').expect(200);
    expect(shown(nextDay.text, '今日答卷')).toEqual([0]);
    expect(shown(nextDay.text, '累计答卷')).toEqual([4]);
  });

  it('names the day and time zone that "today" means', async () => {
    const home = await stationA.get('/admin').expect(200);

    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(t.clock.now);
    expect(home.text).toContain(`“今日”指 ${day}（Asia/Shanghai 时间）。`);
  });

  it('shows the survey\'s target per station when set, and 目标未设定 when there is neither target nor population', async () => {
    const other = await makeTestApp();
    try {
      const s = await openTemplateSurvey(other, { targetSamplePerSite: 4 });
      const unknown: Site = siteFixture({ code: 'NOPOP', name: '未填人数社工站', recipients: null });
      await other.store.sites.create(unknown);
      const { agent } = await loginAs(other, 'station', { siteIds: [s.sites[0]!.id, unknown.id] });
      await answer(other, s.pubs[0]!.code);
      await answer(other, s.pubs[0]!.code);

      const withTarget = await agent.get('/admin').expect(200);
      expect(withTarget.text).toContain('2 / 4 (50%)');
      expect(withTarget.text).toContain('目标为问卷设置的每站样本量 4 份。');

      await other.store.surveys.update(s.survey.id, { settings: { ...s.survey.settings, targetSamplePerSite: null } });
      await publishAtSites(other.deps, SYSTEM_ACTOR, s.survey.id, { siteIds: [unknown.id] });
      const without = await agent.get('/admin').expect(200);
      expect(without.text).toContain('未填人数社工站');
      expect(without.text).toContain('目标未设定');
      expect((without.text.match(/<progress /g) ?? []).length).toBe(1);
    } finally {
      await other.close();
    }
  });

  it('offers no assisted entry for a closed survey but still shows its numbers, and leaves out archived surveys', async () => {
    const other = await makeTestApp();
    try {
      const s = await openTemplateSurvey(other);
      const { agent } = await loginAs(other, 'station', { siteIds: [s.sites[0]!.id] });
      await answer(other, s.pubs[0]!.code);
      await setSurveyStatus(other.deps, SYSTEM_ACTOR, s.survey.id, { status: 'closed' });

      const closed = await agent.get('/admin').expect(200);
      expect(closed.text).not.toContain('?assisted=1');
      expect(closed.text).toContain('现在没有可以作答的问卷');
      expect(closed.text).toContain('<span class="badge stage-closed">已结束</span>');
      expect(shown(closed.text, '累计答卷')).toEqual([1]);

      await setSurveyStatus(other.deps, SYSTEM_ACTOR, s.survey.id, { status: 'archived' });
      const archived = await agent.get('/admin').expect(200);
      expect(archived.text).not.toContain(s.survey.title);
      expect(archived.text).toContain('本站还没有发布问卷。');
    } finally {
      await other.close();
    }
  });

  it('is in English when the page is', async () => {
    const home = await stationA.get('/admin?lang=en').expect(200);

    expect(home.text).toContain('Enter answers for a resident');
    expect(shown(home.text, 'All answers')).toEqual([4]);
    await stationA.get('/admin?lang=zh-CN').expect(200);
  });

  it('still shows other roles the overall counts', async () => {
    const { agent } = await loginAs(t, 'evaluator');

    const home = await agent.get('/admin').expect(200);

    expect(home.text).toContain('站点 2 个，问卷 1 份，已收回答卷 5 份。');
    expect(home.text).not.toContain('?assisted=1');
  });
});
