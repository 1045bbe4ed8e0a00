import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../server/app';
import { SYSTEM_ACTOR } from '../../server/services/context';
import { setPublicationActive } from '../../server/services/publications';
import { editQuestions, setSurveyStatus, updateSurveyMeta } from '../../server/services/surveys';
import { loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { stableHeaders as stableHeadersOf, withoutTokens } from '../helpers/compare-responses';
import { formBody, formFields, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

/** The response body as sent (no decoding by the client), and its headers: plain node:http, as supertest would gunzip. */
async function raw(t: TestApp, path: string, headers: Record<string, string> = {}) {
  const server = t.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<{ status: number; headers: Record<string, string>; body: Buffer }>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers as Record<string, string>, body: Buffer.concat(chunks) }));
        })
        .on('error', reject);
    });
  } finally {
    server.close();
  }
}

const page = (body: Buffer, encoding: string | undefined) => (encoding === 'gzip' ? zlib.gunzipSync(body) : body).toString('utf8');
/** The stable headers, content encoding aside (the tests check it on its own: a fresh render may be compressed differently). */
const stableHeaders = (h: Record<string, string>) => {
  const { 'content-encoding': _ce, ...rest } = stableHeadersOf(h);
  return rest;
};

describe('the resident form served from the page cache', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it('gives two requests different tokens and identical static parts, as one valid gzip stream', async () => {
    const { pubs } = await openTemplateSurvey(t);
    const a = await raw(t, `/s/${pubs[0]!.code}`, { 'accept-encoding': 'gzip' });
    const b = await raw(t, `/s/${pubs[0]!.code}`, { 'accept-encoding': 'gzip' });
    expect(a.headers['content-encoding']).toBe('gzip');
    expect(Number(a.headers['content-length'])).toBe(a.body.length);
    const [htmlA, htmlB] = [page(a.body, 'gzip'), page(b.body, 'gzip')];
    expect(formFields(htmlA).ft).not.toBe(formFields(htmlB).ft);
    // The form token is bound to the phone's device cookie and is the form's CSRF check: no CSRF token in the page.
    expect(htmlA).not.toContain('name="_csrf"');
    expect(withoutTokens(htmlA)).toBe(withoutTokens(htmlB));
    expect(htmlA).toContain('</html>');
  });

  it('equals a fresh render apart from the tokens, with the same headers, gzip or not', async () => {
    const { pubs } = await openTemplateSurvey(t);
    const code = pubs[0]!.code;
    // A query the cache does not know is rendered afresh (and compressed by the compression middleware).
    const fresh = await raw(t, `/s/${code}?from=poster`, { 'accept-encoding': 'gzip' });
    const cached = await raw(t, `/s/${code}`, { 'accept-encoding': 'gzip' });
    const plain = await raw(t, `/s/${code}`, { 'accept-encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    const freshHtml = withoutTokens(page(fresh.body, fresh.headers['content-encoding']));
    expect(withoutTokens(page(cached.body, 'gzip'))).toBe(freshHtml);
    expect(withoutTokens(page(plain.body, undefined))).toBe(freshHtml);
    expect(stableHeaders(cached.headers)).toEqual(stableHeaders(fresh.headers));
    expect(cached.headers['content-security-policy']).toContain("script-src 'self'");
    expect(cached.headers['cache-control']).toBe('no-store');
    expect(cached.headers['vary']).toMatch(/Accept-Encoding/);
    // Same cookies: a first visit gets its device cookie (and no CSRF cookie: the form token is bound to the device).
    const names = (h: Record<string, string>) => ([] as string[]).concat(h['set-cookie'] ?? []).map((c) => c.split('=')[0]).sort();
    expect(names(cached.headers)).toEqual(names(fresh.headers));
    expect(names(cached.headers)).toEqual(['manyi.device']);
  });

  it('takes a submission made from a cached page', async () => {
    const { survey, pubs } = await openTemplateSurvey(t);
    const { agent, fields } = await openForm(t, pubs[0]!.code);
    t.clock.advance(60_000);
    await agent.post(`/s/${pubs[0]!.code}`).type('form').send(formBody({ ...fields!, ...templateAnswers() })).expect(303);
    expect(await t.store.responses.count({ surveyId: survey.id })).toBe(1);
  });

  it('never serves a stale page after a survey edit, a new version or a renamed station', async () => {
    const { survey, pubs, sites } = await openTemplateSurvey(t);
    const code = pubs[0]!.code;
    expect((await request(t.app).get(`/s/${code}`)).text).toContain('社工站服务对象满意度调查');

    await updateSurveyMeta(t.deps, SYSTEM_ACTOR, survey.id, { title: '改过的标题' });
    const edited = await request(t.app).get(`/s/${code}`).expect(200);
    expect(edited.text).toContain('改过的标题');

    // A response freezes version 1: the next question edit makes version 2.
    const { agent, fields } = await openForm(t, code);
    t.clock.advance(60_000);
    await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...templateAnswers() })).expect(303);
    await editQuestions(t.deps, SYSTEM_ACTOR, survey.id, 1, { op: 'add', type: 'text', text: '第二版新增的问题' });
    const v2 = await request(t.app).get(`/s/${code}`).expect(200);
    expect(v2.text).toContain('第二版新增的问题');
    expect(JSON.parse(Buffer.from(formFields(v2.text).ft.split('.')[0]!, 'base64url').toString())[1]).toBe(2);

    await t.store.sites.update(sites[0]!.id, { name: '改名后的社工站', updatedAt: new Date().toISOString() });
    expect((await request(t.app).get(`/s/${code}`)).text).toContain('改名后的社工站');
  });

  it('never serves the form of a paused station or a closed survey', async () => {
    const { survey, pubs } = await openTemplateSurvey(t);
    const code = pubs[0]!.code;
    await request(t.app).get(`/s/${code}`).expect(200);
    await setPublicationActive(t.deps, SYSTEM_ACTOR, pubs[0]!.id, false);
    const paused = await request(t.app).get(`/s/${code}`);
    expect(paused.text).not.toContain('name="ft"');
    await setPublicationActive(t.deps, SYSTEM_ACTOR, pubs[0]!.id, true);
    await request(t.app).get(`/s/${code}`).expect(200);
    await setSurveyStatus(t.deps, SYSTEM_ACTOR, survey.id, { status: 'closed' });
    const closed = await request(t.app).get(`/s/${code}`);
    expect(closed.text).not.toContain('name="ft"');
  });

  it('keeps the language and large-text variants apart', async () => {
    const { pubs } = await openTemplateSurvey(t);
    const code = pubs[0]!.code;
    const zh = await request(t.app).get(`/s/${code}`).expect(200);
    expect(zh.text).toContain('<html lang="zh-CN">');
    const en = await request(t.app).get(`/s/${code}?lang=en`).expect(200);
    expect(en.text).toContain('<html lang="en">');
    const big = await request(t.app).get(`/s/${code}?big=1`).expect(200);
    expect(big.text).toContain('class="respond big"');
    expect((await request(t.app).get(`/s/${code}`)).text).toContain('<html lang="zh-CN">');
    expect((await request(t.app).get(`/s/${code}`)).text).not.toContain('class="respond big"');
  });
});

/** Set-Cookie values without the cookie's value and expiry date: what must be the same whichever path set it. */
const cookieShapes = (h: Record<string, string | string[]>) =>
  ([] as string[])
    .concat(h['set-cookie'] ?? [])
    .map((c) => c.replace(/^([^=]+)=[^;]*/, '$1=…').replace(/Expires=[^;]+/, 'Expires=…'))
    .sort();

describe('the lean path of the blank form (issue 17)', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => {
    await t.close();
  });
  const leanServed = () => (t.app.locals.residentLeanServed as () => number)();

  it('serves a page already rendered past the middleware chain, with the page, headers and cookies of the full chain', async () => {
    const { pubs } = await openTemplateSurvey(t);
    const code = pubs[0]!.code;
    for (const encoding of ['gzip', 'identity']) {
      const before = leanServed();
      // A query the lean path leaves alone goes the whole way (rendered afresh, compressed by the compression middleware).
      const full = await raw(t, `/s/${code}?from=poster`, { 'accept-encoding': encoding });
      await raw(t, `/s/${code}`, { 'accept-encoding': encoding });
      const lean = await raw(t, `/s/${code}`, { 'accept-encoding': encoding });
      expect(leanServed()).toBeGreaterThan(before);
      expect(lean.status).toBe(200);
      expect(withoutTokens(page(lean.body, lean.headers['content-encoding']))).toBe(withoutTokens(page(full.body, full.headers['content-encoding'])));
      expect(stableHeaders(lean.headers)).toEqual(stableHeaders(full.headers));
      expect(cookieShapes(lean.headers)).toEqual(cookieShapes(full.headers));
      expect(lean.headers['content-encoding']).toBe(encoding === 'gzip' ? 'gzip' : undefined);
      expect(Number(lean.headers['content-length'])).toBe(lean.body.length);
    }
  });

  it('serves a cached page whether the publication is at hand at once or read again after the catalog changed', async () => {
    const { pubs, sites } = await openTemplateSurvey(t);
    const code = pubs[0]!.code;
    await request(t.app).get(`/s/${code}`).expect(200);
    const before = leanServed();
    const stamp = await t.store.catalogStamp();
    await request(t.app).get(`/s/${code}`).expect(200);
    expect(leanServed()).toBe(before + 1);
    // Another station renamed: the stamp moves, so the publication is read again (the waiting path); this page is unchanged and still cached.
    await t.store.sites.update(sites[1]!.id, { name: '改了名的社工站' });
    expect(await t.store.catalogStamp()).not.toBe(stamp);
    const again = await request(t.app).get(`/s/${code}`).expect(200);
    expect(leanServed()).toBe(before + 2);
    expect(again.text).toContain(sites[0]!.name);
    // The station of this page renamed: a new page, rendered by the full chain first, then served from the cache again.
    await t.store.sites.update(sites[0]!.id, { name: '新名字社工站' });
    expect((await request(t.app).get(`/s/${code}`).expect(200)).text).toContain('新名字社工站');
    expect(leanServed()).toBe(before + 2);
    expect((await request(t.app).get(`/s/${code}`).expect(200)).text).toContain('新名字社工站');
    expect(leanServed()).toBe(before + 3);
  });

  it("keeps a returning phone's device, and the tokens it serves take a submission", async () => {
    const { survey, pubs } = await openTemplateSurvey(t);
    const code = pubs[0]!.code;
    const agent = request.agent(t.app);
    const first = await agent.get(`/s/${code}`).expect(200);
    const device = ([] as string[]).concat(first.headers['set-cookie'] ?? []).find((c) => c.startsWith('manyi.device='));
    expect(device).toBeDefined();
    const before = leanServed();
    const second = await agent.get(`/s/${code}`).expect(200);
    expect(leanServed()).toBe(before + 1);
    // The device cookie is not replaced; the CSRF token is the one bound to that device.
    expect(([] as string[]).concat(second.headers['set-cookie'] ?? []).some((c) => c.startsWith('manyi.device='))).toBe(false);
    t.clock.advance(60_000);
    await agent.post(`/s/${code}`).type('form').send(formBody({ ...formFields(second.text), ...templateAnswers() })).expect(303);
    expect(await t.store.responses.count({ surveyId: survey.id })).toBe(1);
    // One answer per device: the same phone now gets the already-answered page, from the full chain.
    const again = await agent.get(`/s/${code}`).expect(200);
    expect(again.text).not.toContain('name="ft"');
    expect(leanServed()).toBe(before + 1);
  });

  it('refuses a form token it served to one phone when another phone posts it', async () => {
    const { survey, pubs } = await openTemplateSurvey(t);
    const code = pubs[0]!.code;
    await request(t.app).get(`/s/${code}`).expect(200);
    const a = await openForm(t, code);
    const b = await openForm(t, code);
    expect(leanServed()).toBeGreaterThanOrEqual(2);
    t.clock.advance(60_000);
    await b.agent.post(`/s/${code}`).type('form').send(formBody({ ...b.fields!, ft: a.fields!.ft, ...templateAnswers() })).expect(403);
    expect(await t.store.responses.count({ surveyId: survey.id })).toBe(0);
  });

  it('keeps every check of a submission made from a form it served: replay, honeypot, a forged or foreign form token, no device cookie', async () => {
    const { survey, pubs } = await openTemplateSurvey(t);
    const [code, other] = [pubs[0]!.code, pubs[1]!.code];
    await request(t.app).get(`/s/${code}`).expect(200);
    await request(t.app).get(`/s/${other}`).expect(200);
    const before = leanServed();
    const a = await openForm(t, code);
    const b = await openForm(t, code);
    const c = await openForm(t, code);
    const d = await openForm(t, code);
    const foreign = await openForm(t, other);
    expect(leanServed()).toBe(before + 5);
    t.clock.advance(60_000);
    // Replayed: the same form posted three times at once is stored once.
    const replay = formBody({ ...a.fields!, ...templateAnswers({ q_suggestions: '重复提交' }) });
    const replies = await Promise.all([1, 2, 3].map(() => a.agent.post(`/s/${code}`).type('form').send(replay)));
    expect(replies.map((r) => r.status)).toEqual([303, 303, 303]);
    // The honeypot filled in: stored, flagged, not counted.
    await b.agent.post(`/s/${code}`).type('form').send(formBody({ ...b.fields!, ...templateAnswers({ q_suggestions: '机器人' }), website: 'http://spam.example' })).expect(303);
    // A forged token (its MAC changed) is no CSRF check: 403. Another station's token of this phone: 400. Nothing stored.
    const forged = c.fields!.ft!.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A'));
    await c.agent.post(`/s/${code}`).type('form').send(formBody({ ...c.fields!, ft: forged, ...templateAnswers() })).expect(403);
    const sameDevice = await openForm(t, other, d.agent);
    await d.agent.post(`/s/${code}`).type('form').send(formBody({ ...d.fields!, ft: sameDevice.fields!.ft, ...templateAnswers() })).expect(400);
    // Another phone's token for this station, and this phone's token without its device cookie: 403.
    await d.agent.post(`/s/${code}`).type('form').send(formBody({ ...d.fields!, ft: foreign.fields!.ft, ...templateAnswers() })).expect(403);
    await request(t.app).post(`/s/${code}`).type('form').send(formBody({ ...d.fields!, ...templateAnswers() })).expect(403);
    const stored = await t.store.responses.list({ surveyId: survey.id }, { limit: 10 });
    expect(stored.map((r) => r.answers.suggestions).sort()).toEqual(['机器人', '重复提交']);
    expect(stored.find((r) => r.answers.suggestions === '机器人')!.flags).toEqual(['honeypot']);
    expect(stored.find((r) => r.answers.suggestions === '重复提交')!.flags).toEqual([]);
  });

  it('leaves staff, other queries, unknown codes and paused stations to the full chain', async () => {
    const { pubs, sites } = await openTemplateSurvey(t);
    const code = pubs[0]!.code;
    await request(t.app).get(`/s/${code}`).expect(200);
    const { agent } = await loginAs(t, 'station', { siteIds: [sites[0]!.id] });
    const before = leanServed();
    await agent.get(`/s/${code}`).expect(200);
    await request(t.app).get(`/s/${code}?lang=en`).expect(200);
    await request(t.app).get(`/s/${code}?via=link&x=1`).expect(200);
    await request(t.app).get(`/s/${code}?via=link&via=qr`).expect(200);
    await request(t.app).get('/s/nosuchcode').expect(404);
    await setPublicationActive(t.deps, SYSTEM_ACTOR, pubs[0]!.id, false);
    await request(t.app).get(`/s/${code}`).expect(503);
    expect(leanServed()).toBe(before);
    await setPublicationActive(t.deps, SYSTEM_ACTOR, pubs[0]!.id, true);
    // ?via=link is a page of its own (the form posts back with it), served lean once rendered.
    await request(t.app).get(`/s/${code}?via=link`).expect(200);
    const link = await request(t.app).get(`/s/${code}?via=link`).expect(200);
    expect(leanServed()).toBe(before + 1);
    expect(link.text).toContain(`action="/s/${code}?via=link"`);
  });

  it('logs a request it serves once when request lines are logged', async () => {
    const { pubs } = await openTemplateSurvey(t);
    const code = pubs[0]!.code;
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const app = createApp({ config: { ...t.config, logLevel: 'info' }, store: t.store, clock: () => t.clock.now, logger });
    await request(app).get(`/s/${code}`).expect(200);
    lines.length = 0;
    const res = await request(app).get(`/s/${code}`).expect(200);
    expect((app.locals.residentLeanServed as () => number)()).toBe(1);
    const logged = lines.map((l) => JSON.parse(l) as { req?: { url: string; id: string }; res?: { statusCode: number } }).filter((l) => l.req);
    expect(logged).toHaveLength(1);
    expect(logged[0]!.req!.url).toBe(`/s/${code}`);
    expect(logged[0]!.res!.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toBe(logged[0]!.req!.id);
    expect(cookieShapes(res.headers)).toHaveLength(1);
  });
});
