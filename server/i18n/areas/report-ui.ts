/** The report's pages: facts, Annex 1 per indicator, evidence files, expert scoring; and the names of their audit actions. */
export const zh = {
  'reportui.title': '绩效评价报告',
};

export const en: Record<keyof typeof zh, string> = {
  'reportui.title': 'Evaluation report',
};
