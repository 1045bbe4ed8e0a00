import os from 'node:os';
import pino from 'pino';
import request from 'supertest';
import type { Response } from 'supertest';
import { createApp } from '../../server/app';
import { loadConfig } from '../../server/config';
import { listRoutes, type RouteInfo } from '../../server/http/routes-list';
import { openSqliteStore } from '../../server/store/sqlite';
import type { TestApp } from '../helpers/app';

/** What EJS's `<%= %>` makes of a string. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c]!);
}

const TAG = /<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/g;
const ATTR = /\s+([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?/g;
const URL_ATTRS = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'data']);

/**
 * Markup a browser would run, found by reading the page's real tags (quoted attribute values are
 * skipped, so an escaped payload inside value="…" is not mistaken for a tag): event-handler
 * attributes, scripts that are not this server's files, javascript: URLs, frames and plugins, and
 * textareas closed more often than opened.
 */
export function unsafeMarkup(html: string): string[] {
  const problems: string[] = [];
  for (const m of html.matchAll(TAG)) {
    const tag = m[1]!.toLowerCase();
    const attrs = new Map<string, string>();
    for (const a of (m[2] ?? '').matchAll(ATTR)) {
      const name = a[1]!.toLowerCase();
      const value = (a[2] ?? '').replace(/^["']|["']$/g, '');
      attrs.set(name, value);
      if (/^on/.test(name)) problems.push(`event handler ${name} on <${tag}>`);
      if (name === 'style') problems.push(`inline style on <${tag}>`);
      if (URL_ATTRS.has(name) && /^\s*(javascript|vbscript|data:text\/html)/i.test(value.replace(/&#\d+;|&[a-z]+;/gi, ''))) problems.push(`${name}=${value} on <${tag}>`);
    }
    if (tag === 'script' && !/^\/static\//.test(attrs.get('src') ?? '')) problems.push(`script ${m[0]}`);
    if (['iframe', 'object', 'embed', 'svg', 'math', 'base'].includes(tag)) problems.push(`<${tag}>`);
  }
  const opened = (html.match(/<textarea[\s>]/gi) ?? []).length;
  const closed = (html.match(/<\/textarea>/gi) ?? []).length;
  if (opened !== closed) problems.push(`${opened} <textarea> but ${closed} </textarea>`);
  return problems;
}

/** Everything a refused request must leave as it was (responses, sites, surveys, evaluations, users, audit events). */
export async function snapshot(t: TestApp): Promise<string> {
  const [sites, surveys, evaluations, users, audit] = await Promise.all([
    t.store.sites.list(),
    t.store.surveys.list(),
    t.store.evaluations.list(),
    t.store.users.list(),
    t.store.audit.count(),
  ]);
  const responses: Record<string, unknown> = {};
  for (const s of surveys) {
    const rows = await t.store.responses.list({ surveyId: s.id }, { limit: 100_000 });
    responses[s.id] = rows.map((r) => [r.id, r.review, r.reviewReason]);
    responses[`${s.id}:versions`] = (await t.store.surveys.listVersions(s.id)).length;
    responses[`${s.id}:publications`] = (await t.store.publications.listBySurvey(s.id)).map((p) => [p.id, p.active]);
  }
  return JSON.stringify({
    sites,
    surveys,
    evaluations: evaluations.map((e) => [e.id, e.updatedAt, e.locked, e.name]),
    users: users.map((u) => [u.id, u.username, u.role, u.active, u.siteIds]),
    audit,
    responses,
  });
}

/** A JSON refusal: one of the statuses, {error: {code, message, fields?}} with the message in Chinese. */
export function expectJsonRefusal(res: Response, statuses: number[], what: string): void {
  if (!statuses.includes(res.status)) throw new Error(`${what}: expected ${statuses.join('/')}, got ${res.status}: ${res.text.slice(0, 300)}`);
  const err = (res.body as { error?: { code?: unknown; message?: unknown; fields?: unknown } }).error;
  if (!err || typeof err.code !== 'string' || typeof err.message !== 'string') throw new Error(`${what}: no {error:{code,message}} in ${res.text.slice(0, 300)}`);
  if (!/[\u4e00-\u9fff]/.test(err.message)) throw new Error(`${what}: message not in Chinese: ${err.message}`);
  if (err.fields !== undefined && (typeof err.fields !== 'object' || err.fields === null)) throw new Error(`${what}: fields is not an object`);
  const extra = Object.keys(res.body as object).filter((k) => k !== 'error');
  if (extra.length) throw new Error(`${what}: unexpected keys ${extra.join(', ')}`);
}

/** An HTML refusal: one of the statuses, an HTML page that says what is wrong in Chinese. */
export function expectHtmlRefusal(res: Response, statuses: number[], what: string, message?: string | RegExp): void {
  if (!statuses.includes(res.status)) throw new Error(`${what}: expected ${statuses.join('/')}, got ${res.status}: ${res.text.slice(0, 300)}`);
  if (!String(res.headers['content-type']).startsWith('text/html')) throw new Error(`${what}: not HTML but ${res.headers['content-type']}`);
  if (!/<html lang="zh-CN">/.test(res.text)) throw new Error(`${what}: page not in Chinese`);
  if (!/role="alert"|class="error-box"|class="field-error"|class="err"/.test(res.text)) throw new Error(`${what}: no error message on the page`);
  if (message && !(typeof message === 'string' ? res.text.includes(message) : message.test(res.text))) throw new Error(`${what}: message ${String(message)} missing`);
}

/** Sends bytes exactly as given (supertest would JSON-encode a Buffer). */
export function sendRaw(req: request.Test, contentType: string, body: Buffer): request.Test {
  return req.set('Content-Type', contentType).serialize((x: unknown) => x as string).send(body as unknown as string);
}

/** JSON nested `levels` deep: {"a":{"a":…}} */
export function deepJson(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

export const polluted = () => (({}) as Record<string, unknown>).polluted ?? (Object.prototype as Record<string, unknown>).x;

/**
 * The routes of a freshly built app, known while jest collects the tests (so each route is its
 * own case): the app is built on a throwaway database and thrown away.
 */
export function discoverRoutes(): RouteInfo[] {
  const store = openSqliteStore(':memory:');
  const config = { ...loadConfig({ DATA_DIR: os.tmpdir(), LOG_LEVEL: 'silent' }), sessionSecret: 'route-discovery-secret-route-discovery-secret' };
  const routes = listRoutes(createApp({ config, store, logger: pino({ level: 'silent' }) }));
  // An in-memory database closes synchronously.
  void store.close();
  return routes;
}
