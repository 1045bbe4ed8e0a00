import * as core from './areas/core';

/**
 * The source catalog: every user-facing text, keyed, one file per area under areas/.
 * Each area file exports `zh` and an `en` typed with the same keys, so a missing translation does not compile.
 */
export const zhCN = {
  ...core.zh,
} as const;

export type MessageKey = keyof typeof zhCN;
