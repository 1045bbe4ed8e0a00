/**
 * '*' in a tally key field: all values together (a rollup group). In a file of its own that imports
 * nothing, so the SQLite writer thread, which computes tallies, can use it without loading mongoose.
 */
export const ALL = '*';
export const ALL_DAYS = ALL;
