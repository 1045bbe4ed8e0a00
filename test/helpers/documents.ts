import { spawn } from 'node:child_process';
import path from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';

export interface PdfContent {
  /** Each page's extracted text, in order. */
  pages: string[];
  text: string;
  /** PNG renderings (150% scale) of the pages asked for. */
  screenshots: Buffer[];
}

/**
 * Reads a PDF back with pdf-parse (pdf.js), in a child Node process: pdf.js loads its worker as an
 * ES module through a dynamic import, which jest's module sandbox does not allow.
 */
export function readPdf(data: Buffer, renderPages: number[] = []): Promise<PdfContent> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'pdf-reader.js'), ...renderPages.map(String)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`pdf-reader exited ${code}: ${Buffer.concat(err).toString()}`));
      const parsed = JSON.parse(Buffer.concat(out).toString()) as { pages: string[]; screenshots: string[] };
      resolve({ pages: parsed.pages, text: parsed.pages.join('\n'), screenshots: parsed.screenshots.map((s) => Buffer.from(s, 'base64')) });
    });
    child.stdin.end(data);
  });
}

/** Decodes the QR code in a PNG. Posters print dark on light, so jsQR need not also try the inverted image (which doubles its time). */
export function decodeQrPng(data: Buffer): string | null {
  const png = PNG.sync.read(data);
  return jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height, { inversionAttempts: 'dontInvert' })?.data ?? null;
}
