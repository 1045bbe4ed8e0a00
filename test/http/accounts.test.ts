import request from 'supertest';
import { SESSION_COOKIE } from '../../server/http/session';
import { SYSTEM_ACTOR } from '../../server/services/context';
import { createApiToken } from '../../server/services/tokens';
import { MAX_FAILED_LOGINS, setUserActive, updateUserAccess } from '../../server/services/users';
import { ConflictError, ValidationError } from '../../server/errors';
import { siteFixture } from '../helpers/fixtures';
import { addUser, csrfFrom, csrfOf, loginAs, makeTestApp, TEST_PASSWORD, type TestApp } from '../helpers/app';

type Agent = ReturnType<typeof request.agent>;

const NEW_PASSWORD = 'a brand new pass phrase';

describe('accounts', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  /** Logs in through the form; returns the agent and the login's answer (303 on success). */
  async function login(username: string, password: string): Promise<{ agent: Agent; res: request.Response }> {
    const agent = request.agent(t.app);
    const page = await agent.get('/login').expect(200);
    const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), username, password, next: '/admin' });
    return { agent, res };
  }

  async function changePassword(agent: Agent, body: Record<string, string>) {
    const csrf = await csrfOf(agent, '/account/password');
    return agent.post('/account/password').type('form').send({ _csrf: csrf, ...body });
  }

  const sessionCookie = (res: request.Response) =>
    ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []).find((c) => c.startsWith(`${SESSION_COOKIE}=`))?.split(';')[0];

  const actions = async (targetId: string) => (await t.store.audit.list({ limit: 50, targetId })).map((e) => e.action);

  describe('changing one\'s own password', () => {
    it.each(['admin', 'evaluator', 'station', 'viewer'] as const)('offers the change-password page to a %s, linked from the header', async (role) => {
      const site = siteFixture();
      await t.store.sites.create(site);
      const { agent } = await loginAs(t, role, { siteIds: role === 'station' ? [site.id] : [] });
      const home = await agent.get('/admin').expect(200);
      expect(home.text).toContain('<a class="account" href="/account/password">修改密码</a>');
      const page = await agent.get('/account/password').expect(200);
      expect(page.headers['cache-control']).toBe('no-store');
      for (const label of ['<label for="currentPassword">当前密码</label>', '<label for="newPassword">新密码</label>', '<label for="confirmPassword">再次输入新密码</label>']) {
        expect(page.text).toContain(label);
      }
      expect(page.text).toContain('autocomplete="current-password"');
      expect(page.text).toContain('name="_csrf"');
    });

    it('sends an anonymous visitor to the login page and refuses an anonymous change', async () => {
      const res = await request(t.app).get('/account/password').expect(303);
      expect(res.headers.location).toBe('/login?next=%2Faccount%2Fpassword');
      await request(t.app).post('/account/password').type('form').send({ currentPassword: 'x', newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD }).expect(403);
    });

    it('refuses a wrong current password with 400 naming the field, and the old password still works', async () => {
      const { agent, user } = await loginAs(t, 'evaluator', { username: 'li-na' });
      const res = await changePassword(agent, { currentPassword: 'not my password', newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
      expect(res.status).toBe(400);
      expect(res.text).toContain('<p class="field-error" id="currentPassword-error">当前密码不正确。</p>');
      expect(res.text).not.toContain(NEW_PASSWORD);
      expect((await login('li-na', TEST_PASSWORD)).res.status).toBe(303);
      expect((await login('li-na', NEW_PASSWORD)).res.status).toBe(401);
      expect(await actions(user.id)).toContain('user.passwordChangeFailed');
    });

    it('names each field that is wrong: no current password, a short new one, a confirmation that differs, a new one equal to the current', async () => {
      const { agent } = await loginAs(t, 'viewer', { username: 'zhao' });
      const first = await changePassword(agent, { currentPassword: '', newPassword: 'short', confirmPassword: 'short' });
      expect(first.status).toBe(400);
      expect(first.text).toContain('id="currentPassword-error">请输入当前密码。');
      expect(first.text).toContain('id="newPassword-error">密码至少 12 个字符。');
      const second = await changePassword(agent, { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: `${NEW_PASSWORD}!` });
      expect(second.status).toBe(400);
      expect(second.text).toContain('id="confirmPassword-error">两次输入的新密码不一致。');
      const third = await changePassword(agent, { currentPassword: TEST_PASSWORD, newPassword: TEST_PASSWORD, confirmPassword: TEST_PASSWORD });
      expect(third.status).toBe(400);
      expect(third.text).toContain('id="newPassword-error">新密码不能与当前密码相同。');
      expect((await login('zhao', TEST_PASSWORD)).res.status).toBe(303);
    });

    it('changes the password, keeps this browser logged in under a new session id and ends the person\'s other sessions', async () => {
      const user = await addUser(t, 'qian', 'evaluator');
      const here = await login('qian', TEST_PASSWORD);
      const elsewhere = await login('qian', TEST_PASSWORD);
      const before = sessionCookie(here.res);

      const res = await changePassword(here.agent, { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });

      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/admin');
      expect(sessionCookie(res)).toBeDefined();
      expect(sessionCookie(res)).not.toBe(before);
      const home = await here.agent.get('/admin').expect(200);
      expect(home.text).toContain('密码已修改。您在其他设备上的登录已退出。');
      expect((await elsewhere.agent.get('/admin').expect(303)).headers.location).toBe('/login?next=%2Fadmin');
      // The session cookie from before the change is worthless.
      await request(t.app).get('/admin').set('Cookie', before!).expect(303);
      expect((await login('qian', TEST_PASSWORD)).res.status).toBe(401);
      expect((await login('qian', NEW_PASSWORD)).res.status).toBe(303);
      expect(await actions(user.id)).toContain('user.passwordChange');
    });

    it(`locks the account and ends the session after ${MAX_FAILED_LOGINS} wrong current passwords in a row`, async () => {
      const { agent } = await loginAs(t, 'evaluator', { username: 'sun' });
      for (let i = 1; i < MAX_FAILED_LOGINS; i++) {
        expect((await changePassword(agent, { currentPassword: `guess ${i}`, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD })).status).toBe(400);
      }
      const csrf = await csrfOf(agent, '/account/password');
      const last = await agent.post('/account/password').type('form').send({ _csrf: csrf, currentPassword: 'guess 5', newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
      expect(last.status).toBe(400);
      expect(last.text).toContain('账户已暂时锁定');
      await agent.get('/admin').expect(303);
      expect((await login('sun', TEST_PASSWORD)).res.status).toBe(429);
    });
  });

  describe('an administrator resets a password', () => {
    async function reset(admin: Agent, userId: string) {
      const csrf = await csrfOf(admin, '/admin/users');
      return admin.post(`/admin/users/${userId}/password`).type('form').send({ _csrf: csrf });
    }
    const oneTimePassword = (html: string) => /<code class="token" id="one-time-password">([^<]+)<\/code>/.exec(html)?.[1];

    it('shows a one-time password once, in the answer to the POST only, never storing it in clear', async () => {
      const { agent: admin } = await loginAs(t, 'admin');
      const target = await addUser(t, 'wu-fang', 'evaluator');

      const res = await reset(admin, target.id);

      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const password = oneTimePassword(res.text)!;
      expect(password).toMatch(/^[A-Za-z0-9_-]{20}$/);
      expect(res.text).toContain('已为 wu-fang 生成一次性密码');
      for (const page of ['/admin/users', `/admin/users/${target.id}`, '/admin/audit']) {
        expect((await admin.get(page).expect(200)).text).not.toContain(password);
      }
      const stored = await t.store.users.get(target.id);
      expect(stored).toMatchObject({ mustChangePassword: true });
      expect(stored!.passwordHash).not.toContain(password);
      const events = await t.store.audit.list({ limit: 5, action: 'user.passwordReset' });
      expect(events).toEqual([expect.objectContaining({ targetId: target.id, details: { username: 'wu-fang' } })]);
      expect(JSON.stringify(events)).not.toContain(password);
    });

    it('forces the change at the next login: nothing else works until then, the one-time password stops working after', async () => {
      const { agent: admin } = await loginAs(t, 'admin');
      const target = await addUser(t, 'zheng', 'evaluator');
      const { token } = await createApiToken(t.deps, target, { scope: 'read' });
      const before = await login('zheng', TEST_PASSWORD);
      const password = oneTimePassword((await reset(admin, target.id)).text)!;

      // The person's open session ended with the reset, and the old password no longer works.
      expect((await before.agent.get('/admin').expect(303)).headers.location).toBe('/login?next=%2Fadmin');
      expect((await login('zheng', TEST_PASSWORD)).res.status).toBe(401);

      const { agent, res } = await login('zheng', password);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/account/password');
      for (const page of ['/admin', '/admin/surveys', '/admin/stats', '/admin/sites']) {
        const r = await agent.get(page).expect(303);
        expect(r.headers.location).toBe('/account/password');
      }
      const forcedPage = await agent.get('/account/password').expect(200);
      expect(forcedPage.text).toContain('管理员为您重置了密码');
      expect(forcedPage.text).not.toContain('class="mainnav"');
      const csrf = csrfFrom(forcedPage.text);
      const write = await agent.post('/admin/sites').type('form').send({ _csrf: csrf, code: 'X1', name: '站', kind: 'township' });
      expect(write.status).toBe(403);
      expect(write.text).toContain('请先修改密码，然后才能继续操作。');
      expect(await t.store.sites.getByCode('X1')).toBeNull();
      const api = await agent.get('/api/v1/me').expect(403);
      expect(api.body.error.code).toBe('password_change_required');
      // API tokens are not the password: they keep working.
      await request(t.app).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);

      const changed = await agent.post('/account/password').type('form').send({ _csrf: csrf, currentPassword: password, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
      expect(changed.status).toBe(303);
      await agent.get('/admin/surveys').expect(200);
      expect((await agent.get('/api/v1/me').expect(200)).body.user.username).toBe('zheng');
      expect((await login('zheng', password)).res.status).toBe(401);
      expect((await login('zheng', NEW_PASSWORD)).res.headers.location).toBe('/admin');
      expect(await actions(target.id)).toEqual(expect.arrayContaining(['user.passwordReset', 'user.passwordChange']));
      const users = await admin.get('/admin/users').expect(200);
      expect(users.text).not.toContain('待修改密码');
    });

    it('lists the reset user as having to change their password', async () => {
      const { agent: admin } = await loginAs(t, 'admin');
      const target = await addUser(t, 'feng', 'viewer');
      await reset(admin, target.id);
      const row = rowOf((await admin.get('/admin/users').expect(200)).text, 'feng');
      expect(row).toContain('待修改密码');
    });

    it('refuses an administrator resetting their own password (409) and an unknown user (404)', async () => {
      const { agent: admin, user } = await loginAs(t, 'admin');
      const self = await reset(admin, user.id);
      expect(self.status).toBe(409);
      expect(self.text).toContain('不能重置自己的密码');
      expect(await t.store.users.get(user.id)).toMatchObject({ mustChangePassword: false });
      expect((await reset(admin, 'nobody')).status).toBe(404);
    });
  });

  describe('an administrator edits role and stations', () => {
    async function edit(admin: Agent, userId: string, body: Record<string, string | string[]>) {
      const csrf = await csrfOf(admin, `/admin/users/${userId}`);
      return admin.post(`/admin/users/${userId}`).type('form').send({ _csrf: csrf, ...body });
    }

    it('makes an evaluator station staff of two stations, ends their sessions and audits the change', async () => {
      const [a, b] = [siteFixture({ code: 'JYG01', name: '城关镇社工站' }), siteFixture({ code: 'JYG02', name: '新城镇社工站' })];
      await t.store.sites.create(a);
      await t.store.sites.create(b);
      const { agent: admin } = await loginAs(t, 'admin');
      const { agent: person, user } = await loginAs(t, 'evaluator', { username: 'chen' });

      const res = await edit(admin, user.id, { role: 'station', siteIds: [a.id, b.id] });

      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/admin/users/${user.id}`);
      const page = await admin.get(`/admin/users/${user.id}`).expect(200);
      expect(page.text).toContain('已保存 chen 的角色和站点');
      expect(page.text).toMatch(new RegExp(`value="${a.id}" checked`));
      expect(page.text).toMatch(new RegExp(`value="${b.id}" checked`));
      const row = rowOf((await admin.get('/admin/users').expect(200)).text, 'chen');
      expect(row).toContain('站点人员');
      expect(row).toContain('城关镇社工站、新城镇社工站');
      await person.get('/admin').expect(303);
      const again = (await login('chen', TEST_PASSWORD)).agent;
      expect((await again.get('/admin/sites').expect(200)).text).toContain('城关镇社工站');
      const [event] = await t.store.audit.list({ limit: 1, action: 'user.update' });
      expect(event).toMatchObject({ targetId: user.id, details: { before: { role: 'evaluator', siteIds: [] }, after: { role: 'station', siteIds: [a.id, b.id] } } });
    });

    it('refuses station staff without a station, and an unknown station, with 400 naming the field and keeping the input', async () => {
      const site = siteFixture();
      await t.store.sites.create(site);
      const { agent: admin } = await loginAs(t, 'admin');
      const target = await addUser(t, 'he-ping', 'viewer');
      const none = await edit(admin, target.id, { role: 'station' });
      expect(none.status).toBe(400);
      expect(none.text).toContain('<p class="field-error" id="siteIds-error">站点人员至少要关联一个站点。</p>');
      expect(none.text).toMatch(/<option value="station" selected>/);
      const unknown = await edit(admin, target.id, { role: 'station', siteIds: [site.id, 'no-such-station'] });
      expect(unknown.status).toBe(400);
      expect(unknown.text).toContain('id="siteIds-error">站点 no-such-station 不存在。');
      expect(unknown.text).toMatch(new RegExp(`value="${site.id}" checked`));
      const badRole = await edit(admin, target.id, { role: 'root' });
      expect(badRole.status).toBe(400);
      expect(badRole.text).toContain('id="role-error">请选择列表中的选项。');
      expect(await t.store.users.get(target.id)).toMatchObject({ role: 'viewer', siteIds: [] });
      expect(await actions(target.id)).not.toContain('user.update');
    });

    it('refuses an administrator lowering their own role', async () => {
      const { agent: admin, user } = await loginAs(t, 'admin');
      await loginAs(t, 'admin');
      const res = await edit(admin, user.id, { role: 'viewer' });
      expect(res.status).toBe(400);
      expect(res.text).toContain('<p class="error-box" role="alert">不能降低自己的管理员角色');
      expect(await t.store.users.get(user.id)).toMatchObject({ role: 'admin' });
      await admin.get('/admin/users').expect(200);
    });

    it('never demotes or disables the last active administrator, even when asked by the system', async () => {
      const only = await addUser(t, 'root-admin', 'admin');
      await expect(updateUserAccess(t.deps, SYSTEM_ACTOR, only.id, { role: 'evaluator' })).rejects.toThrow(ValidationError);
      await expect(setUserActive(t.deps, SYSTEM_ACTOR, only.id, false)).rejects.toThrow(ConflictError);
      const disabled = await addUser(t, 'old-admin', 'admin');
      await setUserActive(t.deps, SYSTEM_ACTOR, disabled.id, false);
      // A disabled administrator does not count: the active one is still the last.
      await expect(updateUserAccess(t.deps, SYSTEM_ACTOR, only.id, { role: 'viewer' })).rejects.toThrow(ValidationError);
      expect(await t.store.users.get(only.id)).toMatchObject({ role: 'admin', active: true });
    });

    it('keeps an administrator when two administrators demote each other at the same moment', async () => {
      const { agent: a, user: ua } = await loginAs(t, 'admin', { username: 'admin-a' });
      const { agent: b, user: ub } = await loginAs(t, 'admin', { username: 'admin-b' });
      const [csrfA, csrfB] = [await csrfOf(a, `/admin/users/${ub.id}`), await csrfOf(b, `/admin/users/${ua.id}`)];
      await Promise.all([
        a.post(`/admin/users/${ub.id}`).type('form').send({ _csrf: csrfA, role: 'viewer' }),
        b.post(`/admin/users/${ua.id}`).type('form').send({ _csrf: csrfB, role: 'viewer' }),
      ]);
      const admins = (await t.store.users.list()).filter((u) => u.role === 'admin' && u.active);
      expect(admins.length).toBeGreaterThanOrEqual(1);
    });
  });

  describe('disabling and re-enabling', () => {
    it('disables a user (their session and token stop), refuses disabling oneself, and re-enables', async () => {
      const { agent: admin, user: me } = await loginAs(t, 'admin');
      const { agent: person, user } = await loginAs(t, 'evaluator', { username: 'lin' });
      const { token } = await createApiToken(t.deps, user, { scope: 'read' });
      const csrf = await csrfOf(admin, '/admin/users');

      const off = await admin.post(`/admin/users/${user.id}/active`).type('form').send({ _csrf: csrf, active: 'false', back: 'user' });
      expect(off.status).toBe(303);
      expect(off.headers.location).toBe(`/admin/users/${user.id}`);
      const page = await admin.get(`/admin/users/${user.id}`).expect(200);
      expect(page.text).toContain('已停用 lin');
      await person.get('/admin').expect(303);
      await request(t.app).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(401);
      expect((await login('lin', TEST_PASSWORD)).res.status).toBe(401);
      expect(rowOf((await admin.get('/admin/users').expect(200)).text, 'lin')).toContain('停用');

      const self = await admin.post(`/admin/users/${me.id}/active`).type('form').send({ _csrf: csrf, active: 'false' });
      expect(self.status).toBe(409);
      expect(self.text).toContain('不能停用自己的账户。');
      expect(await t.store.users.get(me.id)).toMatchObject({ active: true });

      await admin.post(`/admin/users/${user.id}/active`).type('form').send({ _csrf: csrf, active: 'true' }).expect(303);
      expect((await login('lin', TEST_PASSWORD)).res.status).toBe(303);
      expect(await actions(user.id)).toEqual(expect.arrayContaining(['user.deactivate', 'user.activate']));
    });
  });

  describe('the users page', () => {
    it('shows each user\'s role, stations and state: active, disabled, locked until a time in the configured zone, must change password', async () => {
      const site = siteFixture({ code: 'JYG01', name: '城关镇社工站' });
      await t.store.sites.create(site);
      const { agent: admin } = await loginAs(t, 'admin', { username: 'boss' });
      await addUser(t, 'station-li', 'station', [site.id]);
      const off = await addUser(t, 'gone', 'viewer');
      await setUserActive(t.deps, SYSTEM_ACTOR, off.id, false);
      await addUser(t, 'typo', 'evaluator');
      for (let i = 0; i < MAX_FAILED_LOGINS; i++) await login('typo', 'wrong password');

      const page = await admin.get('/admin/users').expect(200);

      expect(rowOf(page.text, 'station-li')).toMatch(/站点人员[\s\S]*城关镇社工站[\s\S]*启用/);
      expect(rowOf(page.text, 'gone')).toContain('>停用</span>');
      expect(rowOf(page.text, 'typo')).toMatch(/已锁定至 \d{4}-\d\d-\d\d \d\d:\d\d \(Asia\/Shanghai\)/);
      expect(rowOf(page.text, 'boss')).toContain('（您本人）');
      // No reset or disable button on one's own row; edit, reset and disable on the others'.
      expect(rowOf(page.text, 'boss')).not.toContain('/password"');
      expect(rowOf(page.text, 'gone')).toMatch(/重置密码[\s\S]*启用/);
    });

    it.each(['evaluator', 'station', 'viewer'] as const)('refuses every users page and action to a %s (403)', async (role) => {
      const site = siteFixture();
      await t.store.sites.create(site);
      const { agent } = await loginAs(t, role, { siteIds: role === 'station' ? [site.id] : [] });
      const other = await addUser(t, 'other-person', 'evaluator');
      const csrf = await csrfOf(agent, '/admin');
      await agent.get('/admin/users').expect(403);
      await agent.get(`/admin/users/${other.id}`).expect(403);
      await agent.post(`/admin/users/${other.id}`).type('form').send({ _csrf: csrf, role: 'admin' }).expect(403);
      await agent.post(`/admin/users/${other.id}/password`).type('form').send({ _csrf: csrf }).expect(403);
      await agent.post(`/admin/users/${other.id}/active`).type('form').send({ _csrf: csrf, active: 'false' }).expect(403);
      expect(await t.store.users.get(other.id)).toMatchObject({ role: 'evaluator', active: true, mustChangePassword: false });
    });

    it('answers 404 for a user that does not exist', async () => {
      const { agent: admin } = await loginAs(t, 'admin');
      await admin.get('/admin/users/nobody').expect(404);
    });
  });
});

/** The table row of one username on the users page. */
function rowOf(html: string, username: string): string {
  const rows = html.split('<tr>').slice(1);
  const row = rows.find((r) => r.includes(`>${username}</a>`));
  if (!row) throw new Error(`no row for ${username}`);
  return row.split('</tr>')[0]!;
}
