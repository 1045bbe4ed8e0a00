/**
 * Likert levels, 5 = 非常满意 … 1 = 非常不满意. In a file of its own that imports nothing, so the
 * SQLite writer thread, which computes tallies, can use it without loading mongoose or zod.
 */
export const LIKERT_LEVELS = ['5', '4', '3', '2', '1'] as const;
