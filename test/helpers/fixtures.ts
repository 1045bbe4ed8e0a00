import type { Publication } from '../../models/publication';
import type { SurveyResponse } from '../../models/response';
import type { Site } from '../../models/site';
import { defaultSettings, type Question, type Survey, type SurveyVersion } from '../../models/survey';
import type { User } from '../../models/user';
import { newId, newSecretToken } from '../../server/ids';
import type { Store } from '../../server/store';

const T0 = '2026-11-01T02:00:00.000Z';

export function userFixture(over: Partial<User> = {}): User {
  return {
    id: newId(),
    username: `u${Math.random().toString(36).slice(2, 10)}`,
    passwordHash: 'x',
    role: 'evaluator',
    siteIds: [],
    active: true,
    failedLogins: 0,
    lockedUntil: null,
    mustChangePassword: false,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

export function siteFixture(over: Partial<Site> = {}): Site {
  const code = over.code ?? `S${Math.random().toString(36).slice(2, 8)}`;
  return { id: newId(), code, name: `站点 ${code}`, township: '镇', kind: 'township', recipients: 200, active: true, isDemo: false, createdAt: T0, updatedAt: T0, ...over };
}

export function question(over: Partial<Question> & Pick<Question, 'id' | 'type'>): Question {
  const likert = over.type === 'likert5';
  return {
    text: `问题 ${over.id}`,
    help: '',
    required: false,
    options: likert
      ? [
          { id: '5', label: '非常满意' },
          { id: '4', label: '满意' },
          { id: '3', label: '基本满意' },
          { id: '2', label: '不满意' },
          { id: '1', label: '非常不满意' },
        ]
      : [],
    dimension: likert ? 'overall' : null,
    countsTowardSatisfaction: likert,
    allowNotApplicable: likert,
    notApplicableLabel: likert ? '不了解/不适用' : '',
    min: null,
    max: null,
    maxLength: null,
    ...over,
  };
}

/** A small survey with one question of each kind and the segment question 'seg'. */
export function surveyFixture(over: Partial<Survey> = {}): { survey: Survey; version: SurveyVersion } {
  const questions: Question[] = [
    question({ id: 'seg', type: 'single', required: true, options: [{ id: 'a', label: '特困人员' }, { id: 'b', label: '残疾人' }] }),
    question({ id: 'q1', type: 'likert5', required: true, dimension: 'attitude' }),
    question({ id: 'q2', type: 'likert5', dimension: 'effect' }),
    question({ id: 'm', type: 'multi', options: [{ id: 'x', label: '到站' }, { id: 'y', label: '上门' }] }),
    question({ id: 'r', type: 'rating', min: 1, max: 5 }),
    question({ id: 'n', type: 'number', min: 0, max: 120 }),
    question({ id: 'c', type: 'text', maxLength: 1000 }),
  ];
  const id = over.id ?? newId();
  const survey: Survey = {
    id,
    title: '满意度调查',
    description: '',
    status: 'open',
    version: 1,
    questions,
    segmentQuestionId: 'seg',
    settings: defaultSettings(),
    locale: 'zh-CN',
    timeZone: 'Asia/Shanghai',
    responseCount: 0,
    isDemo: false,
    createdBy: null,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
  return { survey, version: { surveyId: id, version: survey.version, questions: survey.questions, segmentQuestionId: survey.segmentQuestionId, createdAt: T0 } };
}

export function publicationFixture(surveyId: string, siteId: string, over: Partial<Publication> = {}): Publication {
  return { id: newId(), surveyId, siteId, code: newSecretToken(6).toLowerCase(), active: true, createdAt: T0, ...over };
}

export function responseFixture(p: Publication, over: Partial<SurveyResponse> = {}): SurveyResponse {
  return {
    id: newId(),
    surveyId: p.surveyId,
    version: 1,
    siteId: p.siteId,
    publicationId: p.id,
    channel: 'qr',
    startedAt: '2026-11-01T01:58:00.000Z',
    submittedAt: T0,
    day: '2026-11-01',
    durationMs: 120000,
    answers: { seg: 'a', q1: '5', q2: '4', m: ['x', 'y'], r: 4, n: 70, c: '很好' },
    segment: 'a',
    flags: [],
    review: null,
    reviewReason: null,
    reviewedBy: null,
    reviewedAt: null,
    deviceHash: 'dev-' + newSecretToken(4),
    ipHash: 'ip-1',
    submissionToken: newSecretToken(12),
    enteredBy: null,
    paperDate: null,
    isDemo: false,
    ...over,
  };
}

/** A station, a survey and its publication there, created in a store: what most store tests start from. */
export async function seedPublication(store: Store) {
  const site = siteFixture();
  await store.sites.create(site);
  const { survey, version } = surveyFixture();
  await store.surveys.create(survey, version);
  const pub = publicationFixture(survey.id, site.id);
  await store.publications.create(pub);
  return { site, survey, version, pub };
}
