import type { AddressInfo } from 'node:net';
import { createAppServer } from '../../server/http/app-server';
import request from 'supertest';
import { makeTestApp, type TestApp } from '../helpers/app';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

/** The server npm start runs: requests and responses born with the app's Express prototypes. */
describe('the app server (requests born with the app’s prototypes)', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  async function listening() {
    const server = createAppServer(t.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { server, base, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
  }

  it('hands the app request and response objects whose prototypes are already the app’s, before Express switches any', async () => {
    const seen: { req: boolean; res: boolean }[] = [];
    const server = createAppServer(t.app);
    // Look at the objects as Node made them, ahead of the app.
    server.prependListener('request', (req, res) => {
      seen.push({ req: Object.getPrototypeOf(req) === t.app.request, res: Object.getPrototypeOf(res) === t.app.response });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const { port } = server.address() as AddressInfo;
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect(seen).toEqual([{ req: true, res: true }]);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('serves the same pages, cookies and submissions as a plain Node server', async () => {
    const { survey, pubs } = await openTemplateSurvey(t);
    const code = pubs[0]!.code;
    const s = await listening();
    try {
      for (const path of ['/healthz', '/login', `/s/${code}`, `/s/${code}?lang=en`, '/nowhere', '/admin']) {
        const ours = await request(s.base).get(path);
        const plain = await request(t.app).get(path);
        expect([path, ours.status]).toEqual([path, plain.status]);
        expect([path, ours.headers['content-type']]).toEqual([path, plain.headers['content-type']]);
        expect([path, ([] as string[]).concat(ours.headers['set-cookie'] ?? []).map((c) => c.split('=')[0])]).toEqual([
          path,
          ([] as string[]).concat(plain.headers['set-cookie'] ?? []).map((c) => c.split('=')[0]),
        ]);
      }
      const phone = request.agent(s.base);
      const { fields } = await openForm(t, code, phone as unknown as ReturnType<typeof request.agent>);
      t.clock.advance(60_000);
      const sent = await phone.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...templateAnswers() }));
      expect(sent.status).toBe(303);
      expect(await t.store.responses.count({ surveyId: survey.id })).toBe(1);
    } finally {
      await s.close();
    }
  });
});
