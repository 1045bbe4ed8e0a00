import type { AuditEvent } from '../../models/audit-event';
import type { MessageKey, Params, Translate } from '../i18n';
import { localDateTime, zoneName } from './time';

/** What the audit page knows about the things events point at (by id), to name them in words. */
export interface AuditLookups {
  timeZone: string;
  site(id: string): { code: string; name: string } | undefined;
  survey(id: string): string | undefined;
  user(id: string): string | undefined;
  evaluation(id: string): string | undefined;
}

/** One event as people read it. */
export interface AuditLine {
  /** The action's name from the catalog (its code when the catalog has none). */
  action: string;
  /** The thing acted on: 问卷《…》, 站点 JYG01 …, 用户 … */
  target: string;
  /** The details as a short sentence, '' when there is nothing to add to the action's name. */
  sentence: string;
}

type Details = Record<string, unknown>;

const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(text).filter(Boolean) : []);
/** At most `max` items, then "等 N 个" ("… and N more"). */
function some(t: Translate, items: string[], max = 8): string {
  const shown = items.slice(0, max).join(t('common.listSep'));
  return items.length > max ? t('auditlog.andMore', { items: shown, n: items.length }) : shown;
}

/**
 * The key of an action's name in the catalog, e.g. auditlog.action.export.responses. Every action
 * the code writes (AUDIT_ACTIONS) has one; a test checks this.
 */
export const actionNameKey = (action: string) => `auditlog.action.${action}`;

/**
 * The filters an export or print was made with, in words: "站点 JYG01、JYG02，2026-11-01 至
 * 2026-11-30，含无效答卷". `stations` (codes, recorded since exports name them) wins over the
 * site ids of the filter; "全部站点" when neither narrows them.
 */
export function filtersSentence(t: Translate, details: Details, lookups: AuditLookups): string {
  const q = new URLSearchParams(text(details.filters));
  const parts: string[] = [];
  const recorded = Array.isArray(details.stations) ? list(details.stations) : null;
  const filtered = (q.get('sites') ?? '').split(',').filter(Boolean).map((id) => lookups.site(id)?.code ?? id);
  const stations = recorded ?? (filtered.length ? filtered : null);
  parts.push(stations ? t('auditlog.filter.stations', { codes: some(t, stations) }) : t('download.allStations'));
  const from = q.get('from');
  const to = q.get('to');
  if (from && to) parts.push(t('auditlog.filter.period', { from, to }));
  else if (from) parts.push(t('auditlog.filter.since', { from }));
  else if (to) parts.push(t('auditlog.filter.until', { to }));
  const segments = (q.get('segments') ?? '').split(',').filter(Boolean);
  if (segments.length) parts.push(t('auditlog.filter.segments', { codes: some(t, segments) }));
  const channels = (q.get('channels') ?? '').split(',').filter(Boolean);
  if (channels.length) parts.push(t('auditlog.filter.channels', { names: some(t, channels.map((c) => tryKey(t, `channel.${c}`, c))) }));
  if (q.get('mode') === 'raw') parts.push(t('auditlog.filter.raw'));
  return parts.join(t('auditlog.sep'));
}

/** A catalog text if the key exists, else the fallback (codes from old events or other versions). */
function tryKey(t: Translate, key: string, fallback: string, params?: Params): string {
  const s = t(key as MessageKey, params);
  return s === key ? fallback : s;
}

const formatName = (v: unknown) => text(v).toUpperCase();

/** "2026-12-07 14:30（北京时间）" for an ISO time in a detail. */
function when(t: Translate, iso: unknown, timeZone: string): string {
  const s = text(iso);
  if (!s || Number.isNaN(new Date(s).getTime())) return s;
  return `${localDateTime(s, timeZone).slice(0, 16)}${t('time.zoneSuffix', { zone: zoneName(timeZone, t('time.beijing')) })}`;
}

const reviewState = (t: Translate, v: unknown) => tryKey(t, `auditlog.review.${text(v)}`, text(v));
const stationCodes = (ids: unknown, lookups: AuditLookups) => list(ids).map((id) => lookups.site(id)?.code ?? id);

/** The sentence of each action; actions not here have no details worth a sentence. */
const SENTENCES: Partial<Record<string, (t: Translate, d: Details, l: AuditLookups) => string>> = {
  'login.failed': (t, d) => t('auditlog.detail.username', { username: text(d.username) }),
  'user.create': (t, d, l) => {
    const codes = stationCodes(d.siteIds, l);
    return t('auditlog.detail.userCreate', { username: text(d.username), role: tryKey(t, `role.${text(d.role)}`, text(d.role)) }) + (codes.length ? t('auditlog.sep') + t('auditlog.filter.stations', { codes: some(t, codes) }) : '');
  },
  'user.update': (t, d, l) => {
    const before = (d.before ?? {}) as Details;
    const after = (d.after ?? {}) as Details;
    const sites = (v: unknown) => some(t, stationCodes(v, l)) || t('common.none');
    return t('auditlog.detail.userUpdate', {
      username: text(d.username),
      from: tryKey(t, `role.${text(before.role)}`, text(before.role)),
      to: tryKey(t, `role.${text(after.role)}`, text(after.role)),
      fromSites: sites(before.siteIds),
      toSites: sites(after.siteIds),
    });
  },
  'user.activate': (t, d) => text(d.username),
  'user.deactivate': (t, d) => text(d.username),
  'user.passwordReset': (t, d) => text(d.username),
  'user.locked': (t, d, l) => t('auditlog.detail.lockedUntil', { until: when(t, d.until, l.timeZone) }),
  'user.passwordChange': (t, d) => (d.wasRequired === true ? t('auditlog.detail.passwordRequired') : ''),
  'user.passwordChangeFailed': (t, d) => (d.locked === true ? t('auditlog.detail.passwordFailedLocked') : t('auditlog.detail.passwordFailed')),
  'token.create': (t, d) => t('auditlog.detail.token', { name: text(d.name), scope: tryKey(t, `auditlog.scope.${text(d.scope)}`, text(d.scope)) }),
  'site.create': (t, d) => t('auditlog.detail.siteCreate', { code: text(d.code), name: text(d.name), recipients: text(d.recipients) || '—' }),
  'site.update': (t, d) => {
    const changes = d.changes && typeof d.changes === 'object' ? (d.changes as Record<string, { from?: unknown; to?: unknown }>) : {};
    const each = Object.entries(changes).map(([field, c]) => t('auditlog.detail.change', { field: tryKey(t, `auditlog.siteField.${field}`, field), from: text(c?.from) || '—', to: text(c?.to) || '—' }));
    return `${text(d.code)}${t('auditlog.colon')}${each.join(t('auditlog.sep'))}`;
  },
  'site.activate': (t, d) => text(d.code),
  'site.deactivate': (t, d) => text(d.code),
  'site.import': (t, d) => t('auditlog.detail.siteImport', { count: text(d.count), codes: some(t, list(d.codes)), encoding: text(d.encoding) }),
  'survey.create': (t, d) => t('auditlog.detail.title', { title: text(d.title) }),
  'survey.delete': (t, d) => t('auditlog.detail.title', { title: text(d.title) }),
  'survey.update': (t, d) => t('auditlog.detail.fields', { fields: some(t, list(d.fields)) }),
  'survey.questions': (t, d) => t('auditlog.detail.questions', { from: text(d.fromVersion), to: text(d.toVersion), count: text(d.count) }),
  'survey.status': (t, d) =>
    t('auditlog.detail.fromTo', { from: tryKey(t, `survey.status.${text(d.from)}`, text(d.from)), to: tryKey(t, `survey.status.${text(d.to)}`, text(d.to)) }),
  'survey.publish': (t, d, l) => {
    const codes = stationCodes(d.sites, l);
    return t('auditlog.detail.publish', { n: codes.length, codes: some(t, codes) });
  },
  'test-response.submit': (t, d, l) => (d.siteId ? t('auditlog.filter.stations', { codes: stationCodes([d.siteId], l).join('') }) : ''),
  'test-response.delete': (t, d) => t('auditlog.detail.testDelete', { count: text(d.count) }),
  'response.exclude': (t, d) => reviewSentence(t, d),
  'response.keep': (t, d) => reviewSentence(t, d),
  'response.restore': (t, d) => reviewSentence(t, d),
  'response.include': (t, d) => reviewSentence(t, d),
  'evaluation.create': (t, d) => t('auditlog.detail.title', { title: text(d.name) }),
  'evaluation.update': (t, d) => t('auditlog.detail.fields', { fields: some(t, list(d.fields)) }),
  'evaluation.tree': (t, d) => {
    const op = text(d.op);
    const base = tryKey(t, `auditlog.tree.${op}`, op, { name: text(d.name) || text(d.nodeId), points: text(d.points) });
    const removed = list(d.removed).length;
    return removed ? `${base}${t('auditlog.sep')}${t('auditlog.detail.removed', { n: removed })}` : base;
  },
  'evaluation.score': (t, d) => t('auditlog.detail.score', { name: text(d.name), from: text(d.from) || '—', to: text(d.to) || '—', points: text(d.points) }),
  'evaluation.bind': (t, d) => text(d.name) || text(d.indicatorId),
  'evaluation.unbind': (t, d) => text(d.indicatorId),
  'evaluation.lock': (t, d) => t('auditlog.detail.lock', { total: text(d.total), grade: tryKey(t, `evaluation.grade.${text(d.grade)}`, text(d.grade)) }),
  'evaluation.unlock': (t, d) => t('auditlog.detail.unlock', { reason: text(d.reason), total: text(d.total) }),
  'evaluation.report': (t, d) => {
    const fields = list(d.fields).map((f) => tryKey(t, `auditlog.reportField.${f}`, tryKey(t, `reportui.facts.${f}`, f)));
    const what = text(d.name) ? `${some(t, fields)}${t('auditlog.colon')}${text(d.name)}` : some(t, fields);
    return text(d.candidate) ? `${what}${t('auditlog.sep')}${t('auditlog.detail.candidate')}` : what;
  },
  'evaluation.file.upload': (t, d) => t('auditlog.detail.file', { name: text(d.name), sha: text(d.sha256).slice(0, 12) }),
  'evaluation.file.remove': (t, d) => t('auditlog.detail.file', { name: text(d.name), sha: text(d.sha256).slice(0, 12) }),
  'evaluation.file.download': (t, d) => t('auditlog.detail.file', { name: text(d.name), sha: text(d.sha256).slice(0, 12) }),
  'evaluation.expertScores': (t, d) => t('auditlog.detail.expertScores', { expert: text(d.expert), n: text(d.scored) }),
  'evaluation.experts': (t, d) => t('auditlog.detail.expertRule', { rule: tryKey(t, `reportui.experts.ruleName.${text(d.rule)}`, text(d.rule)), threshold: text(d.threshold) }),
  'evaluation.consensus': (t, d) => t('auditlog.detail.consensus', { name: text(d.name), score: text(d.score) }),
  'rectification.update': (t, d) => rectificationSentence(t, d),
  'rectification.import': (t, d) => t('auditlog.detail.rectImport', { n: text(d.count), name: text(d.fromName) || text(d.from) }),
  'rectification.file.upload': (t, d) => t('auditlog.detail.file', { name: text(d.name), sha: text(d.sha256).slice(0, 12) }),
  'rectification.file.remove': (t, d) => t('auditlog.detail.file', { name: text(d.name), sha: text(d.sha256).slice(0, 12) }),
  'report.print': (t, d) => reportSentence(t, d),
  'report.docx': (t, d) => reportSentence(t, d),
  'export.responses': (t, d, l) =>
    t('auditlog.detail.exportResponses', { format: formatName(d.format) + (d.codes === true ? t('auditlog.detail.coded') : ''), rows: text(d.rows), filters: filtersSentence(t, d, l) }),
  'export.statistics': (t, d, l) => t('auditlog.detail.exportStatistics', { format: formatName(d.format), rows: text(d.rows), filters: filtersSentence(t, d, l) }),
  'print.report': (t, d, l) => t('auditlog.detail.printReport', { rows: text(d.rows), filters: filtersSentence(t, d, l) }),
  'export.scorecard': (t, d) => t('auditlog.detail.scorecard', { format: formatName(d.format), rows: text(d.rows) }),
  'print.scorecard': (t, d) => t('auditlog.detail.printScorecard', { rows: text(d.rows) }),
  'poster.download': (t, d) =>
    d.site ? t('auditlog.detail.posterOne', { format: formatName(d.format), code: text(d.site) }) : t('auditlog.detail.posterMany', { format: formatName(d.format), n: text(d.count) }),
  'poster.print': (t, d) => (d.site ? t('auditlog.detail.posterPrintOne', { code: text(d.site) }) : t('auditlog.detail.posterPrintMany', { n: text(d.count) })),
  'qr.download': (t, d) => t('auditlog.detail.qr', { format: formatName(d.format), n: text(d.rows) }),
  'case.contact': (t, d) => (d.callback === true ? t('cases.audit.callback') : t('cases.audit.noCallback')),
  'case.contact.view': (t, d, l) => stationCodes([d.siteId], l).join(''),
  'case.contacted': (t, d) => caseSentence(t, d),
  'case.verify': (t, d) => caseSentence(t, d),
  'case.act': (t, d) => caseSentence(t, d),
  'case.close': (t, d) => caseSentence(t, d),
  'case.review': (t, d) => caseSentence(t, d),
  'case.reopen': (t, d) => caseSentence(t, d),
  'case.appeal': (t, d) => caseSentence(t, d),
  'case.settings': (t, d) =>
    t('cases.audit.settings', { levels: list(d.levels).join('、'), contact: text(d.contactDays), verify: text(d.verifyDays), close: text(d.closeDays) }),
  'calendar.update': (t, d) => t('cases.audit.calendar', { year: text(d.year), n: text(d.count) }),
  'user.email': (t, d) => (d.set === true ? t('cases.audit.emailSet') : t('cases.audit.emailCleared')),
};

/** 问题“…”：整改状态 未整改 → 已完成；责任单位 … (each change from → to). */
function rectificationSentence(t: Translate, d: Details): string {
  const changes = d.changes && typeof d.changes === 'object' ? (d.changes as Record<string, { from?: unknown; to?: unknown }>) : {};
  const value = (field: string, v: unknown) => (field === 'status' ? tryKey(t, `rectification.status.${text(v)}`, text(v)) : text(v) || '—');
  const parts = Object.entries(changes).map(([field, c]) =>
    t('auditlog.detail.rectChange', { field: tryKey(t, `rectification.field.${field}`, field), from: value(field, c?.from), to: value(field, c?.to) }),
  );
  const what = parts.length ? parts.join(t('auditlog.sep')) : t('auditlog.detail.rectNoChange');
  return text(d.problem) ? `${t('auditlog.detail.rectProblem', { problem: text(d.problem) })}${t('auditlog.colon')}${what}` : what;
}

/** A case step: its status change, then the finding, action or appeal and the reason when there is one. */
function caseSentence(t: Translate, d: Details): string {
  const parts = [t('cases.audit.move', { from: tryKey(t, `cases.status.${text(d.from)}`, text(d.from)), to: tryKey(t, `cases.status.${text(d.to)}`, text(d.to)) })];
  if (d.finding) parts.push(tryKey(t, `cases.finding.${text(d.finding)}`, text(d.finding)));
  if (d.action) parts.push(tryKey(t, `cases.action.${text(d.action)}`, text(d.action)));
  if (d.appeal) parts.push(tryKey(t, `cases.appeal.${text(d.appeal)}`, text(d.appeal)));
  if (text(d.reason)) parts.push(t('auditlog.detail.reason', { reason: text(d.reason) }));
  return parts.join(t('auditlog.sep'));
}

function reportSentence(t: Translate, d: Details): string {
  const outline = tryKey(t, `auditlog.outline.${text(d.outline)}`, text(d.outline));
  return d.locked === true ? `${outline}${t('auditlog.sep')}${t('auditlog.detail.locked')}` : outline;
}

function reviewSentence(t: Translate, d: Details): string {
  const change = t('auditlog.detail.fromTo', { from: reviewState(t, d.from), to: reviewState(t, d.to) });
  const reason = text(d.reason) ? `${t('auditlog.sep')}${t('auditlog.detail.reason', { reason: text(d.reason) })}` : '';
  return `${change}${reason}${d.bulk === true ? t('auditlog.detail.bulk') : ''}`;
}

/** The thing an event acted on, named: survey title, station code and name, username, evaluation name. */
function targetText(t: Translate, e: AuditEvent, l: AuditLookups): string {
  const id = e.targetId;
  if (!id) return tryKey(t, `auditlog.target.${e.targetType}`, e.targetType, { name: '' }).trim();
  let name: string | undefined;
  const titled = (title: string | undefined) => (title === undefined ? undefined : t('auditlog.detail.title', { title }));
  if (e.targetType === 'survey') name = titled(l.survey(id));
  else if (e.targetType === 'site') name = l.site(id) && `${l.site(id)!.code} ${l.site(id)!.name}`;
  else if (e.targetType === 'user') name = l.user(id);
  else if (e.targetType === 'evaluation') name = titled(l.evaluation(id));
  return tryKey(t, `auditlog.target.${e.targetType}`, `${e.targetType} ${id}`, { name: name ?? id });
}

/** An action's name from the catalog, its code when the catalog has none. */
export function actionName(t: Translate, action: string): string {
  return tryKey(t, actionNameKey(action), action);
}

/** An audit event in words: its action's name, its target and its details as a short sentence. */
export function describeAuditEvent(t: Translate, e: AuditEvent, lookups: AuditLookups): AuditLine {
  const sentence = SENTENCES[e.action];
  return { action: actionName(t, e.action), target: targetText(t, e, lookups), sentence: sentence ? sentence(t, e.details ?? {}, lookups) : '' };
}
