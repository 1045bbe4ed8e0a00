import { defaultSettings, type Survey } from '../../models/survey';
import { A4, buildPoster, fitText, layoutPoster, qrRuns, QR_QUIET_MODULES, wrapText, type Measure, type PosterItem } from '../../server/domain/poster';
import { translator } from '../../server/i18n';

/** A monospaced stand-in for a font: ideographs 1 em wide, everything else half an em. */
const measure: Measure = (text, size) => [...text].reduce((w, ch) => w + (/[\u2E80-\u9FFF\uFF00-\uFFEF]/.test(ch) ? size : size / 2), 0);

const LINK = 'http://manyi.test/s/abcdefghjk';
const survey = (over: Partial<Pick<Survey, 'title' | 'isDemo'>> & { duplicatePolicy?: Survey['settings']['duplicatePolicy'] } = {}) => ({
  title: over.title ?? '社会工作服务满意度调查',
  isDemo: over.isDemo ?? false,
  settings: { ...defaultSettings(), duplicatePolicy: over.duplicatePolicy ?? 'one-per-device' },
});

const texts = (items: PosterItem[]) => items.filter((i): i is Extract<PosterItem, { kind: 'text' }> => i.kind === 'text');

describe('buildPoster: the poster as a document model', () => {
  const zh = translator('zh-CN');

  it('holds the station, title, invitation, three steps, privacy line, and the link both as QR payload and as printed text', () => {
    const m = buildPoster({ survey: survey(), site: { name: '雄关街道社工站' }, link: LINK }, zh);

    expect(m).toMatchObject({ station: '雄关街道社工站', title: '社会工作服务满意度调查', qrPayload: LINK, link: LINK, invitation: '请您扫码，为我们的服务打分' });
    expect(m.steps).toHaveLength(3);
    expect(m.privacy).toContain('问卷不记名');
    expect(m.qrAlt).toContain('雄关街道社工站');
  });

  it('promises no more privacy than the survey keeps: no name asked, a phone number only if the resident leaves one for a call-back', () => {
    const zhLine = buildPoster({ survey: survey(), site: { name: '站' }, link: LINK }, zh).privacy;
    const enLine = buildPoster({ survey: survey(), site: { name: '站' }, link: LINK }, translator('en')).privacy;

    expect(zhLine).toContain('不问姓名');
    expect(zhLine).toContain('电话只在您自愿留下时保存，用于回访');
    expect(zhLine).not.toMatch(/不收集.*电话/);
    expect(enLine).toContain('asks no names');
    expect(enLine).toContain('a phone number is kept only if you choose to leave one for a call-back');
    expect(enLine).not.toMatch(/no names or phone numbers/);
  });

  it('says each phone can answer once only when the survey takes one answer per device', () => {
    const once = buildPoster({ survey: survey({ duplicatePolicy: 'one-per-device' }), site: { name: '站' }, link: LINK }, zh);
    const unlimited = buildPoster({ survey: survey({ duplicatePolicy: 'unlimited' }), site: { name: '站' }, link: LINK }, zh);

    expect(once.onePerPhone).toBe('每部手机只能作答一次');
    expect(unlimited.onePerPhone).toBeNull();
  });

  it('carries the demo label only for a demo survey', () => {
    expect(buildPoster({ survey: survey({ isDemo: true }), site: { name: '站' }, link: LINK }, zh).demo).toContain('演示数据');
    expect(buildPoster({ survey: survey({ isDemo: false }), site: { name: '站' }, link: LINK }, zh).demo).toBeNull();
  });

  it('follows the language it is given', () => {
    const m = buildPoster({ survey: survey(), site: { name: 'Station One' }, link: LINK }, translator('en'));

    expect(m.invitation).toBe('Please scan the code and rate our service');
    expect(m.onePerPhone).toBe('Each phone can answer once');
  });
});

describe('wrapText and fitText: line breaking within a width', () => {
  it('breaks between ideographs and keeps every line within the width', () => {
    const lines = wrapText('甘肃省嘉峪关市雄关区新华街道社会工作服务站', 50, 10, false, measure);

    expect(lines).toEqual(['甘肃省嘉峪', '关市雄关区', '新华街道社', '会工作服务', '站']);
    for (const l of lines) expect(measure(l, 10, false)).toBeLessThanOrEqual(50);
  });

  it('breaks Latin text at spaces and splits a word only when it alone is wider than the line', () => {
    expect(wrapText('Xiongguan Street Social Work Station', 90, 10, false, measure)).toEqual(['Xiongguan Street', 'Social Work', 'Station']);
    const link = wrapText('http://manyi.test/s/abcdefghjk', 60, 10, false, measure);
    expect(link.join('')).toBe('http://manyi.test/s/abcdefghjk');
    for (const l of link) expect(measure(l, 10, false)).toBeLessThanOrEqual(60);
  });

  it('never starts a line with closing punctuation', () => {
    const lines = wrapText('一二三四，五六', 40, 10, false, measure);

    expect(lines).toEqual(['一二三', '四，五六']);
  });

  it('shrinks to the largest size that fits the lines allowed, and wraps at the smallest without dropping text', () => {
    expect(fitText('一二三四五六', { maxWidth: 60, sizes: [20, 10], maxLines: 1, bold: false, measure })).toEqual({ size: 10, lines: ['一二三四五六'] });
    const long = fitText('一'.repeat(30), { maxWidth: 60, sizes: [20, 10], maxLines: 1, bold: false, measure });
    expect(long.size).toBe(10);
    expect(long.lines.join('')).toBe('一'.repeat(30));
  });
});

describe('layoutPoster: the poster on an A4 page', () => {
  const zh = translator('zh-CN');
  const inside = (items: PosterItem[]) =>
    items.every((i) => {
      const [x, y, w, h] = i.kind === 'text' ? [i.x, i.top, i.width, i.size * 1.3] : i.kind === 'box' ? [i.x, i.y, i.width, i.height] : [i.x, i.y, i.size, i.size];
      return x >= 15 - 1e-9 && x + w <= A4.width - 15 + 1e-9 && y >= 15 - 1e-9 && y + h <= A4.height - 15 + 1e-9;
    });

  it('keeps everything inside the margins with the QR code at its largest for an ordinary poster', () => {
    const layout = layoutPoster(buildPoster({ survey: survey(), site: { name: '雄关街道社工站' }, link: LINK }, zh), measure);

    expect(inside(layout.items)).toBe(true);
    const qr = layout.items.find((i) => i.kind === 'qr')!;
    expect(qr).toMatchObject({ size: 110, payload: LINK });
    // The link is printed right under the code.
    const after = texts(layout.items).filter((i) => i.top > (qr as { y: number }).y);
    expect(after[1]!.text).toBe(LINK);
  });

  it('wraps the longest station name and title the forms allow without leaving the page or dropping a character', () => {
    const station = '嘉峪关市雄关区新华街道'.repeat(10).slice(0, 100);
    const title = '社会工作服务站服务对象满意度调查问卷'.repeat(12).slice(0, 200);
    const longLink = `https://survey.example-county-government.gov.cn/social-work/manyi/s/abcdefghjk`;
    const m = buildPoster({ survey: survey({ title, isDemo: true }), site: { name: station }, link: longLink }, zh);

    const layout = layoutPoster(m, measure);

    expect(inside(layout.items)).toBe(true);
    const t = texts(layout.items);
    const stationLines = t.filter((i) => i.colour === '#0b5d3b').map((i) => i.text);
    expect(stationLines.length).toBeGreaterThan(1);
    expect(stationLines.join('')).toBe(station);
    expect(t.filter((i) => i.bold && i.size > 5).map((i) => i.text).join('')).toContain(title);
    const qr = layout.items.find((i) => i.kind === 'qr') as { size: number };
    expect(qr.size).toBeGreaterThanOrEqual(60);
  });

  it('prints the one-phone line only for one answer per device', () => {
    const withLine = texts(layoutPoster(buildPoster({ survey: survey(), site: { name: '站' }, link: LINK }, zh), measure).items).map((i) => i.text);
    const without = texts(layoutPoster(buildPoster({ survey: survey({ duplicatePolicy: 'unlimited' }), site: { name: '站' }, link: LINK }, zh), measure).items).map((i) => i.text);

    expect(withLine).toContain('每部手机只能作答一次');
    expect(without).not.toContain('每部手机只能作答一次');
  });
});

describe('qrRuns', () => {
  it('covers exactly the dark modules, offset by the quiet zone', () => {
    const modules = [1, 1, 0, 1, 0, 0, 0, 1, 1];
    const runs = qrRuns({ size: 3, modules });

    expect(runs).toEqual([
      { row: QR_QUIET_MODULES, col: QR_QUIET_MODULES, length: 2 },
      { row: QR_QUIET_MODULES + 1, col: QR_QUIET_MODULES, length: 1 },
      { row: QR_QUIET_MODULES + 2, col: QR_QUIET_MODULES + 1, length: 2 },
    ]);
  });
});
