import { spawn } from 'node:child_process';
import path from 'node:path';

/** The bounding box of the non-white pixels, in pixels (inclusive). */
export interface InkBox {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface ImageFacts {
  width: number;
  height: number;
  /** The QR code read from the image, or null. */
  qr: string | null;
  ink: InkBox | null;
}

export interface PdfFacts {
  /** Each page's extracted text, in order. */
  pages: string[];
  text: string;
  /** The pages asked for, rendered at 150% (108 dpi) and read like an image. */
  rendered: ImageFacts[];
}

/**
 * Reads a document in a child Node process (test/helpers/document-reader.js): pdf.js loads its
 * worker through a dynamic import, which jest's sandbox does not allow, and pixel loops run far
 * slower inside jest's vm context.
 */
function inspect<T>(args: string[], data: Buffer): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'document-reader.js'), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`document-reader ${args.join(' ')} exited ${code}: ${Buffer.concat(err).toString()}`));
      else resolve(JSON.parse(Buffer.concat(out).toString()) as T);
    });
    child.stdin.end(data);
  });
}

/** A PDF's text per page (pdf-parse) and, for the pages listed, what a rendering of them shows. */
export async function readPdf(data: Buffer, renderPages: number[] = []): Promise<PdfFacts> {
  const facts = await inspect<Omit<PdfFacts, 'text'>>(['pdf', ...renderPages.map(String)], data);
  return { ...facts, text: facts.pages.join('\n') };
}

/** A PNG's size, its QR code and where it has ink. */
export function readPng(data: Buffer): Promise<ImageFacts> {
  return inspect<ImageFacts>(['png'], data);
}
