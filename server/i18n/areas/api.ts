/** The API's shared vocabulary: filters (stations, segments, periods) and what is wrong with them. */
export const zh = {
  'filters.day': '请输入日期，格式为 YYYY-MM-DD。',
  'filters.toBeforeFrom': '结束日期 {to} 早于开始日期 {from}。',
  'filters.unknownSegment': '{segment} 不是本问卷服务对象类别的选项。',
};

export const en: Record<keyof typeof zh, string> = {
  'filters.day': 'Enter a date as YYYY-MM-DD.',
  'filters.toBeforeFrom': 'to ({to}) is before from ({from}).',
  'filters.unknownSegment': '{segment} is not an option of this survey’s segment question.',
};
