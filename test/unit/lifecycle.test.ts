import { defaultSettings, type Survey } from '../../models/survey';
import { POSTER_STAGES, publicationStage, RESIDENT_PAGE, surveyStage } from '../../server/domain/lifecycle';
import { checkPaperDate, PAPER_DATE_MAX_AGE_DAYS } from '../../server/domain/paper-date';
import { isLoopbackHost, publicAddressProblem } from '../../server/domain/public-address';

const survey = (status: Survey['status'], window: { opensAt?: string | null; closesAt?: string | null } = {}) => ({
  status,
  settings: { ...defaultSettings(), opensAt: window.opensAt ?? null, closesAt: window.closesAt ?? null },
});
const at = (iso: string) => new Date(iso);
const active = { active: true };
const paused = { active: false };

describe('publicationStage', () => {
  const now = at('2026-12-07T04:00:00Z');
  it('is draft while the survey is a draft, whatever the station', () => {
    expect(publicationStage(survey('draft'), active, active, now)).toBe('draft');
    expect(publicationStage(survey('draft'), paused, active, now)).toBe('draft');
  });
  it('is scheduled before the opening time of an open survey, open inside its window', () => {
    expect(publicationStage(survey('open', { opensAt: '2026-12-08T00:00:00+08:00' }), active, active, now)).toBe('scheduled');
    expect(publicationStage(survey('open', { opensAt: '2026-12-07T12:00:00+08:00' }), active, active, now)).toBe('open');
  });
  it('is paused when the station’s publication is switched off, even before opening', () => {
    expect(publicationStage(survey('open'), paused, active, now)).toBe('paused');
    expect(publicationStage(survey('open', { opensAt: '2026-12-08T00:00:00+08:00' }), paused, active, now)).toBe('paused');
  });
  it('is closed when the survey is closed or archived, past its closing time, or the station no longer operates', () => {
    expect(publicationStage(survey('closed'), active, active, now)).toBe('closed');
    expect(publicationStage(survey('archived'), paused, active, now)).toBe('closed');
    expect(publicationStage(survey('open', { closesAt: '2026-12-07T12:00:00+08:00' }), active, active, now)).toBe('closed');
    expect(publicationStage(survey('open'), active, { active: false }, now)).toBe('closed');
    expect(publicationStage(survey('open'), active, null, now)).toBe('closed');
  });
  it('gives residents the form only when open, with a status for every other page', () => {
    expect(RESIDENT_PAGE.open).toEqual({ view: 'form', status: 200 });
    expect(RESIDENT_PAGE.paused).toEqual({ view: 'paused', status: 503 });
    expect(RESIDENT_PAGE.closed).toEqual({ view: 'ended', status: 410 });
    expect(RESIDENT_PAGE.draft.view).toBe('not-yet');
    expect(RESIDENT_PAGE.scheduled.view).toBe('not-yet');
  });
  it('hands out posters for open and scheduled stations only', () => {
    expect([...POSTER_STAGES].sort()).toEqual(['open', 'scheduled']);
  });
});

describe('surveyStage', () => {
  const now = at('2026-12-07T04:00:00Z');
  it('names the survey’s stage from its status and window', () => {
    expect(surveyStage(survey('draft'), now)).toBe('draft');
    expect(surveyStage(survey('open', { opensAt: '2026-12-09T00:00:00Z' }), now)).toBe('scheduled');
    expect(surveyStage(survey('open'), now)).toBe('open');
    expect(surveyStage(survey('open', { closesAt: '2026-12-01T00:00:00Z' }), now)).toBe('closed');
    expect(surveyStage(survey('closed'), now)).toBe('closed');
    expect(surveyStage(survey('archived'), now)).toBe('archived');
  });
});

describe('checkPaperDate', () => {
  const today = '2026-12-07';
  it('accepts today and earlier days within a year', () => {
    expect(checkPaperDate('2026-12-07', today)).toEqual({ day: '2026-12-07' });
    expect(checkPaperDate(' 2026-02-28 ', today)).toEqual({ day: '2026-02-28' });
  });
  it('refuses a missing, malformed or impossible date, naming why', () => {
    expect(checkPaperDate('', today)).toEqual({ error: { key: 'paper.dateRequired' } });
    expect(checkPaperDate(undefined, today)).toEqual({ error: { key: 'paper.dateRequired' } });
    expect(checkPaperDate(['2026-12-01'], today)).toEqual({ error: { key: 'paper.dateRequired' } });
    expect(checkPaperDate('2026-02-30', today)).toEqual({ error: { key: 'paper.dateInvalid' } });
    expect(checkPaperDate('12/01/2026', today)).toEqual({ error: { key: 'paper.dateInvalid' } });
  });
  it('refuses a date after today and one older than the limit', () => {
    expect(checkPaperDate('2026-12-08', today)).toEqual({ error: { key: 'paper.dateFuture', params: { today } } });
    expect(checkPaperDate('2025-12-05', today)).toEqual({ error: { key: 'paper.dateTooOld', params: { days: PAPER_DATE_MAX_AGE_DAYS } } });
    expect(checkPaperDate('2025-12-06', today)).toEqual({ day: '2025-12-06' });
  });
});

describe('publicAddressProblem', () => {
  it('recognises names that reach only this machine', () => {
    for (const h of ['localhost', 'LOCALHOST', 'app.localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '0.0.0.0']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['192.168.1.20', 'manyi.example.org', '10.0.0.1', '128.0.0.1']) expect(isLoopbackHost(h)).toBe(false);
  });
  it('flags a loopback address and suggests the address the admin browses from, else the LAN address', () => {
    expect(publicAddressProblem('http://localhost:3000', 'http://192.168.1.20:3000', ['http://10.0.0.5:3000'])).toEqual({
      kind: 'loopback',
      url: 'http://localhost:3000',
      suggestion: 'http://192.168.1.20:3000',
    });
    expect(publicAddressProblem('http://localhost:3000', 'http://localhost:3000', ['http://10.0.0.5:3000'])).toEqual({
      kind: 'loopback',
      url: 'http://localhost:3000',
      suggestion: 'http://10.0.0.5:3000',
    });
    expect(publicAddressProblem('http://127.0.0.1:3000', null, [])).toMatchObject({ kind: 'loopback', suggestion: null });
  });
  it('flags an admin on another reachable address, and is silent when they agree or the admin is on this machine', () => {
    expect(publicAddressProblem('http://manyi.test', 'http://10.0.0.5:3000', [])).toEqual({
      kind: 'other-host',
      url: 'http://manyi.test',
      here: 'http://10.0.0.5:3000',
      suggestion: 'http://10.0.0.5:3000',
    });
    expect(publicAddressProblem('https://manyi.example.org', 'https://MANYI.example.org', [])).toBeNull();
    expect(publicAddressProblem('http://192.168.1.20:3000', 'http://localhost:3000', [])).toBeNull();
  });
});
