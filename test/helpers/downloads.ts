import { parse } from 'content-disposition';
import JSZip from 'jszip';
import { SaxesParser } from 'saxes';
import type request from 'supertest';
import { fileStamp } from '../../server/domain/time';
import type { TestApp } from './app';

/** The local date-time a download made now carries in its name (YYYYMMDD-HHmm in the configured zone). */
export function stamp(t: TestApp): string {
  return fileStamp(t.clock.now, t.config.timeZone);
}

/** The file names a response offers, read with the content-disposition package: the RFC 6266 name and the ASCII fallback. */
export function fileNames(res: request.Response): { type: string; name: string; ascii: string | undefined } {
  const header = res.headers['content-disposition'];
  if (!header) throw new Error('no Content-Disposition header');
  const parsed = parse(header);
  // parse() puts the decoded filename* in `filename`; the plain parameter is read from the header itself.
  const plain = /(?:^|;\s*)filename=("(?:[^"\\]|\\.)*"|[^;]*)/.exec(header)?.[1];
  return { type: parsed.type, name: parsed.parameters.filename!, ascii: plain?.replace(/^"|"$/g, '') };
}

/** A binary response body (supertest's parser for files). */
export const binary = (res: request.Response, done: (err: Error | null, body: Buffer) => void) => {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
};

/**
 * Every XML part of an XLSX (a ZIP), each decoded as strict UTF-8 and parsed by saxes (a strict,
 * well-formedness-checking XML parser). Throws, naming the part, at the first problem.
 */
export async function strictXlsxParts(file: Buffer): Promise<string[]> {
  const zip = await JSZip.loadAsync(file);
  const names = Object.keys(zip.files).filter((n) => !zip.files[n]!.dir);
  const checked: string[] = [];
  for (const name of names) {
    if (!/\.(xml|rels)$/.test(name)) continue;
    const bytes = await zip.files[name]!.async('uint8array');
    let xml: string;
    try {
      xml = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new Error(`${name}: not UTF-8`);
    }
    const parser = new SaxesParser({ xmlns: true });
    let problem: Error | null = null;
    parser.on('error', (e) => {
      problem ??= e;
    });
    parser.write(xml).close();
    if (problem) throw new Error(`${name}: ${(problem as Error).message}`);
    checked.push(name);
  }
  return checked;
}
