/** How fresh the tallies are (MongoDB applies them in batches) and the operator's tally check. */
export const zh = {
  'tallies.asOf': '统计截至 {time}{zone}；此后提交的答卷正在计入，稍后刷新即可看到。',
  'cli.talliesCheckSame': '汇总与按答卷重算的结果一致（检查开始时待计入答卷 {pending} 份，已先计入）',
  'cli.talliesCheckDiffer': '汇总与按答卷重算的结果不一致：{difference}（检查开始时待计入答卷 {pending} 份）；请运行 rebuild-tallies --survey {id}',
  'cli.talliesDiffer': '{count} 份问卷的汇总与答卷不一致',
  'tallies.rebuildBusy': '问卷 {id} 在重算期间不断有新答卷计入，已重试 {attempts} 次仍未完成；请在答卷较少时再运行 rebuild-tallies',
};

export const en: Record<keyof typeof zh, string> = {
  'tallies.asOf': 'Counted up to {time}{zone}; answers submitted since are being added: refresh in a moment to see them.',
  'cli.talliesCheckSame': 'tallies equal a rebuild from the responses ({pending} responses were pending when the check began; applied first)',
  'cli.talliesCheckDiffer': 'tallies differ from a rebuild from the responses: {difference} ({pending} responses were pending when the check began); run rebuild-tallies --survey {id}',
  'cli.talliesDiffer': 'the tallies of {count} surveys differ from their responses',
  'tallies.rebuildBusy': 'new responses to survey {id} kept being counted while its tallies were rebuilt ({attempts} attempts); run rebuild-tallies again when fewer arrive',
};
