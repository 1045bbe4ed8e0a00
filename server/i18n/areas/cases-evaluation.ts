/** 以评促改 measures an evaluation indicator can be bound to: the evaluation domain speaks from these. */
export const zh = {
  'evaluation.measure.rectified': '整改完成率（以评促改）',
  'evaluation.measure.onTimeClosure': '按时办结率（以评促改）',
  'evaluation.explain.rectified': '整改完成率 {value}%（核实属实或部分属实的 {den} 件中 {num} 件已整改办结），得 {score} 分（分值 {points} 分）',
  'evaluation.explain.onTimeClosure': '按时办结率 {value}%（应办结的 {den} 件中 {num} 件按期办结），得 {score} 分（分值 {points} 分）',
  'evaluation.metric.rectified': '整改完成率',
  'evaluation.metric.onTimeClosure': '按时办结率',
  'evaluation.rule.caseRatio': '{metric}达到 {full}% 得满分，低于时按比例得分：得分 = 分值 × min({metric} ÷ {full}%, 1)',
} as const;

export const en: Record<keyof typeof zh, string> = {
  'evaluation.measure.rectified': 'Rectification rate (follow-up)',
  'evaluation.measure.onTimeClosure': 'On-time closure rate (follow-up)',
  'evaluation.explain.rectified': 'rectification rate {value}% ({num} of {den} cases verified true or partly true were put right and closed): {score} of {points} points',
  'evaluation.explain.onTimeClosure': 'on-time closure rate {value}% ({num} of {den} cases due were closed on time): {score} of {points} points',
  'evaluation.metric.rectified': 'Rectification rate',
  'evaluation.metric.onTimeClosure': 'On-time closure rate',
  'evaluation.rule.caseRatio': '{metric} of {full}% or more scores full points; below, in proportion: score = points × min({metric} ÷ {full}%, 1)',
};
