/**
 * Reads a document from stdin and prints what a test checks about it, as JSON. Usage:
 *   node document-reader.js pdf [page…]  → { pages: [text…], rendered: [{ width, height, qr, ink }…] } for the pages listed
 *   node document-reader.js png          → { width, height, qr, ink }
 * qr is the decoded QR code (or null); ink is the bounding box of the non-white pixels (or null).
 *
 * It runs as a plain Node process: pdf-parse starts pdf.js's worker with a dynamic import of an ES
 * module, which jest's sandbox refuses, and pixel loops (PNG decoding, jsQR) run about ten times
 * slower inside jest's vm context than outside it. See test/helpers/documents.ts.
 */
const { Buffer } = require('node:buffer');
const jsQR = require('jsqr');
const { PNG } = require('pngjs');

function inspectPng(bytes) {
  const png = PNG.sync.read(bytes);
  const { width, height, data } = png;
  let ink = null;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      if (data[i + 3] > 0 && Math.min(data[i], data[i + 1], data[i + 2]) < 200) {
        if (!ink) ink = { left: x, top: y, right: x, bottom: y };
        else {
          if (x < ink.left) ink.left = x;
          if (x > ink.right) ink.right = x;
          ink.bottom = y;
        }
      }
    }
  }
  // Posters print dark on light: jsQR need not also try the inverted image.
  const qr = jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), width, height, { inversionAttempts: 'dontInvert' });
  return { width, height, qr: qr ? qr.data : null, ink };
}

async function inspectPdf(bytes, pages) {
  const { PDFParse } = require('pdf-parse');
  const parser = new PDFParse({ data: new Uint8Array(bytes) });
  try {
    const text = await parser.getText();
    const rendered = pages.length ? (await parser.getScreenshot({ scale: 1.5, partial: pages, imageDataUrl: false })).pages.map((p) => inspectPng(Buffer.from(p.data))) : [];
    return { pages: text.pages.map((p) => p.text), rendered };
  } finally {
    await parser.destroy();
  }
}

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  const [kind, ...pages] = process.argv.slice(2);
  const result = kind === 'pdf' ? await inspectPdf(bytes, pages.map(Number)) : inspectPng(bytes);
  process.stdout.write(JSON.stringify(result));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
