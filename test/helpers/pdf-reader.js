/**
 * Reads a PDF from stdin and prints JSON: each page's text and, for the page numbers given as
 * arguments, a PNG rendering of the page (base64). It runs as a plain Node process because
 * pdf-parse starts pdf.js's worker with a dynamic import of an ES module, which jest's sandbox
 * refuses; see test/helpers/documents.ts.
 */
const { Buffer } = require('node:buffer');
const { PDFParse } = require('pdf-parse');

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const parser = new PDFParse({ data: new Uint8Array(Buffer.concat(chunks)) });
  try {
    const text = await parser.getText();
    const shots = process.argv.slice(2).map(Number);
    const screenshots = shots.length ? (await parser.getScreenshot({ scale: 1.5, partial: shots, imageDataUrl: false })).pages.map((p) => Buffer.from(p.data).toString('base64')) : [];
    process.stdout.write(JSON.stringify({ pages: text.pages.map((p) => p.text), screenshots }));
  } finally {
    await parser.destroy();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
