/**
 * 资金情况 as printed: totals beside their parts, the 核对提示 (checks) and the refusals. The two
 * check keys carry the `evaluation.funding.` prefix the scorecard pages use to link problems to
 * the funding form.
 */
export const zh = {
  'funding.hint': '金额单位为万元，最多 4 位小数。预算安排资金和实际到位资金按报告填写合计及其中的中央、省级、市级财政（没有的填 0 或留空）。资金到位率和预算执行率由系统按合计计算。',
  'funding.decimals': '最多 {digits} 位小数（单位：万元）。',
  'funding.checks': '核对提示',
  'funding.checksIntro': '以下数字彼此不一致。录入的数字按原样保存，不会被自动改正；请对照凭证核对。',
  'evaluation.funding.budgetParts': '预算安排资金：中央、省级、市级财政 {parts} = {sum} 万元，与合计 {total} 万元不一致。',
  'evaluation.funding.receivedParts': '实际到位资金：中央、省级、市级财政 {parts} = {sum} 万元，与合计 {total} 万元不一致。',
};

export const en: Record<keyof typeof zh, string> = {
  'funding.hint':
    'Amounts in 10,000 yuan, at most 4 decimals. Enter the budgeted and the received funds as the report prints them: the total and, within it, central government, province and city (0 or blank when none). The funds received rate and the budget execution rate are computed from the totals.',
  'funding.decimals': 'At most {digits} decimals (in 10k yuan).',
  'funding.checks': 'Figures to check',
  'funding.checksIntro': 'These figures do not agree with each other. They are kept as entered, never corrected; please check them against the vouchers.',
  'evaluation.funding.budgetParts': 'Budgeted: central, province and city {parts} = {sum} (10k yuan), but the total is {total}.',
  'evaluation.funding.receivedParts': 'Received: central, province and city {parts} = {sum} (10k yuan), but the total is {total}.',
};
