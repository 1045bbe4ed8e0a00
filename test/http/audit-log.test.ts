import { newId } from '../../server/ids';
import { loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { openTemplateSurvey } from '../helpers/survey';

/** The audit table's rows as text: time, actor, action, target, details. */
function tableRows(html: string): string[][] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) =>
    [...r[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) =>
      c[1]!
        .replace(/<[^>]+>/g, '')
        .replace(/\u2060/g, '')
        .replace(/&#34;/g, '"')
        .replace(/\u00a0/g, ' ')
        .trim(),
    ),
  );
}

describe('the audit log page', () => {
  let t: TestApp;
  let setup: Awaited<ReturnType<typeof openTemplateSurvey>>;
  let admin: Awaited<ReturnType<typeof loginAs>>;
  let evaluator: Awaited<ReturnType<typeof loginAs>>;

  beforeEach(async () => {
    t = await makeTestApp();
    t.clock.now = new Date('2026-11-20T02:00:00.000Z');
    setup = await openTemplateSurvey(t);
    // 2026-11-30 23:59 and 2026-12-01 00:01 Beijing time.
    t.clock.now = new Date('2026-11-30T15:59:00.000Z');
    evaluator = await loginAs(t, 'evaluator', { username: 'eva' });
    await evaluator.agent.get(`/admin/exports/${setup.survey.id}/responses.csv?sites=${setup.sites[0]!.id}&from=2026-11-01&to=2026-11-30`).expect(200);
    t.clock.now = new Date('2026-12-01T16:01:00.000Z');
    admin = await loginAs(t, 'admin', { username: 'root' });
  });
  afterEach(async () => {
    await t.close();
  });

  it('shows each event with its action named from the catalog, its target named and its details as a sentence, times in the configured zone', async () => {
    const res = await admin.agent.get('/admin/audit').expect(200);
    expect(res.text).toContain('时间为北京时间');
    const rows = tableRows(res.text);
    const exported = rows.find((r) => r[2] === '导出原始答卷')!;
    expect(exported).toEqual(['2026-11-30 23:59（北京时间）', 'eva', '导出原始答卷', '问卷 《社工站服务对象满意度调查》', '导出原始答卷 CSV，0 行，筛选：站点 JYG01，2026-11-01 至 2026-11-30']);
    expect(rows.find((r) => r[1] === 'root')).toEqual(['2026-12-02 00:01（北京时间）', 'root', '登录', '用户 root', '—']);
    // No raw codes or JSON in the table.
    expect(rows.flat().join(' ')).not.toMatch(/export\.responses|\{"|login\b/);
  });

  it('filters by user, by action and by local date range, all in the URL', async () => {
    const users = await t.store.users.list();
    const eva = users.find((u) => u.username === 'eva')!;
    const byUser = tableRows((await admin.agent.get(`/admin/audit?user=${eva.id}`).expect(200)).text);
    expect(byUser.map((r) => r[1])).toEqual(['eva', 'eva']);
    expect(byUser.map((r) => r[2]).sort()).toEqual(['导出原始答卷', '登录'].sort());
    const byAction = tableRows((await admin.agent.get('/admin/audit?action=login').expect(200)).text);
    expect(byAction.map((r) => r[1]).sort()).toEqual(['eva', 'root']);
    // 30 November ends at 24:00 Beijing time (16:00Z), not at midnight UTC.
    const nov30 = tableRows((await admin.agent.get('/admin/audit?from=2026-11-30&to=2026-11-30').expect(200)).text);
    // eva's account was created (by the system), she signed in and exported; root arrived on 2 December.
    expect(nov30.map((r) => `${r[1]} ${r[2]}`).sort()).toEqual(['eva 导出原始答卷', 'eva 登录', 'system 新建用户']);
    const dec2 = tableRows((await admin.agent.get('/admin/audit?from=2026-12-02&to=2026-12-31').expect(200)).text);
    expect(dec2.map((r) => `${r[1]} ${r[2]}`).sort()).toEqual(['root 登录', 'system 新建用户']);
    const combined = await admin.agent.get(`/admin/audit?user=${eva.id}&action=export.responses&from=2026-11-01&to=2026-11-30`).expect(200);
    expect(tableRows(combined.text).map((r) => r[2])).toEqual(['导出原始答卷']);
    expect(combined.text).toContain(`<option value="${eva.id}" selected>eva</option>`);
    expect(combined.text).toContain('<option value="export.responses" selected>导出原始答卷</option>');
    expect(combined.text).toContain('value="2026-11-01"');
  });

  it('pages through many events, keeping the filters in the pager links', async () => {
    for (let i = 0; i < 60; i++) {
      await t.store.audit.append({ id: newId(), at: new Date(Date.UTC(2026, 10, 2, 0, i)).toISOString(), actorId: null, actorName: 'system', action: 'site.import', targetType: 'site', targetId: null, details: { count: i, codes: [], encoding: 'utf-8' } });
    }
    const first = await admin.agent.get('/admin/audit?action=site.import').expect(200);
    expect(tableRows(first.text)).toHaveLength(50);
    expect(first.text).toContain('共 60 条记录。');
    expect(first.text).toContain('href="/admin/audit?action=site.import&amp;page=2"');
    const second = await admin.agent.get('/admin/audit?action=site.import&page=2').expect(200);
    const rows = tableRows(second.text);
    expect(rows).toHaveLength(10);
    expect(rows[9]![4]).toBe('导入 0 个站点（utf-8）：');
  });

  it('refuses a bad date, an end before the start and an unknown action with 400, naming the field and keeping the input', async () => {
    const bad = await admin.agent.get('/admin/audit?from=2026-13-01&user=').expect(400);
    expect(bad.text).toContain('id="a-from-error"');
    expect(bad.text.replace(/\u2060/g, '')).toContain('请输入日期，格式如 2026-12-07。');
    expect(bad.text).toContain('value="2026-13-01"');
    const reversed = await admin.agent.get('/admin/audit?from=2026-12-05&to=2026-12-01').expect(400);
    expect(reversed.text).toContain('id="a-to-error"');
    expect(reversed.text).toContain('结束日期不能早于开始日期');
    const unknown = await admin.agent.get('/admin/audit?action=drop.tables').expect(400);
    expect(unknown.text).toContain('id="a-action-error"');
    expect(tableRows(unknown.text)).toEqual([]);
  });

  it('speaks English with ?lang=en', async () => {
    const rows = tableRows((await admin.agent.get('/admin/audit?lang=en&action=export.responses').expect(200)).text);
    expect(rows).toEqual([['2026-11-30 23:59 (Beijing time)', 'eva', 'Raw responses exported', 'Survey “社工站服务对象满意度调查”', 'raw responses as CSV, 0 rows, filters: stations JYG01, 2026-11-01 to 2026-11-30']]);
  });

  it('is for administrators only', async () => {
    // A fresh login: the first evaluator's session ended with the clock moved a day on (sessions last 8 hours).
    const other = await loginAs(t, 'evaluator', { username: 'eva2' });
    await other.agent.get('/admin/audit').expect(403);
  });
});

describe('the audit log page in another configured zone', () => {
  it('shows times and takes dates in the zone TZ names', async () => {
    const t = await makeTestApp({ TZ: 'UTC' });
    try {
      t.clock.now = new Date('2026-11-30T23:30:00.000Z');
      const admin = await loginAs(t, 'admin', { username: 'root' });
      const res = await admin.agent.get('/admin/audit?from=2026-11-30&to=2026-11-30').expect(200);
      expect(res.text).toContain('时间为UTC');
      expect(tableRows(res.text)[0]!.slice(0, 3)).toEqual(['2026-11-30 23:30（UTC）', 'root', '登录']);
    } finally {
      await t.close();
    }
  });
});
