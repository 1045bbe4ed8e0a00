import request from 'supertest';
import { SYSTEM_ACTOR } from '../../server/services/context';
import { publishAtSites } from '../../server/services/publications';
import { loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { readPdf, readPng, type ImageFacts } from '../helpers/documents';
import { fileNames, stamp } from '../helpers/downloads';
import { siteFixture } from '../helpers/fixtures';
import { openTemplateSurvey } from '../helpers/survey';

type Agent = ReturnType<typeof request.agent>;

const binary = (res: request.Response, done: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  const stream = res as unknown as NodeJS.ReadableStream;
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
};

async function download(agent: Agent, url: string): Promise<request.Response & { body: Buffer }> {
  return (await agent.get(url).buffer(true).parse(binary)) as request.Response & { body: Buffer };
}

/** The QR code on the PDF's first page, rendered to pixels as a printer would. */
async function pdfQr(data: Buffer): Promise<string | null> {
  return (await readPdf(data, [1])).rendered[0]!.qr;
}

/** Whether nothing is drawn within `mm` of the page's edges (the image spans an A4 page's 210 mm width). */
function clearOfEdges(image: ImageFacts, mm: number): boolean {
  const px = (image.width / 210) * mm;
  const ink = image.ink!;
  return ink.left >= px && ink.top >= px && ink.right <= image.width - 1 - px && ink.bottom <= image.height - 1 - px;
}

/** Text as extracted, without the line breaks a wrapped line gets. */
const flat = (s: string) => s.replace(/\s+/g, '');

describe('posters as PDF and PNG', () => {
  let t: TestApp;
  let setup: Awaited<ReturnType<typeof openTemplateSurvey>>;
  let evaluator: Agent;
  const siteA = () => setup.sites[0]!;
  const siteB = () => setup.sites[1]!;
  const pubA = () => setup.pubFor(siteA());
  const pubB = () => setup.pubFor(siteB());

  beforeAll(async () => {
    t = await makeTestApp();
    setup = await openTemplateSurvey(t);
    evaluator = (await loginAs(t, 'evaluator')).agent;
  });
  afterAll(async () => {
    await t.close();
  });

  it('downloads one station\'s poster as an A4 PDF with its name, the survey title, the printed link and a QR code of that link', async () => {
    const res = await download(evaluator, `/admin/publications/${pubA().id}/poster.pdf`);

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(fileNames(res)).toEqual({ type: 'attachment', name: `社工站服务对象满意度调查-海报-雄关街道社工站-${stamp(t)}.pdf`, ascii: `survey-poster-JYG01-${stamp(t)}.pdf` });
    const { text, pages } = await readPdf(res.body);
    expect(pages).toHaveLength(1);
    expect(text).toContain('雄关街道社工站');
    expect(text).toContain(setup.survey.title);
    expect(text).toContain(`http://manyi.test/s/${pubA().code}`);
    expect(text).toContain('每部手机只能作答一次');
    expect(text).toContain('问卷不记名');
    // The privacy line may wrap: read it without the line breaks.
    expect(text.replace(/\s+/g, '')).toContain('电话只在您自愿留下时保存，用于回访');
    expect(await pdfQr(res.body)).toBe(`http://manyi.test/s/${pubA().code}`);
  });

  it('downloads the poster as an A4 PNG at 150 dpi whose QR code decodes to exactly PUBLIC_BASE_URL/s/<code>', async () => {
    const res = await download(evaluator, `/admin/publications/${pubB().id}/poster.png`);

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(fileNames(res).name).toBe(`社工站服务对象满意度调查-海报-峪泉镇社工站-${stamp(t)}.png`);
    const png = await readPng(res.body);
    expect([png.width, png.height]).toEqual([1240, 1754]);
    expect(png.qr).toBe(`http://manyi.test/s/${pubB().code}`);
  });

  it('writes the poster in the page language', async () => {
    const { agent } = await loginAs(t, 'evaluator');
    const res = await download(agent, `/admin/publications/${pubA().id}/poster.pdf?lang=en`);

    const { text } = await readPdf(res.body);
    expect(text).toContain('Please scan the code and rate our service');
    expect(text).toContain('Each phone can answer once');
    expect(text).not.toContain('请您扫码');
  });

  it('leaves out the one-phone line when the survey accepts several answers per phone', async () => {
    const other = await makeTestApp();
    try {
      const s = await openTemplateSurvey(other, { duplicatePolicy: 'unlimited' });
      const { agent } = await loginAs(other, 'evaluator');
      const { text } = await readPdf((await download(agent, `/admin/publications/${s.pubs[0]!.id}/poster.pdf`)).body);
      expect(text).toContain(s.survey.title);
      expect(text).not.toContain('每部手机只能作答一次');
      const page = await agent.get(`/admin/publications/${s.pubs[0]!.id}/poster`).expect(200);
      expect(page.text).not.toContain('每部手机只能作答一次');
    } finally {
      await other.close();
    }
  });

  it('shows the same content on the printable page: the link under the QR code and the one-phone line', async () => {
    const page = await evaluator.get(`/admin/publications/${pubA().id}/poster`).expect(200);

    expect(page.text).toContain(`<strong>http://manyi.test/s/${pubA().code}</strong>`);
    expect(page.text).toContain('<p class="poster-once">每部手机只能作答一次</p>');
    expect(page.text).toContain(`href="/admin/publications/${pubA().id}/poster.pdf"`);
  });

  it('puts every station of the survey in the batch PDF, one page each', async () => {
    const res = await download(evaluator, `/admin/surveys/${setup.survey.id}/posters.pdf`);

    expect(res.status).toBe(200);
    expect(fileNames(res).name).toBe(`社工站服务对象满意度调查-全部海报-${stamp(t)}.pdf`);
    const { pages } = await readPdf(res.body);
    expect(pages).toHaveLength(2);
    expect(pages[0]).toContain(`http://manyi.test/s/${pubA().code}`);
    expect(pages[1]).toContain(`http://manyi.test/s/${pubB().code}`);
  });

  it('wraps a station name of the longest length allowed on one page, without losing a character, and keeps the QR code readable', async () => {
    const name = '嘉峪关市雄关区新华街道'.repeat(10).slice(0, 100);
    const site = siteFixture({ code: 'LONG01', name });
    await t.store.sites.create(site);
    const [pub] = (await publishAtSites(t.deps, SYSTEM_ACTOR, setup.survey.id, { siteIds: [site.id] })).created;

    const pdf = await download(evaluator, `/admin/publications/${pub!.id}/poster.pdf`);
    const png = await download(evaluator, `/admin/publications/${pub!.id}/poster.png`);

    const read = await readPdf(pdf.body, [1]);
    expect(read.pages).toHaveLength(1);
    expect(flat(read.text)).toContain(name);
    expect(read.rendered[0]!.qr).toBe(`http://manyi.test/s/${pub!.code}`);
    const image = await readPng(png.body);
    expect(image.qr).toBe(`http://manyi.test/s/${pub!.code}`);
    // Nothing within 10 mm of the edges in either: the name wrapped instead of running off the page.
    expect(clearOfEdges(read.rendered[0]!, 10)).toBe(true);
    expect(clearOfEdges(image, 10)).toBe(true);
  });

  it('records each download in the audit log', async () => {
    const { agent: admin } = await loginAs(t, 'admin');
    await download(evaluator, `/admin/publications/${pubB().id}/poster.pdf`);

    const log = await admin.get('/admin/audit').expect(200);
    expect(log.text).toContain('poster.download');
    expect(log.text).toContain('JYG02');
  });

  describe('station staff', () => {
    let stationB: Agent;
    beforeAll(async () => {
      stationB = (await loginAs(t, 'station', { siteIds: [siteB().id] })).agent;
    });

    it('get their own station\'s poster', async () => {
      const res = await download(stationB, `/admin/publications/${pubB().id}/poster.png`);

      expect(res.status).toBe(200);
      expect((await readPng(res.body)).qr).toBe(`http://manyi.test/s/${pubB().code}`);
    });

    it.each(['poster.pdf', 'poster.png'])('get 404 for another station\'s %s', async (file) => {
      const res = await stationB.get(`/admin/publications/${pubA().id}/${file}`);

      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/text\/html/);
    });

    it('get only their own station in the batch PDF', async () => {
      const res = await download(stationB, `/admin/surveys/${setup.survey.id}/posters.pdf`);

      const { text, pages } = await readPdf(res.body);
      expect(pages).toHaveLength(1);
      expect(text).toContain('峪泉镇社工站');
      expect(text).not.toContain('雄关街道社工站');
      expect(text).not.toContain(pubA().code);
    });

    it('get 404 for the batch PDF of a survey not published at their station', async () => {
      const site = siteFixture({ code: 'NOPUB1' });
      await t.store.sites.create(site);
      const other = await loginAs(t, 'station', { siteIds: [site.id] });
      const res = await other.agent.get(`/admin/surveys/${setup.survey.id}/posters.pdf`);

      expect(res.status).toBe(404);
    });
  });

  it.each(['poster.pdf', 'poster.png'])('sends an anonymous request for %s to the login page', async (file) => {
    const res = await request(t.app).get(`/admin/publications/${pubA().id}/${file}`);

    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(`/admin/publications/${pubA().id}/${file}`)}`);
  });
});
