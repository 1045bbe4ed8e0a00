import PDFDocument from 'pdfkit';
import { layoutPoster, qrRuns, QR_QUIET_MODULES, type Measure, type PosterPage } from '../domain/poster';
import { fontBytes } from './fonts';

/** PDF points per mm (72 pt per inch). */
const K = 72 / 25.4;

/**
 * Posters as an A4 PDF, one page each: vector text in the bundled Noto Sans SC (pdfkit embeds a
 * subset, Identity-H, so the text stays extractable and searchable) and the QR code as vector
 * squares, sharp at any print size.
 */
export function renderPosterPdf(pages: readonly PosterPage[], meta: { title: string; lang: string }): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 0, autoFirstPage: false, lang: meta.lang, info: { Title: meta.title, Creator: 'manyi' } });
  doc.registerFont('regular', fontBytes('regular'));
  doc.registerFont('bold', fontBytes('bold'));
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const measure: Measure = (text, size, bold) => doc.font(bold ? 'bold' : 'regular').fontSize(size * K).widthOfString(text) / K;

  for (const page of pages) {
    doc.addPage();
    for (const item of layoutPoster(page.model, measure).items) {
      if (item.kind === 'text') {
        doc
          .font(item.bold ? 'bold' : 'regular')
          .fontSize(item.size * K)
          .fillColor(item.colour)
          .text(item.text, item.x * K, item.baseline * K, { lineBreak: false, baseline: 'alphabetic' });
      } else if (item.kind === 'box') {
        doc.rect(item.x * K, item.y * K, item.width * K, item.height * K).fill(item.colour);
      } else {
        const cell = item.size / (page.qr.size + 2 * QR_QUIET_MODULES);
        doc.rect(item.x * K, item.y * K, item.size * K, item.size * K).fill('#ffffff');
        for (const run of qrRuns(page.qr)) doc.rect((item.x + run.col * cell) * K, (item.y + run.row * cell) * K, run.length * cell * K, cell * K);
        doc.fill('#000000');
      }
    }
  }
  doc.end();
  return done;
}
