import * as core from './areas/core';
import type { MessageKey } from './zh-CN';

export const en: Record<MessageKey, string> = {
  ...core.en,
};
