import request from 'supertest';
import { listRoutes } from '../../server/http/routes-list';
import { createApiToken } from '../../server/services/tokens';
import { MAX_FAILED_LOGINS } from '../../server/services/users';
import { addUser, csrfFrom, loginAs, makeTestApp, TEST_PASSWORD, type TestApp } from '../helpers/app';

describe('foundation: health, login, access, CSRF, headers', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it('answers /healthz and /readyz with the store kind', async () => {
    await request(t.app).get('/healthz').expect(200, { status: 'ok' });
    await request(t.app).get('/readyz').expect(200, { status: 'ok', store: t.kind });
  });

  it('reports 503 on /readyz when the store is closed', async () => {
    await t.store.close();
    await request(t.app).get('/readyz').expect(503, { status: 'unavailable', store: t.kind, reason: 'unreachable' });
  });

  it('logs in with the right password, shows the admin shell, and logs out', async () => {
    await addUser(t, 'alice', 'evaluator');
    const agent = request.agent(t.app);
    const form = await agent.get('/login').expect(200);
    expect(form.text).toContain('<label for="username">用户名</label>');
    const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(form.text), username: 'alice', password: TEST_PASSWORD, next: '/admin' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin');
    const home = await agent.get('/admin').expect(200);
    expect(home.text).toContain('当前用户：alice（评价人员）');
    for (const area of ['站点', '问卷', '统计', '绩效评价', '导出']) expect(home.text).toContain(area);
    await agent.post('/logout').type('form').send({ _csrf: csrfFrom(home.text) }).expect(303).expect('location', '/login?notice=loggedOut');
    const after = await agent.get('/admin');
    expect(after.status).toBe(303);
    expect(after.headers.location).toBe('/login?next=%2Fadmin');
  });

  it('keeps a session for its eight hours on the app clock, wherever that clock stands, and ends it after', async () => {
    t.clock.advance(10 * 3600_000);
    const { agent } = await loginAs(t, 'evaluator');
    await agent.get('/admin').expect(200);
    t.clock.advance(7 * 3600_000);
    await agent.get('/admin').expect(200);
    t.clock.advance(2 * 3600_000);
    const after = await agent.get('/admin');
    expect(after.status).toBe(303);
    expect(after.headers.location).toMatch(/^\/login/);
  });

  it('refuses a wrong password without saying whether the user exists', async () => {
    await addUser(t, 'bob', 'viewer');
    const agent = request.agent(t.app);
    const csrf = csrfFrom((await agent.get('/login')).text);
    const wrong = await agent.post('/login').type('form').send({ _csrf: csrf, username: 'bob', password: 'not the password' });
    const unknown = await agent.post('/login').type('form').send({ _csrf: csrf, username: 'nobody', password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.text).toContain('用户名或密码不正确。');
    expect(unknown.text).toContain('用户名或密码不正确。');
    expect(wrong.text).toContain('value="bob"');
    await agent.get('/admin').expect(303);
    expect(await t.store.audit.count({ action: 'login.failed' })).toBe(2);
  });

  it('locks the account after repeated failures, even for the right password, until the lock expires', async () => {
    await addUser(t, 'carol', 'evaluator');
    const agent = request.agent(t.app);
    const csrf = csrfFrom((await agent.get('/login')).text);
    for (let i = 0; i < MAX_FAILED_LOGINS - 1; i++) {
      await agent.post('/login').type('form').send({ _csrf: csrf, username: 'carol', password: 'wrong password!' }).expect(401);
    }
    const locked = await agent.post('/login').type('form').send({ _csrf: csrf, username: 'carol', password: 'wrong password!' });
    expect(locked.status).toBe(429);
    expect(locked.text).toContain('账户已暂时锁定');
    await agent.post('/login').type('form').send({ _csrf: csrf, username: 'carol', password: TEST_PASSWORD }).expect(429);
    expect(await t.store.audit.count({ action: 'user.locked' })).toBe(1);
    t.clock.advance(16 * 60_000);
    await agent.post('/login').type('form').send({ _csrf: csrf, username: 'carol', password: TEST_PASSWORD }).expect(303);
  });

  it('rejects a form without a valid CSRF token and changes nothing', async () => {
    await addUser(t, 'dave', 'evaluator');
    const agent = request.agent(t.app);
    await agent.get('/login');
    const missing = await agent.post('/login').type('form').send({ username: 'dave', password: TEST_PASSWORD });
    expect(missing.status).toBe(403);
    expect(missing.text).toContain('页面已过期或表单来源无法验证');
    await agent.post('/login').type('form').send({ _csrf: 'forged', username: 'dave', password: TEST_PASSWORD }).expect(403);
    await agent.get('/admin').expect(303);
    // A logged-in admin's form without the token does nothing either.
    const { agent: admin } = await loginAs(t, 'admin');
    await admin.post('/admin/users').type('form').send({ username: 'eve', password: 'long enough password', role: 'viewer' }).expect(403);
    expect(await t.store.users.findByUsername('eve')).toBeNull();
  });

  it('gives a new session id at login (no session fixation) and invalidates it at logout', async () => {
    await addUser(t, 'frank', 'evaluator');
    const agent = request.agent(t.app);
    const page = await agent.get('/login');
    const login = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), username: 'frank', password: TEST_PASSWORD });
    const sid = /manyi\.sid=([^;]+)/.exec(String(login.headers['set-cookie']))![1];
    const home = await agent.get('/admin').expect(200);
    await agent.post('/logout').type('form').send({ _csrf: csrfFrom(home.text) }).expect(303);
    // Replaying the old cookie after logout gets nothing.
    await request(t.app).get('/admin').set('Cookie', `manyi.sid=${sid}`).expect(303);
  });

  it('only lets an administrator manage users', async () => {
    const { agent } = await loginAs(t, 'evaluator');
    await agent.get('/admin/users').expect(403);
    await agent.get('/admin/audit').expect(403);
    const { agent: admin } = await loginAs(t, 'admin');
    const page = await admin.get('/admin/users').expect(200);
    await admin.post('/admin/users').type('form').send({ _csrf: csrfFrom(page.text), username: 'gina', password: 'a long password 123', role: 'viewer' }).expect(303);
    expect(await t.store.users.findByUsername('gina')).toMatchObject({ role: 'viewer' });
    const bad = await admin.post('/admin/users').type('form').send({ _csrf: csrfFrom(page.text), username: 'x', password: 'short', role: 'viewer' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('用户名只能包含 3–40 个字母');
    expect(bad.text).toContain('密码至少 12 个字符。');
  });

  it('refuses every /admin and /api route to an anonymous request', async () => {
    const routes = listRoutes(t.app).filter((r) => r.path.startsWith('/admin') || r.path.startsWith('/api'));
    expect(routes.length).toBeGreaterThanOrEqual(5);
    for (const r of routes) {
      const path = r.path.replace(/:(\w+)/g, 'x$1');
      const res = await request(t.app)[r.method.toLowerCase() as 'get'](path).set('Accept', 'text/html');
      const refused = res.status === 401 || res.status === 403 || (res.status === 303 && String(res.headers.location).startsWith('/login'));
      if (!refused) throw new Error(`${r.method} ${r.path} answered ${res.status} to an anonymous request`);
    }
  });

  it('accepts a bearer token on the API and refuses a wrong or revoked one', async () => {
    const user = await addUser(t, 'api-user', 'evaluator');
    const { token, record } = await createApiToken(t.deps, user, { scope: 'read' });
    const me = await request(t.app).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
    expect(me.body).toMatchObject({ user: { username: 'api-user', role: 'evaluator' }, scope: 'read' });
    expect(me.body.user.passwordHash).toBeUndefined();
    const wrong = await request(t.app).get('/api/v1/me').set('Authorization', 'Bearer manyi_wrong').expect(401);
    expect(wrong.body).toEqual({ error: { code: 'unauthorized', message: '需要登录后才能访问。' } });
    await request(t.app).get('/api/v1/me').expect(401);
    await t.store.tokens.revoke(record.id, new Date().toISOString());
    await request(t.app).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(401);
    expect((await t.store.tokens.findByHash(record.tokenHash))!.tokenHash).not.toContain(token);
  });

  it('answers 404 in the chosen language, as HTML or JSON', async () => {
    const zh = await request(t.app).get('/nowhere').expect(404);
    expect(zh.text).toContain('找不到您要访问的页面。');
    const en = await request(t.app).get('/nowhere?lang=en').expect(404);
    expect(en.text).toContain('The page you asked for does not exist.');
    const byHeader = await request(t.app).get('/nowhere').set('Accept-Language', 'en-US,en;q=0.9').expect(404);
    expect(byHeader.text).toContain('<html lang="en">');
    const api = await request(t.app).get('/api/v1/nowhere').set('Accept-Language', 'en').expect(401);
    expect(api.body.error.code).toBe('unauthorized');
    const { agent } = await loginAs(t, 'viewer');
    const json = await agent.get('/api/v1/nowhere').expect(404);
    expect(json.body).toEqual({ error: { code: 'not_found', message: '找不到您要访问的页面。' } });
  });

  it('remembers ?lang= in a cookie', async () => {
    const agent = request.agent(t.app);
    await agent.get('/login?lang=en').expect(200);
    const page = await agent.get('/login').expect(200);
    expect(page.text).toContain('Log in');
  });

  it('sends a strict Content-Security-Policy without inline script and other safety headers', async () => {
    const res = await request(t.app).get('/login').expect(200);
    const csp = String(res.headers['content-security-policy']);
    const scriptSrc = /script-src ([^;]+)/.exec(csp)![1]!;
    expect(scriptSrc).toBe("'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['strict-transport-security']).toBeUndefined();
    for (const cookie of res.headers['set-cookie'] as unknown as string[]) {
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Lax/);
    }
  });

  it('adds HSTS and Secure cookies when served over HTTPS', async () => {
    const s = await makeTestApp({ PUBLIC_BASE_URL: 'https://manyi.example.org' });
    try {
      const res = await request(s.app).get('/login').expect(200);
      expect(res.headers['strict-transport-security']).toContain('max-age=');
      for (const cookie of res.headers['set-cookie'] as unknown as string[]) expect(cookie).toMatch(/Secure/);
    } finally {
      await s.close();
    }
  });

  it('never redirects after login to another site', async () => {
    await addUser(t, 'henry', 'viewer');
    const agent = request.agent(t.app);
    const page = await agent.get('/login?next=//evil.example/x');
    expect(page.text).toContain('name="next" value="/admin"');
    const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), username: 'henry', password: TEST_PASSWORD, next: 'https://evil.example' });
    expect(res.headers.location).toBe('/admin');
  });
});
