import { z } from 'zod';
import { APPEAL_KINDS, CASE_ACTIONS, CASE_STATUSES, CASE_STEPS, FINDINGS, type CaseRecord } from '../../models/case';
import type { CaseMetrics, CaseRate } from '../domain/cases/metrics';
import { roundTo, RATE_DIGITS } from '../domain/grading';
import type { CaseRow } from './cases';

/**
 * Cases (以评促改) as the API shows them: never the resident's contact (it lives apart and is shown
 * only on the case page to the station and admins), never the receipt code. Rates are fractions 0–1.
 */
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const rateSchema = z.object({
  numerator: z.number().int().min(0),
  denominator: z.number().int().min(0),
  rate: z.number().min(0).max(1).nullable().meta({ description: 'a fraction 0–1; null when nothing was due (0/0)' }),
});

export const caseMetricsSchema = z.object({
  opened: z.number().int().min(0).meta({ description: 'cases opened, those marked 恶意/误评 (申诉复核) left out' }),
  appealed: z.number().int().min(0).meta({ description: 'cases marked 恶意 or 误评, counted apart' }),
  callback: rateSchema.meta({ description: '回访率: named cases with a call-back recorded / named cases' }),
  onTimeContact: rateSchema.meta({ description: 'named cases first contacted by their due day / named cases contacted or past due' }),
  rectified: rateSchema.meta({ description: '整改率: closed after 立行立改 or 限期整改 / verified 属实 or 部分属实' }),
  onTimeClosure: rateSchema.meta({ description: 'closed by the due day / closed or past the closing day' }),
  medianDaysToClose: z.number().nullable().meta({ description: 'median working days from (re)opening to closing' }),
  reopened: rateSchema.meta({ description: 'cases reopened at least once / cases ever closed' }),
  late: z.number().int().min(0).meta({ description: 'cases whose awaited step is past due' }),
});

export const caseSurveyMetricsSchema = z.object({
  overall: caseMetricsSchema,
  sites: z.array(caseMetricsSchema.extend({ siteId: z.string() })),
});

const rateForApi = (r: CaseRate) => ({ ...r, rate: r.rate === null ? null : roundTo(r.rate, RATE_DIGITS) });
export function metricsForApi(m: CaseMetrics): z.output<typeof caseMetricsSchema> {
  return {
    ...m,
    callback: rateForApi(m.callback),
    onTimeContact: rateForApi(m.onTimeContact),
    rectified: rateForApi(m.rectified),
    onTimeClosure: rateForApi(m.onTimeClosure),
    reopened: rateForApi(m.reopened),
  };
}
export function surveyMetricsForApi(m: { overall: CaseMetrics; sites: Map<string, CaseMetrics> }): z.output<typeof caseSurveyMetricsSchema> {
  return { overall: metricsForApi(m.overall), sites: [...m.sites.entries()].map(([siteId, s]) => ({ siteId, ...metricsForApi(s) })) };
}

const eventSchema = z.object({
  at: z.iso.datetime(),
  by: z.string().nullable().meta({ description: 'user id; null for the system and the resident' }),
  byName: z.string(),
  step: z.enum([...CASE_STEPS, 'open', 'contact-left']),
  note: z.string(),
  finding: z.enum(FINDINGS).optional(),
  action: z.enum(CASE_ACTIONS).optional(),
  item: z.string().optional(),
  itemDue: day.optional(),
  appeal: z.enum(APPEAL_KINDS).optional(),
});

export const caseApiSchema = z.object({
  id: z.string(),
  responseId: z.string(),
  surveyId: z.string(),
  siteId: z.string(),
  status: z.enum(CASE_STATUSES),
  openedAt: z.iso.datetime(),
  openedDay: day.meta({ description: 'the local day deadlines count from (the last reopening)' }),
  due: z.object({ contact: day.nullable(), verify: day.nullable(), close: day.nullable() }).meta({ description: 'due day of each step in working days (调休 included); null when the calendar lacks the year (calendarGap)' }),
  nextDue: day.nullable().meta({ description: 'due day of the step the case waits for; null once closed' }),
  late: z.boolean(),
  calendarGap: z.number().int().nullable(),
  named: z.boolean().meta({ description: '实名: the resident left a phone number (the number itself is never in the API)' }),
  contactedAt: z.iso.datetime().nullable(),
  verifiedAt: z.iso.datetime().nullable(),
  finding: z.enum(FINDINGS).nullable(),
  action: z.object({ kind: z.enum(CASE_ACTIONS), item: z.string(), itemDue: day.nullable() }).nullable(),
  closedAt: z.iso.datetime().nullable(),
  reviewedAt: z.iso.datetime().nullable(),
  reopenCount: z.number().int().min(0),
  appeal: z.object({ kind: z.enum(APPEAL_KINDS), reason: z.string(), by: z.string().nullable(), at: z.iso.datetime() }).nullable(),
  history: z.array(eventSchema),
  updatedAt: z.iso.datetime(),
});

export const caseForApi = (c: CaseRow): z.output<typeof caseApiSchema> => {
  const { late, lateNoticeFor: _notice, ...rest } = c;
  return { ...(rest as CaseRecord), late };
};
