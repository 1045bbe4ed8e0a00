import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { noticeLateCases, sendWebhook } from '../../server/services/case-notices';
import { csrfFrom, loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

interface Mail {
  to: string[];
  raw: string;
}

/** A real SMTP server on a free local port, keeping what it receives. */
async function startSmtp(): Promise<{ port: number; mails: Mail[]; close: () => Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A local HTTP receiver that checks the signature of each POST; answers with `statuses` in turn (then 200). */
async function startReceiver(secret: string, statuses: number[] = []) {
  const received: { event: string; body: Record<string, unknown>; signed: boolean }[] = [];
  let attempts = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      attempts++;
      const raw = Buffer.concat(chunks);
      const expected = `sha256=${crypto.createHmac('sha256', secret).update(raw).digest('hex')}`;
      const got = String(req.headers['x-manyi-signature'] ?? '');
      const signed = got.length === expected.length && crypto.timingSafeEqual(Buffer.from(got), Buffer.from(expected));
      received.push({ event: String(req.headers['x-manyi-event']), body: JSON.parse(raw.toString('utf8')) as Record<string, unknown>, signed });
      res.statusCode = statuses.shift() ?? (signed ? 200 : 401);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/hook`, received, attempts: () => attempts, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('以评促改 notices: e-mail and a signed webhook', () => {
  const SECRET = 'webhook-secret-0123456789';
  let t: TestApp;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let hook: Awaited<ReturnType<typeof startReceiver>>;

  beforeEach(async () => {
    smtp = await startSmtp();
    hook = await startReceiver(SECRET);
    t = await makeTestApp({ SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, SMTP_FROM: 'manyi <cases@manyi.test>', WEBHOOK_URL: hook.url, WEBHOOK_SECRET: SECRET });
    t.clock.now = new Date('2026-03-02T02:00:00.000Z');
  });
  afterEach(async () => {
    await t.close();
    await smtp.close();
    await hook.close();
  });

  async function badReview(setup: Awaited<ReturnType<typeof openTemplateSurvey>>) {
    const code = setup.pubs[0]!.code;
    const { agent, fields } = await openForm(t, code);
    t.clock.advance(60_000);
    await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...templateAnswers({ q_attitude: '1', q_suggestions: '态度差' }) })).expect(303);
  }

  it('e-mails the station’s staff who gave an address and posts a signed webhook when a case opens', async () => {
    const setup = await openTemplateSurvey(t);
    const worker = await loginAs(t, 'station', { siteIds: [setup.sites[0]!.id] });
    const home = await worker.agent.get('/admin').expect(200);
    await worker.agent.post('/admin/notice-email').type('form').send({ _csrf: csrfFrom(home.text), email: 'worker@station.test' }).expect(303);
    await loginAs(t, 'station', { siteIds: [setup.sites[0]!.id] }); // no address: gets nothing
    await loginAs(t, 'station', { siteIds: [setup.sites[1]!.id] }).then(async (other) => {
      const page = await other.agent.get('/admin');
      await other.agent.post('/admin/notice-email').type('form').send({ _csrf: csrfFrom(page.text), email: 'other@station.test' }).expect(303);
    });
    await badReview(setup);
    await until(() => smtp.mails.length > 0 && hook.received.length > 0);
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.to).toEqual(['worker@station.test']);
    expect(smtp.mails[0]!.raw).toContain('From: manyi <cases@manyi.test>');
    expect(smtp.mails[0]!.raw).not.toContain('态度差');
    const [c] = await t.store.cases.list({ surveyId: setup.survey.id });
    expect(hook.received).toEqual([{ event: 'case.opened', signed: true, body: expect.objectContaining({ event: 'case.opened', case: expect.objectContaining({ id: c!.id, siteId: setup.sites[0]!.id, nextDue: '2026-03-09' }) }) }]);
    expect(JSON.stringify(hook.received)).not.toContain('态度差');
    expect(await t.store.audit.count({ action: 'user.email' })).toBe(2);
  });

  it('refuses a malformed notice address', async () => {
    const setup = await openTemplateSurvey(t);
    const worker = await loginAs(t, 'station', { siteIds: [setup.sites[0]!.id] });
    const home = await worker.agent.get('/admin').expect(200);
    await worker.agent.post('/admin/notice-email').type('form').send({ _csrf: csrfFrom(home.text), email: 'not an address' }).expect(303);
    expect((await t.store.users.get(worker.user.id))!.email).toBeUndefined();
  });

  it('never holds up the resident: the thank-you redirect comes while the webhook is still waiting', async () => {
    // A receiver that answers only after 3 seconds.
    let answered = false;
    const slow = http.createServer((req, res) => {
      req.resume();
      setTimeout(() => {
        answered = true;
        res.end();
      }, 3000);
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const slowApp = await makeTestApp({ WEBHOOK_URL: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/`, WEBHOOK_SECRET: SECRET });
    try {
      const setup = await openTemplateSurvey(slowApp);
      const code = setup.pubs[0]!.code;
      const { agent, fields } = await openForm(slowApp, code);
      slowApp.clock.advance(60_000);
      const started = Date.now();
      await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...templateAnswers({ q_attitude: '1' }) })).expect(303);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(answered).toBe(false);
      expect(await slowApp.store.cases.list({ surveyId: setup.survey.id })).toHaveLength(1);
    } finally {
      slow.closeAllConnections();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
      await slowApp.close();
    }
  });

  it('retries the webhook with backoff until it is accepted', async () => {
    const setup = await openTemplateSurvey(t);
    await badReview(setup);
    await until(() => hook.received.length > 0);
    const flaky = await startReceiver(SECRET, [500, 503]);
    const deps = { ...t.deps, config: { ...t.deps.config, webhookUrl: flaky.url } };
    const [c] = await t.store.cases.list({ surveyId: setup.survey.id });
    const attempts = await sendWebhook(deps, 'case.opened', c!, { retryDelays: [10, 20, 40] });
    expect(attempts).toBe(3);
    expect(flaky.received.every((r) => r.signed)).toBe(true);
    await flaky.close();
  });

  it('sends one late notice per missed due day, however often the job runs', async () => {
    const setup = await openTemplateSurvey(t);
    await badReview(setup);
    await until(() => hook.received.length > 0);
    // Verification was due 2026-03-09: late from the 10th.
    t.clock.now = new Date('2026-03-10T02:00:00.000Z');
    expect(await noticeLateCases(t.deps)).toBe(1);
    expect(await noticeLateCases(t.deps)).toBe(0);
    await until(() => hook.received.length > 1);
    expect(hook.received.map((r) => r.event)).toEqual(['case.opened', 'case.late']);
  });
});
