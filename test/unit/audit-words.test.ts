import fs from 'node:fs';
import path from 'node:path';
import type { AuditEvent } from '../../models/audit-event';
import { actionNameKey, describeAuditEvent, type AuditLookups } from '../../server/domain/audit-words';
import { hasMessage, translator } from '../../server/i18n';
import { en } from '../../server/i18n/en';
import { zhCN } from '../../server/i18n/zh-CN';
import { AUDIT_ACTIONS } from '../../server/services/audit';

const ROOT = path.join(__dirname, '../..');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? sourceFiles(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : []));
}

/**
 * The action argument of every audit(deps…, actor, ACTION, { type: … }) call in the server's code,
 * as written: a literal, a choice between literals, or a lookup in a typed map.
 */
function auditCalls(): { file: string; action: string }[] {
  const calls: { file: string; action: string }[] = [];
  for (const file of sourceFiles(path.join(ROOT, 'server'))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\baudit\(\s*deps\b[^,]*,\s*[^,]+?,\s*([^{]+?),\s*\{\s*type:/gs)) calls.push({ file: path.relative(ROOT, file), action: m[1]!.trim() });
  }
  return calls;
}

const lookups: AuditLookups = {
  timeZone: 'Asia/Shanghai',
  site: (id) => ({ s1: { code: 'JYG01', name: '雄关街道社工站' }, s2: { code: 'JYG02', name: '峪泉镇社工站' } })[id],
  survey: (id) => (id === 'v1' ? '满意度调查' : undefined),
  user: (id) => (id === 'u1' ? 'alice' : undefined),
  evaluation: () => undefined,
};

const event = (action: string, details: Record<string, unknown>, target: Partial<AuditEvent> = {}): AuditEvent => ({
  id: 'e1',
  at: '2026-12-07T06:30:00.000Z',
  actorId: 'u1',
  actorName: 'alice',
  action,
  targetType: 'survey',
  targetId: 'v1',
  details,
  ...target,
});

describe('audit log words', () => {
  it('has a name in both languages for every action code the code writes', () => {
    const calls = auditCalls();
    const written = sourceFiles(path.join(ROOT, 'server')).reduce((n, f) => n + (fs.readFileSync(f, 'utf8').match(/(?<!function )\baudit\(\s*deps\b/g) ?? []).length, 0);
    // Every call was read (none escaped the pattern), and there are as many as the code has today or more.
    expect(calls).toHaveLength(written);
    expect(calls.length).toBeGreaterThanOrEqual(44);
    const literals = calls.flatMap((c) => [...c.action.matchAll(/'([^']+)'/g)].map((m) => ({ file: c.file, code: m[1]! })));
    const unknown = literals.filter((l) => !(AUDIT_ACTIONS as readonly string[]).includes(l.code));
    expect(unknown).toEqual([]);
    // An action passed as an expression must come from a map typed with AuditAction (the compiler checks it).
    for (const c of calls.filter((x) => !/^'[^']+'$|\?/.test(x.action))) expect(`${c.file}: ${c.action}`).toMatch(/AUDIT_ACTION\[/);
    for (const code of AUDIT_ACTIONS) {
      const key = actionNameKey(code);
      expect({ code, named: hasMessage(key) }).toEqual({ code, named: true });
      expect(zhCN[key as keyof typeof zhCN]).not.toBe(code);
      expect(en[key as keyof typeof en]).not.toBe(code);
    }
  });

  it('names the action, its target and its details in a short sentence with the filters in words', () => {
    const t = translator('zh-CN');
    const line = describeAuditEvent(t, event('export.responses', { format: 'csv', codes: false, filters: 'sites=s1&from=2026-11-01&to=2026-11-30', rows: 312 }), lookups);
    expect(line).toEqual({ action: '导出原始答卷', target: '问卷 《满意度调查》', sentence: '导出原始答卷 CSV，312 行，筛选：站点 JYG01，2026-11-01 至 2026-11-30' });
    const recorded = describeAuditEvent(t, event('export.statistics', { format: 'zip', filters: 'mode=raw&channels=qr,paper', stations: ['JYG02'], rows: 9 }), lookups);
    expect(recorded.sentence).toBe('导出统计表 ZIP，回收 9 份，筛选：站点 JYG02，填写方式 扫码、纸质录入，含无效答卷');
    expect(describeAuditEvent(t, event('export.responses', { format: 'xlsx', codes: true, filters: '', stations: null, rows: 0 }), lookups).sentence).toBe('导出原始答卷 XLSX（编码值），0 行，筛选：全部站点');
  });

  it('writes the same sentences in English', () => {
    const t = translator('en');
    const line = describeAuditEvent(t, event('export.responses', { format: 'csv', filters: 'sites=s1&from=2026-11-01&to=2026-11-30', rows: 312 }), lookups);
    expect(line).toEqual({ action: 'Raw responses exported', target: 'Survey “满意度调查”', sentence: 'raw responses as CSV, 312 rows, filters: stations JYG01, 2026-11-01 to 2026-11-30' });
  });

  it('describes account, station, review and evaluation events from their details, with times in the zone named', () => {
    const t = translator('zh-CN');
    const say = (action: string, details: Record<string, unknown>, target: Partial<AuditEvent> = {}) => describeAuditEvent(t, event(action, details, target), lookups);
    expect(say('user.update', { username: 'bob', before: { role: 'viewer', siteIds: [] }, after: { role: 'station', siteIds: ['s1', 's2'] } }, { targetType: 'user', targetId: 'u9' })).toEqual({
      action: '修改用户角色或站点',
      target: '用户 u9',
      sentence: 'bob：角色 只读用户 → 站点人员，站点 无 → JYG01、JYG02',
    });
    expect(say('user.locked', { until: '2026-12-07T07:00:00.000Z' }).sentence).toBe('锁定至 2026-12-07 15:00（北京时间）');
    expect(say('site.update', { code: 'JYG01', changes: { name: { from: '旧', to: '新' }, recipients: { from: 100, to: 120 } } }, { targetType: 'site', targetId: 's1' })).toEqual({
      action: '修改站点',
      target: '站点 JYG01 雄关街道社工站',
      sentence: 'JYG01：名称 旧 → 新，服务对象人数 100 → 120',
    });
    expect(say('response.exclude', { reason: '重复提交', from: 'auto', to: 'excluded', bulk: true }, { targetType: 'response', targetId: 'r1' }).sentence).toBe('自动判定 → 剔除，原因：重复提交（批量）');
    expect(say('evaluation.lock', { total: 88.5, grade: 'good' }).sentence).toBe('总分 88.5，等级 良');
    expect(say('survey.status', { from: 'draft', to: 'open' }).sentence).toBe('草稿 → 收集中');
    expect(say('login', {}).sentence).toBe('');
  });

  it('shows codes it does not know as they are (events from another version)', () => {
    const t = translator('zh-CN');
    expect(describeAuditEvent(t, event('something.new', { x: 1 }, { targetType: 'thing', targetId: 'id7' }), lookups)).toEqual({ action: 'something.new', target: 'thing id7', sentence: '' });
  });
});
