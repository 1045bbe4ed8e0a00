import { newFormToken, submissionTokenAt } from '../../server/services/form-token';

describe('submission tokens', () => {
  it('sort as they were issued (the store inserts them at the unique index’s recent end) and stay unguessable', () => {
    const times = [0, 1, 35, 36, 1_767_000_000_000, 1_767_000_000_001, 1_767_000_060_000, 99_999_999_999_999];
    const tokens = times.map(submissionTokenAt);
    expect([...tokens].sort()).toEqual(tokens);
    for (const t of tokens) expect(t).toMatch(/^[0-9a-z]{9}[A-Za-z0-9_-]{24}$/);
    // The same millisecond, many times: never the same token (18 random bytes after the time).
    const same = new Set(Array.from({ length: 10_000 }, () => submissionTokenAt(1_767_000_000_000)));
    expect(same.size).toBe(10_000);
    expect(newFormToken('p', 1, 1_767_000_000_000, 'qr').submissionToken.slice(0, 9)).toBe(submissionTokenAt(1_767_000_000_000).slice(0, 9));
  });
});
