import crypto from 'node:crypto';
import nodemailer from 'nodemailer';
import { ACTIVE_CASE_STATUSES, type CaseRecord } from '../../models/case';
import { isValidEmail } from '../domain/cases/notices';
import { localDay } from '../domain/time';
import { ForbiddenError, ValidationError } from '../errors';
import { translator, type Locale } from '../i18n';
import { audit } from './audit';
import type { Actor, Deps } from './context';

/**
 * 以评促改 notices to people and other systems, both off unless configured: an e-mail (SMTP_URL)
 * to the station's staff who gave an address, and a signed webhook (WEBHOOK_URL). Neither ever
 * holds up the resident's request: they run after it, and a failure is logged, never thrown.
 * Notices name the case, its station and due day, never the resident's answers or contact.
 */
export type CaseEvent = 'case.opened' | 'case.late';

export interface NoticeOptions {
  /** Delays between webhook attempts (ms): 4 attempts by default, 2 s, 10 s and 60 s apart. */
  retryDelays?: number[];
}

const DEFAULT_RETRIES = [2_000, 10_000, 60_000];

/** The webhook's signature header value: sha256=<hex HMAC-SHA256 of the exact body bytes>. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;
}

function payloadOf(event: CaseEvent, c: CaseRecord, at: string) {
  return {
    event,
    at,
    case: { id: c.id, surveyId: c.surveyId, siteId: c.siteId, responseId: c.responseId, status: c.status, due: c.due, nextDue: c.nextDue },
  };
}

/** POSTs the event, retrying with backoff until a 2xx or the attempts run out; resolves with how many attempts were made. */
export async function sendWebhook(deps: Deps, event: CaseEvent, c: CaseRecord, options: NoticeOptions = {}): Promise<number> {
  const { webhookUrl, webhookSecret } = deps.config;
  if (!webhookUrl || !webhookSecret) return 0;
  const body = JSON.stringify(payloadOf(event, c, deps.clock().toISOString()));
  const delays = options.retryDelays ?? DEFAULT_RETRIES;
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-manyi-event': event, 'x-manyi-signature': webhookSignature(webhookSecret, body) },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      if (res.ok) return attempt + 1;
      deps.logger.warn({ status: res.status, attempt: attempt + 1, event }, 'webhook refused');
    } catch (err) {
      deps.logger.warn({ err, attempt: attempt + 1, event }, 'webhook failed');
    }
    if (attempt >= delays.length) {
      deps.logger.error({ event, caseId: c.id }, 'webhook gave up after its retries');
      return attempt + 1;
    }
    // unref: a pending retry never keeps a stopping process alive.
    await new Promise((resolve) => setTimeout(resolve, delays[attempt]).unref());
  }
}

/** E-mails the staff of the case's station who gave an address; resolves with how many were sent to. */
export async function sendCaseMail(deps: Deps, event: CaseEvent, c: CaseRecord): Promise<number> {
  if (!deps.config.smtpUrl) return 0;
  const staff = (await deps.store.users.list()).filter((u) => u.role === 'station' && u.active && u.siteIds.includes(c.siteId) && u.email);
  if (staff.length === 0) return 0;
  const [site, survey] = await Promise.all([deps.store.sites.get(c.siteId), deps.store.surveys.get(c.surveyId)]);
  const locale: Locale = survey?.locale === 'en' ? 'en' : 'zh-CN';
  const t = translator(locale);
  const link = `${deps.config.publicBaseUrl}/admin/cases/${c.id}`;
  const station = site ? `${site.code} ${site.name}` : c.siteId;
  const subject = t(event === 'case.opened' ? 'cases.mail.openedSubject' : 'cases.mail.lateSubject', { station });
  const text = t(event === 'case.opened' ? 'cases.mail.openedText' : 'cases.mail.lateText', { station, survey: survey?.title ?? '', due: c.nextDue ?? '—', link });
  const transport = nodemailer.createTransport(deps.config.smtpUrl);
  try {
    await transport.sendMail({ from: deps.config.smtpFrom, to: staff.map((u) => u.email!), subject, text });
  } finally {
    transport.close();
  }
  return staff.length;
}

/** Both notices for one event, in the background: resolves when done, never rejects. */
export function noticeInBackground(deps: Deps, event: CaseEvent, c: CaseRecord, options: NoticeOptions = {}): Promise<void> {
  if (!deps.config.smtpUrl && !deps.config.webhookUrl) return Promise.resolve();
  return Promise.allSettled([sendCaseMail(deps, event, c), sendWebhook(deps, event, c, options)]).then((results) => {
    for (const r of results) if (r.status === 'rejected') deps.logger.warn({ err: r.reason, event, caseId: c.id }, 'case notice failed');
  });
}

/**
 * Late notices (run hourly): each case whose awaited step is past due gets one notice per due day
 * it misses, recorded on the case (lateNoticeFor) before sending, so several instances send it once.
 */
export async function noticeLateCases(deps: Deps, options: NoticeOptions = {}): Promise<number> {
  if (!deps.config.smtpUrl && !deps.config.webhookUrl) return 0;
  const today = localDay(deps.clock(), deps.config.timeZone);
  let sent = 0;
  for (const c of await deps.store.cases.list({ dueBefore: today, statuses: [...ACTIVE_CASE_STATUSES] })) {
    if (c.lateNoticeFor === c.nextDue || c.appeal) continue;
    // Same updatedAt: recording the notice is not a change of the case anyone could conflict with.
    const marked = await deps.store.cases.update(c.id, c.updatedAt, { ...c, lateNoticeFor: c.nextDue });
    if (!marked) continue;
    await noticeInBackground(deps, 'case.late', marked, options);
    sent++;
  }
  return sent;
}

/** A station worker's own notice address (empty clears it); audited. */
export async function setNoticeEmail(deps: Deps, actor: Actor, raw: unknown): Promise<string | null> {
  // Notices go to station staff only: nobody else has an address to set.
  if (!actor.id || actor.role !== 'station' || actor.scope === 'read') throw new ForbiddenError();
  const email = typeof raw === 'string' ? raw.trim() : '';
  if (email && !isValidEmail(email)) throw new ValidationError({ email: { key: 'cases.error.email' } });
  await deps.store.users.update(actor.id, { email: email || null, updatedAt: deps.clock().toISOString() });
  await audit(deps, actor, 'user.email', { type: 'user', id: actor.id }, { set: email !== '' });
  return email || null;
}
