/** Download file names and the zone-named times of exports and printed pages. */
export const zh = {
  'download.allStations': '全部站点',
  'download.stations': '{n}个站点',
  'download.period': '{from}至{to}',
  'download.since': '{from}起',
  'download.until': '至{to}',
  'download.withInvalid': '含无效',
  'download.codes': '编码值',
  'download.qr': '二维码',
  'download.poster': '海报',
  'download.posters': '全部海报',
  'download.codedXlsx': '编码值 Excel',
  'download.computedAt': '计算时间（{zone}）',
  'download.reportMeta': '计算时间 {computed} · 口径：{basis}',
} as const;

export const en: Record<keyof typeof zh, string> = {
  'download.allStations': 'all stations',
  'download.stations': '{n} stations',
  'download.period': '{from} to {to}',
  'download.since': 'from {from}',
  'download.until': 'to {to}',
  'download.withInvalid': 'incl. invalid',
  'download.codes': 'codes',
  'download.qr': 'QR codes',
  'download.poster': 'poster',
  'download.posters': 'all posters',
  'download.codedXlsx': 'coded Excel',
  'download.computedAt': 'Computed at ({zone})',
  'download.reportMeta': 'Computed {computed} · basis: {basis}',
};
