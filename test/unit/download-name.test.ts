import { asciiNamePart, cleanNamePart, downloadName } from '../../server/domain/download-name';
import { fileStamp, startOfLocalDay, wallClock } from '../../server/domain/time';

const AT = new Date('2026-12-07T06:30:00.000Z');

describe('download file names', () => {
  it('names a file by what it holds and the local date and time of the download', () => {
    const name = downloadName(
      [
        { text: '满意度调查', ascii: 'survey' },
        { text: '原始答卷', ascii: 'responses' },
        { text: '全部站点', ascii: 'all stations' },
      ],
      AT,
      'Asia/Shanghai',
      'xlsx',
    );
    expect(name).toEqual({ fileName: '满意度调查-原始答卷-全部站点-20261207-1430.xlsx', asciiName: 'survey-responses-all-stations-20261207-1430.xlsx' });
  });

  it('stamps the time in the configured zone, not in UTC', () => {
    expect(fileStamp(new Date('2026-12-31T16:05:00.000Z'), 'Asia/Shanghai')).toBe('20270101-0005');
    expect(fileStamp(new Date('2026-12-31T16:05:00.000Z'), 'UTC')).toBe('20261231-1605');
  });

  it('removes controls, bidirectional overrides, zero-width characters and lone surrogates, and replaces reserved characters', () => {
    expect(cleanNamePart('调查\x01\u202Egpj.exe\u200B')).toBe('调查gpj.exe');
    expect(cleanNamePart('a/b\\c:d*e?f"g<h>i|j')).toBe('a_b_c_d_e_f_g_h_i_j');
    expect(cleanNamePart('  ..名\ud800称\n\t第二行.. ')).toBe('名称 第二行');
    expect(Array.from(cleanNamePart('长'.repeat(100)))).toHaveLength(40);
  });

  it('keeps only ASCII letters, digits, "_" and "-" in the fallback name, and falls back to "manyi"', () => {
    expect(asciiNamePart('Satisfaction survey 2026 (v2.1)')).toBe('Satisfaction-survey-2026-v2-1');
    expect(asciiNamePart('雄关')).toBe('');
    expect(downloadName([{ text: '雄关', ascii: '雄关' }], AT, 'UTC', 'csv')).toEqual({ fileName: '雄关-20261207-0630.csv', asciiName: 'manyi-20261207-0630.csv' });
  });

  it('leaves out empty parts', () => {
    expect(downloadName([{ text: '\x01', ascii: '' }, { text: '统计表', ascii: 'statistics' }], AT, 'UTC', 'zip').fileName).toBe('统计表-20261207-0630.zip');
  });
});

describe('local times for spreadsheets', () => {
  it('gives a Date whose UTC fields read the local wall-clock time', () => {
    expect(wallClock('2026-12-07T06:30:05.250Z', 'Asia/Shanghai').toISOString()).toBe('2026-12-07T14:30:05.250Z');
    expect(wallClock(AT, 'America/New_York').toISOString()).toBe('2026-12-07T01:30:00.000Z');
  });

  it('finds the first instant of a local day, also across a daylight-saving change', () => {
    expect(startOfLocalDay('2026-12-07', 'Asia/Shanghai').toISOString()).toBe('2026-12-06T16:00:00.000Z');
    expect(startOfLocalDay('2026-03-09', 'America/New_York').toISOString()).toBe('2026-03-09T04:00:00.000Z');
    expect(startOfLocalDay('2026-03-08', 'America/New_York').toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(startOfLocalDay('2026-12-07', 'UTC').toISOString()).toBe('2026-12-07T00:00:00.000Z');
  });
});
