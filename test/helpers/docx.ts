import JSZip from 'jszip';
import mammoth from 'mammoth';
import { SaxesParser } from 'saxes';
import type request from 'supertest';

/** A supertest parser that collects a binary body (a .docx, a file) into a Buffer. */
export const binary = (res: request.Response, done: (err: Error | null, body: Buffer) => void) => {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
};

/** One cell of a Word table as the XML has it: its text, how many grid columns it spans, and its vertical merge. */
export interface DocxCell {
  text: string;
  gridSpan: number;
  /** 'restart' starts a merge down, 'continue' is covered by the cell above, null is not merged. */
  vMerge: 'restart' | 'continue' | null;
}

export interface DocxTable {
  /** The grid's column widths (w:gridCol). */
  grid: number[];
  rows: DocxCell[][];
}

export interface DocxFacts {
  /** Text as mammoth reads it (paragraphs separated by blank lines). */
  text: string;
  /** The text of every paragraph of word/document.xml, in order (table cells included). */
  paragraphs: string[];
  /** Paragraphs with a heading style, with their style id. */
  headings: { style: string; text: string }[];
  tables: DocxTable[];
  xml: string;
  /** Every part of the package by path. */
  parts: Record<string, Buffer>;
}

/** Reads a .docx with real parsers: mammoth for its text, JSZip and an XML parser for document.xml. */
export async function readDocx(buffer: Buffer): Promise<DocxFacts> {
  const zip = await JSZip.loadAsync(buffer);
  const parts: Record<string, Buffer> = {};
  for (const [path, entry] of Object.entries(zip.files)) if (!entry.dir) parts[path] = await entry.async('nodebuffer');
  const xml = parts['word/document.xml']!.toString('utf8');
  const text = (await mammoth.extractRawText({ buffer })).value;

  const paragraphs: string[] = [];
  const headings: { style: string; text: string }[] = [];
  const tables: DocxTable[] = [];
  const stack: DocxTable[] = [];
  let paragraph: string[] | null = null;
  let style = '';
  let inText = false;
  let cell: DocxCell | null = null;
  let row: DocxCell[] | null = null;
  const parser = new SaxesParser();
  parser.on('opentag', (tag) => {
    const val = (tag.attributes['w:val'] as string | undefined) ?? '';
    switch (tag.name) {
      case 'w:tbl':
        stack.push({ grid: [], rows: [] });
        break;
      case 'w:gridCol':
        stack[stack.length - 1]?.grid.push(Number(tag.attributes['w:w']));
        break;
      case 'w:tr':
        row = [];
        break;
      case 'w:tc':
        cell = { text: '', gridSpan: 1, vMerge: null };
        break;
      case 'w:gridSpan':
        if (cell) cell.gridSpan = Number(val);
        break;
      case 'w:vMerge':
        if (cell) cell.vMerge = val === 'restart' ? 'restart' : 'continue';
        break;
      case 'w:p':
        paragraph = [];
        style = '';
        break;
      case 'w:pStyle':
        style = val;
        break;
      case 'w:t':
        inText = true;
        break;
    }
  });
  parser.on('text', (t) => {
    if (inText && paragraph) paragraph.push(t);
  });
  parser.on('closetag', (tag) => {
    switch (tag.name) {
      case 'w:t':
        inText = false;
        break;
      case 'w:p': {
        const p = (paragraph ?? []).join('');
        paragraphs.push(p);
        if (/^Heading/.test(style)) headings.push({ style, text: p });
        if (cell) cell.text += (cell.text ? '\n' : '') + p;
        paragraph = null;
        break;
      }
      case 'w:tc':
        if (cell && row) row.push({ ...cell, text: cell.text.trim() });
        cell = null;
        break;
      case 'w:tr':
        if (row) stack[stack.length - 1]?.rows.push(row);
        row = null;
        break;
      case 'w:tbl':
        tables.push(stack.pop()!);
        break;
    }
  });
  parser.write(xml).close();
  return { text, paragraphs, headings, tables, xml, parts };
}

/**
 * A table laid out on its grid: for each row, the text in each grid column, a merged cell's text
 * repeated in every column and row it covers (continuation cells take the text of the cell they
 * continue). Also counts each merged cell's rows.
 */
export function layOut(table: DocxTable): { grid: string[][]; merges: { column: number; row: number; rows: number; text: string }[] } {
  const grid: string[][] = [];
  const open = new Map<number, { column: number; row: number; rows: number; text: string }>();
  const merges: { column: number; row: number; rows: number; text: string }[] = [];
  table.rows.forEach((cells, r) => {
    const line: string[] = [];
    let column = 0;
    for (const c of cells) {
      let text = c.text;
      if (c.vMerge === 'restart') {
        const m = { column, row: r, rows: 1, text: c.text };
        open.set(column, m);
        merges.push(m);
      } else if (c.vMerge === 'continue') {
        const m = open.get(column);
        if (m) {
          m.rows++;
          text = m.text;
        }
      } else open.delete(column);
      for (let k = 0; k < c.gridSpan; k++) line.push(text);
      column += c.gridSpan;
    }
    grid.push(line);
  });
  return { grid, merges };
}
