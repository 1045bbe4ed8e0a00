import { sampleProgress } from '../../server/domain/sample-progress';
import { requiredSample } from '../../server/domain/statistics';

describe('sampleProgress: a station toward its sample', () => {
  it('uses the survey\'s target per station when set, whatever the population', () => {
    expect(sampleProgress(38, 60, 5000)).toEqual({ target: 60, source: 'survey', valid: 38, percent: 63, reached: false });
  });

  it('falls back to the required sample for the station\'s service recipients', () => {
    const p = sampleProgress(10, null, 120);

    expect(p).toMatchObject({ source: 'population', target: requiredSample(120), valid: 10 });
    expect(p.target).toBe(92);
    expect(p.percent).toBe(10);
  });

  it('has no target when neither is known', () => {
    expect(sampleProgress(7, null, null)).toEqual({ target: null, source: 'none', valid: 7, percent: null, reached: false });
  });

  it('rounds down, so 100% means the target is reached, and does not cap above it', () => {
    expect(sampleProgress(59, 60, null)).toMatchObject({ percent: 98, reached: false });
    expect(sampleProgress(29, 100, null).percent).toBe(29);
    expect(sampleProgress(60, 60, null)).toMatchObject({ percent: 100, reached: true });
    expect(sampleProgress(90, 60, null)).toMatchObject({ percent: 150, reached: true });
  });

  it('treats a station of 0 recipients as needing no answers', () => {
    expect(sampleProgress(0, null, 0)).toEqual({ target: 0, source: 'population', valid: 0, percent: 100, reached: true });
  });
});
