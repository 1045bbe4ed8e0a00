import type { AnswerValue, SurveyResponse } from '../../models/response';
import type { Question } from '../../models/survey';
import { applyReviewAction, countingStatus, flagEffect, honeypotFilled, isValidState, qualityFlags, STRAIGHTLINE_MIN_ITEMS, type QualityInput } from '../../server/domain/quality';
import { tallyState } from '../../server/domain/tally';
import { question } from '../helpers/fixtures';

/** Five satisfaction items, one Likert item that does not count, and a choice. */
const questions: Question[] = [
  question({ id: 's1', type: 'likert5' }),
  question({ id: 's2', type: 'likert5' }),
  question({ id: 's3', type: 'likert5' }),
  question({ id: 's4', type: 'likert5' }),
  question({ id: 's5', type: 'likert5' }),
  question({ id: 'info', type: 'likert5', countsTowardSatisfaction: false }),
  question({ id: 'seg', type: 'single', options: [{ id: 'a', label: 'A' }, { id: 'b', label: 'B' }] }),
];

/** A careful resident: varied answers, two minutes, alone at this station. */
function input(over: Partial<QualityInput> = {}): QualityInput {
  return {
    durationMs: 120_000,
    minAnswerSeconds: 20,
    answers: { s1: '5', s2: '4', s3: '5', s4: '3', s5: '4', seg: 'a' },
    questions,
    recentSubmissions: 0,
    burstPerMinute: 10,
    deviceAtOtherSite: false,
    channel: 'qr',
    honeypot: false,
    removedCharacters: 0,
    ...over,
  };
}

const same = (level: string, ids = ['s1', 's2', 's3', 's4', 's5']): Record<string, AnswerValue> => Object.fromEntries(ids.map((id) => [id, level]));

describe('qualityFlags', () => {
  it('flags nothing for a careful answer', () => {
    expect(qualityFlags(input())).toEqual([]);
  });

  describe('speeder', () => {
    it('flags an answer one millisecond faster than the minimum time', () => {
      expect(qualityFlags(input({ durationMs: 19_999 }))).toEqual(['speeder']);
    });

    it('does not flag an answer that takes exactly the minimum time', () => {
      expect(qualityFlags(input({ durationMs: 20_000 }))).toEqual([]);
    });

    it('never flags when the survey sets no minimum time', () => {
      expect(qualityFlags(input({ durationMs: 0, minAnswerSeconds: 0 }))).toEqual([]);
    });
  });

  describe('straightline', () => {
    it(`needs at least ${STRAIGHTLINE_MIN_ITEMS} satisfaction items answered with the same level`, () => {
      expect(STRAIGHTLINE_MIN_ITEMS).toBe(4);
      expect(qualityFlags(input({ answers: same('5', ['s1', 's2', 's3', 's4']) }))).toEqual(['straightline']);
      expect(qualityFlags(input({ answers: same('5', ['s1', 's2', 's3']) }))).toEqual([]);
      expect(qualityFlags(input({ answers: same('1') }))).toEqual(['straightline']);
    });

    it('does not flag when one item differs', () => {
      expect(qualityFlags(input({ answers: { ...same('5'), s5: '4' } }))).toEqual([]);
    });

    it('ignores 不了解/不适用: three levels and a na are too few, four levels and a na still flag', () => {
      expect(qualityFlags(input({ answers: { ...same('4', ['s1', 's2', 's3']), s4: 'na' } }))).toEqual([]);
      expect(qualityFlags(input({ answers: { ...same('4', ['s1', 's2', 's3', 's4']), s5: 'na' } }))).toEqual(['straightline']);
      expect(qualityFlags(input({ answers: same('na') }))).toEqual([]);
    });

    it('counts only items that count toward satisfaction', () => {
      expect(qualityFlags(input({ answers: { ...same('5', ['s1', 's2', 's3']), info: '5' } }))).toEqual([]);
    });
  });

  describe('burst', () => {
    it('does not flag the tenth submission in a minute when ten are allowed', () => {
      expect(qualityFlags(input({ recentSubmissions: 9, burstPerMinute: 10 }))).toEqual([]);
    });

    it('flags the eleventh', () => {
      expect(qualityFlags(input({ recentSubmissions: 10, burstPerMinute: 10 }))).toEqual(['burst']);
    });
  });

  describe('multisite', () => {
    it('flags a device that already answered at another station', () => {
      expect(qualityFlags(input({ deviceAtOtherSite: true }))).toEqual(['multisite']);
    });
  });

  describe.each(['assisted', 'paper'] as const)('staff entry (%s: 代填, 纸质录入)', (channel) => {
    it('skips burst and multisite, which describe one worker entering many answers', () => {
      expect(qualityFlags(input({ channel, recentSubmissions: 50, deviceAtOtherSite: true }))).toEqual([]);
    });

    it('is exempt from the timing rule: an entry of 5 s is not a speeder', () => {
      expect(qualityFlags(input({ channel, durationMs: 5000, minAnswerSeconds: 20 }))).toEqual([]);
    });

    it('still flags straight-lining, which describes the answers themselves', () => {
      expect(qualityFlags(input({ channel, durationMs: 1000, answers: same('3'), recentSubmissions: 50, deviceAtOtherSite: true }))).toEqual(['straightline']);
    });
  });

  it('lists every flag that applies, in a fixed order', () => {
    expect(qualityFlags(input({ channel: 'link', durationMs: 0, answers: same('2'), recentSubmissions: 10, deviceAtOtherSite: true }))).toEqual([
      'speeder',
      'straightline',
      'burst',
      'multisite',
    ]);
  });
});

describe('isValidState', () => {
  it('counts a clean response as valid under any rules', () => {
    expect(isValidState('', [])).toBe(true);
    expect(isValidState('', ['speeder', 'straightline', 'burst', 'multisite'])).toBe(true);
  });

  it('never counts an excluded response', () => {
    expect(isValidState('excluded', [])).toBe(false);
  });

  it('always counts a response a person kept', () => {
    expect(isValidState('kept', ['speeder', 'straightline', 'burst', 'multisite'])).toBe(true);
  });

  it('counts a flagged response as valid unless one of its flags is an enabled rule', () => {
    expect(isValidState('speeder', [])).toBe(true);
    expect(isValidState('speeder', ['speeder'])).toBe(false);
    expect(isValidState('burst,speeder', ['straightline'])).toBe(true);
    expect(isValidState('burst,speeder', ['burst'])).toBe(false);
    expect(isValidState('burst,speeder', ['speeder', 'multisite'])).toBe(false);
  });

  it('matches whole flags, not parts of them', () => {
    expect(isValidState('speeder', ['speed'])).toBe(true);
    expect(isValidState('multisite', ['site'])).toBe(true);
  });
});

describe('countingStatus', () => {
  const RULES = ['speeder', 'straightline', 'burst', 'multisite'] as const;
  const decision = { reviewReason: '核实', reviewedBy: 'u1', reviewedAt: '2026-11-05T00:00:00.000Z' };
  const none = { reviewReason: null, reviewedBy: null, reviewedAt: null };
  const r = (flags: string[], review: SurveyResponse['review'] = null) => ({ flags, review, ...(review ? decision : none) });

  it('says counted for an unflagged response left to the rules', () => {
    expect(countingStatus(r([]), ['speeder'])).toEqual({ kind: 'counted', counts: true, invalidating: [], tolerated: [], notes: [], decision: null });
  });

  it('says not counted because of the flags whose rule is on, naming them', () => {
    expect(countingStatus(r(['straightline', 'speeder']), ['speeder'])).toEqual({ kind: 'notCounted', counts: false, invalidating: ['speeder'], tolerated: ['straightline'], notes: [], decision: null });
  });

  it('says counted although flagged when every one of its rules is off', () => {
    expect(countingStatus(r(['speeder']), [])).toEqual({ kind: 'countedFlagged', counts: true, invalidating: [], tolerated: ['speeder'], notes: [], decision: null });
  });

  it('says excluded by a person, with reason, who and when, whatever the flags and rules', () => {
    for (const flags of [[], ['speeder']]) {
      expect(countingStatus(r(flags, 'excluded'), ['speeder'])).toMatchObject({ kind: 'excluded', counts: false, decision: { reason: '核实', by: 'u1', at: '2026-11-05T00:00:00.000Z' } });
    }
  });

  it('says kept by a person despite flags, and counts it even when its rule is on', () => {
    expect(countingStatus(r(['speeder'], 'kept'), ['speeder'])).toEqual({ kind: 'kept', counts: true, invalidating: ['speeder'], tolerated: [], notes: [], decision: { reason: '核实', by: 'u1', at: '2026-11-05T00:00:00.000Z' } });
  });

  it('agrees with isValidState over the tally state for every combination of flags, rules and review', () => {
    const subsets = <T,>(xs: readonly T[]): T[][] => xs.reduce<T[][]>((acc, x) => acc.concat(acc.map((s) => [...s, x])), [[]]);
    let cases = 0;
    for (const flags of subsets([...RULES, 'honeypot', 'cleaned'])) {
      for (const rules of subsets(RULES)) {
        for (const review of [null, 'excluded', 'kept'] as const) {
          const response = r(flags, review);
          const status = countingStatus(response, rules);
          expect(status.counts).toBe(isValidState(tallyState(response), rules));
          expect([...status.invalidating, ...status.tolerated, ...status.notes].sort()).toEqual([...flags].sort());
          cases++;
        }
      }
    }
    expect(cases).toBe(64 * 16 * 3);
  });
});

describe('honeypot and cleaned', () => {
  const ALL_RULES = ['speeder', 'straightline', 'burst', 'multisite'];

  it('flags a filled honeypot and removed characters, whatever the channel', () => {
    expect(qualityFlags(input({ honeypot: true }))).toEqual(['honeypot']);
    expect(qualityFlags(input({ removedCharacters: 3 }))).toEqual(['cleaned']);
    expect(qualityFlags(input({ honeypot: true, channel: 'assisted' }))).toEqual(['honeypot']);
  });

  it('finds the honeypot filled by any value but the one empty string a browser sends', () => {
    expect(honeypotFilled({ website: '' })).toBe(false);
    expect(honeypotFilled({})).toBe(false);
    for (const website of ['http://spam.example', ' ', ['a', 'b'], [''], ['', ''], [], 0, null]) expect(honeypotFilled({ website })).toBe(true);
  });

  it('never counts a honeypot response, whatever the survey\'s rules, unless a person kept it', () => {
    for (const rules of [[], ['speeder'], ALL_RULES]) {
      expect(flagEffect('honeypot', rules)).toBe('always');
      expect(isValidState('honeypot', rules)).toBe(false);
      expect(isValidState('cleaned,honeypot', rules)).toBe(false);
      expect(countingStatus({ flags: ['honeypot'], review: null, reviewReason: null, reviewedBy: null, reviewedAt: null }, rules)).toMatchObject({ kind: 'notCounted', counts: false, invalidating: ['honeypot'] });
    }
    expect(isValidState('kept', [])).toBe(true);
    expect(applyReviewAction({ flags: ['honeypot'], review: null }, 'keep')).toEqual({ to: 'kept' });
  });

  it('treats cleaned as a note that never changes counting and is nothing to keep', () => {
    for (const rules of [[], ALL_RULES]) {
      expect(flagEffect('cleaned', rules)).toBe('never');
      expect(isValidState('cleaned', rules)).toBe(true);
      expect(countingStatus({ flags: ['cleaned'], review: null, reviewReason: null, reviewedBy: null, reviewedAt: null }, rules)).toMatchObject({ kind: 'counted', counts: true, notes: ['cleaned'] });
    }
    expect(applyReviewAction({ flags: ['cleaned'], review: null }, 'keep')).toEqual({ skip: 'nothingToKeep' });
    expect(applyReviewAction({ flags: ['cleaned', 'speeder'], review: null }, 'keep')).toEqual({ to: 'kept' });
  });
});

describe('applyReviewAction', () => {
  const r = (flags: string[], review: SurveyResponse['review']) => ({ flags, review });

  it('excludes anything not yet excluded', () => {
    expect(applyReviewAction(r([], null), 'exclude')).toEqual({ to: 'excluded' });
    expect(applyReviewAction(r(['speeder'], 'kept'), 'exclude')).toEqual({ to: 'excluded' });
    expect(applyReviewAction(r([], 'excluded'), 'exclude')).toEqual({ skip: 'alreadyExcluded' });
  });

  it('keeps only a flagged response, from automatic or excluded', () => {
    expect(applyReviewAction(r(['speeder'], null), 'keep')).toEqual({ to: 'kept' });
    expect(applyReviewAction(r(['speeder'], 'excluded'), 'keep')).toEqual({ to: 'kept' });
    expect(applyReviewAction(r(['speeder'], 'kept'), 'keep')).toEqual({ skip: 'alreadyKept' });
    expect(applyReviewAction(r([], null), 'keep')).toEqual({ skip: 'nothingToKeep' });
  });

  it('restores the automatic rules from a person\'s decision only', () => {
    expect(applyReviewAction(r([], 'excluded'), 'restore')).toEqual({ to: null });
    expect(applyReviewAction(r(['speeder'], 'kept'), 'restore')).toEqual({ to: null });
    expect(applyReviewAction(r(['speeder'], null), 'restore')).toEqual({ skip: 'alreadyAuto' });
  });
});
