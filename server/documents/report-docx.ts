import {
  AlignmentType,
  BorderStyle,
  Document,
  Footer,
  ImageRun,
  LineRuleType,
  Packer,
  PageNumber,
  PageOrientation,
  Paragraph,
  ShadingType,
  Table,
  TableCell,
  TableLayoutType,
  TableRow,
  TextRun,
  VerticalAlignTable,
  WidthType,
  type ISectionOptions,
} from 'docx';
import type { Block, Cell, ChartBlock, ParagraphBlock, ReportDocument, Section, TableBlock } from '../domain/report/model';
import { fixZipTimes } from './zip-times';

/**
 * The report as a Word file (.docx), from the document model: A4, a cover page, sections numbered
 * 一 to 七 in 黑体, body text in 仿宋 and tables in 宋体 (eastAsia fonts, Times New Roman for Latin
 * letters and figures), page numbers in the footer, merged cells, charts as PNG. Page layout follows
 * GB/T 9704 (党政机关公文格式): margins 37/35/28/26 mm, 三号 body at a fixed 28-point line.
 *
 * Byte-stable: the file's own dates (core properties, ZIP entries) are the moment the content was
 * fixed (the lock), and nothing random goes in (no hyperlinks, whose ids docx draws at random), so
 * two downloads of a locked evaluation differ only in the printed generation time.
 */

export interface ChartImage {
  png: Buffer;
  width: number;
  height: number;
}

const FONTS = {
  body: { ascii: 'Times New Roman', hAnsi: 'Times New Roman', cs: 'Times New Roman', eastAsia: '仿宋' },
  heading: { ascii: 'Times New Roman', hAnsi: 'Times New Roman', cs: 'Times New Roman', eastAsia: '黑体' },
  subheading: { ascii: 'Times New Roman', hAnsi: 'Times New Roman', cs: 'Times New Roman', eastAsia: '楷体' },
  table: { ascii: 'Times New Roman', hAnsi: 'Times New Roman', cs: 'Times New Roman', eastAsia: '宋体' },
  title: { ascii: 'Times New Roman', hAnsi: 'Times New Roman', cs: 'Times New Roman', eastAsia: '黑体' },
};

/** Sizes in half-points: 三号 16 pt, 四号 14 pt, 五号 10.5 pt, 小五 9 pt. */
const SIZE = { title: 52, subtitle: 44, heading: 32, body: 32, note: 24, table: 21, dense: 18 };
const MM = 56.7; // twips per millimetre
const PORTRAIT = { width: 11906, height: 16838, margin: { top: Math.round(37 * MM), bottom: Math.round(35 * MM), left: Math.round(28 * MM), right: Math.round(26 * MM) } };
const LANDSCAPE_MARGIN = Math.round(20 * MM);
const TEXT_WIDTH = { portrait: PORTRAIT.width - PORTRAIT.margin.left - PORTRAIT.margin.right, landscape: PORTRAIT.height - 2 * LANDSCAPE_MARGIN };
/** The body line: exactly 28 pt (GB/T 9704: 22 lines of 28 characters a page). */
const LINE = { line: 560, lineRule: LineRuleType.EXACT };
const TABLE_LINE = { line: 300, lineRule: LineRuleType.AUTO };
const INDENT = 640; // two 三号 characters

const border = { style: BorderStyle.SINGLE, size: 4, color: '000000' };
const borders = { top: border, bottom: border, left: border, right: border, insideHorizontal: border, insideVertical: border };

function paragraphOf(block: ParagraphBlock): Paragraph {
  switch (block.style) {
    case 'check':
      return new Paragraph({ spacing: LINE, indent: { firstLine: INDENT }, children: [new TextRun({ text: block.text, bold: true, color: 'C00000' })] });
    case 'note':
      return new Paragraph({ spacing: { line: 400, lineRule: LineRuleType.EXACT }, indent: { firstLine: 480 }, children: [new TextRun({ text: block.text, size: SIZE.note, color: '404040' })] });
    default:
      return new Paragraph({ spacing: LINE, indent: { firstLine: INDENT }, alignment: AlignmentType.JUSTIFIED, children: [new TextRun(block.text)] });
  }
}

const ALIGN = { left: AlignmentType.LEFT, center: AlignmentType.CENTER, right: AlignmentType.RIGHT } as const;

function cellOf(c: Cell, widths: number[], column: number, dense: boolean): TableCell {
  const span = c.colSpan ?? 1;
  const width = widths.slice(column, column + span).reduce((s, w) => s + w, 0);
  const size = dense ? SIZE.dense : SIZE.table;
  const align = ALIGN[c.align ?? (c.numeric ? 'right' : c.header ? 'center' : 'left')];
  return new TableCell({
    width: { size: width, type: WidthType.DXA },
    ...(span > 1 ? { columnSpan: span } : {}),
    ...(c.rowSpan && c.rowSpan > 1 ? { rowSpan: c.rowSpan } : {}),
    verticalAlign: VerticalAlignTable.CENTER,
    margins: { top: 40, bottom: 40, left: 80, right: 80 },
    ...(c.header ? { shading: { type: ShadingType.CLEAR, color: 'auto', fill: 'F2F2F2' } } : {}),
    children: c.text.map(
      (line) => new Paragraph({ spacing: TABLE_LINE, alignment: align, children: [new TextRun({ text: line, size, font: FONTS.table })] }),
    ),
  });
}

function tableOf(t: TableBlock, textWidth: number): (Paragraph | Table)[] {
  const total = t.columns.reduce((s, w) => s + w, 0);
  const widths = t.columns.map((w) => Math.floor((w / total) * textWidth));
  const rows = t.rows.map((row, i) => {
    // Cells are placed left to right; a cell merged down from a row above takes its column, as in HTML.
    let column = 0;
    const occupied = spannedColumns(t.rows, i);
    const cells = row.map((c) => {
      while (occupied.has(column)) column++;
      const out = cellOf(c, widths, column, !!t.dense);
      column += c.colSpan ?? 1;
      return out;
    });
    return new TableRow({ tableHeader: i < t.headerRows, cantSplit: true, children: cells });
  });
  // The caption names the table for screen readers on the print page; on paper the heading above it does.
  return [new Table({ rows, columnWidths: widths, width: { size: widths.reduce((s, w) => s + w, 0), type: WidthType.DXA }, layout: TableLayoutType.FIXED, borders }), new Paragraph({ spacing: { line: 240, lineRule: LineRuleType.AUTO }, children: [] })];
}

/** The columns of row `index` taken by cells merged down from the rows above it. */
function spannedColumns(rows: Cell[][], index: number): Set<number> {
  const taken = new Set<number>();
  const reach: number[] = [];
  for (let r = 0; r < index; r++) {
    let column = 0;
    const above = new Set(reach.map((until, col) => (until > r ? col : -1)).filter((c) => c >= 0));
    for (const c of rows[r]!) {
      while (above.has(column)) column++;
      const span = c.colSpan ?? 1;
      for (let k = 0; k < span; k++) reach[column + k] = Math.max(reach[column + k] ?? 0, r + (c.rowSpan ?? 1));
      column += span;
    }
  }
  reach.forEach((until, col) => {
    if (until > index) taken.add(col);
  });
  return taken;
}

function chartOf(block: ChartBlock, image: ChartImage | undefined, textWidth: number, drawingId: number): Paragraph[] {
  const title = new Paragraph({ spacing: { before: 120, after: 60, ...TABLE_LINE }, alignment: AlignmentType.CENTER, keepNext: true, children: [new TextRun({ text: block.title, font: FONTS.heading, size: SIZE.table })] });
  if (!image) return [title, new Paragraph({ children: [new TextRun({ text: block.alt, size: SIZE.note })] })];
  // Shown at the text width (in pixels at 96 dpi), the height in proportion.
  const width = Math.round((textWidth / 1440) * 96);
  const height = Math.round((image.height / image.width) * width);
  return [
    title,
    new Paragraph({
      alignment: AlignmentType.CENTER,
      children: [new ImageRun({ type: 'png', data: image.png, transformation: { width, height }, altText: { id: String(drawingId), name: block.id, title: block.title, description: block.alt } })],
    }),
  ];
}

/**
 * Drawing ids numbered within the document (docx would take them from a counter shared by the whole
 * process, so the same report would get other ids on every download).
 */
interface Drawings {
  next: number;
}

function blocksOf(blocks: Block[], charts: ReadonlyMap<string, ChartImage>, textWidth: number, drawings: Drawings): (Paragraph | Table)[] {
  return blocks.flatMap((b): (Paragraph | Table)[] => {
    switch (b.kind) {
      case 'heading':
        return [new Paragraph({ style: 'Heading2', children: [new TextRun(b.text)] })];
      case 'paragraph':
        return [paragraphOf(b)];
      case 'table':
        return tableOf(b, textWidth);
      case 'chart':
        return chartOf(b, charts.get(b.id), textWidth, drawings.next++);
    }
  });
}

function footer(label: string): Footer {
  const [before, after] = label.split('{page}');
  return new Footer({
    children: [
      new Paragraph({
        alignment: AlignmentType.CENTER,
        children: [new TextRun({ text: before ?? '', size: 28 }), new TextRun({ children: [PageNumber.CURRENT], size: 28 }), new TextRun({ text: after ?? '', size: 28 })],
      }),
    ],
  });
}

const portraitPage = { size: { width: PORTRAIT.width, height: PORTRAIT.height, orientation: PageOrientation.PORTRAIT }, margin: PORTRAIT.margin };
const landscapePage = {
  // docx swaps width and height for a landscape page itself: give the portrait size.
  size: { width: PORTRAIT.width, height: PORTRAIT.height, orientation: PageOrientation.LANDSCAPE },
  margin: { top: LANDSCAPE_MARGIN, bottom: LANDSCAPE_MARGIN, left: LANDSCAPE_MARGIN, right: LANDSCAPE_MARGIN },
};

function coverSection(doc: ReportDocument): ISectionOptions {
  const centred = (text: string, size: number, font = FONTS.title, before = 0) => new Paragraph({ alignment: AlignmentType.CENTER, spacing: { before, after: 200 }, children: [new TextRun({ text, size, font })] });
  return {
    properties: { page: portraitPage },
    children: [
      ...doc.cover.lines.map((line, i) => centred(line, SIZE.title, FONTS.title, i === 0 ? 2400 : 0)),
      centred(doc.cover.subtitle, SIZE.subtitle, FONTS.title, 400),
      ...doc.cover.facts.map((f, i) => centred(f, SIZE.heading, FONTS.body, i === 0 ? 3600 : 0)),
      ...(doc.cover.demo ? [centred(doc.cover.demo, SIZE.note, FONTS.body, 600)] : []),
      centred(doc.cover.state, SIZE.note, FONTS.body, doc.cover.demo ? 200 : 600),
      centred(doc.generated, SIZE.note, FONTS.body),
    ],
  };
}

function bodySection(section: Section, charts: ReadonlyMap<string, ChartImage>, doc: ReportDocument, first: boolean, drawings: Drawings): ISectionOptions {
  const width = section.landscape ? TEXT_WIDTH.landscape : TEXT_WIDTH.portrait;
  return {
    properties: { page: { ...(section.landscape ? landscapePage : portraitPage), ...(first ? { pageNumbers: { start: 1 } } : {}) } },
    footers: { default: footer(doc.pageLabel) },
    children: [new Paragraph({ style: 'Heading1', children: [new TextRun(section.heading)] }), ...blocksOf(section.blocks, charts, width, drawings)],
  };
}

/** Core properties with the report's own dates (docx would write the current time). */
function coreXml(doc: ReportDocument): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const at = new Date(doc.fixedAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<dc:title>${esc(doc.title)}</dc:title><dc:creator>manyi</dc:creator><cp:lastModifiedBy>manyi</cp:lastModifiedBy><cp:revision>1</cp:revision>` +
    `<dcterms:created xsi:type="dcterms:W3CDTF">${at}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">${at}</dcterms:modified>` +
    '</cp:coreProperties>'
  );
}

/** The .docx file of a report; `charts` holds the PNG of each chart block by id. */
export async function renderReportDocx(doc: ReportDocument, charts: ReadonlyMap<string, ChartImage>): Promise<Buffer> {
  const all = [...doc.sections, ...doc.annexes];
  const drawings: Drawings = { next: 1 };
  const document = new Document({
    creator: 'manyi',
    title: doc.title,
    lastModifiedBy: 'manyi',
    styles: {
      default: {
        document: { run: { font: FONTS.body, size: SIZE.body }, paragraph: { spacing: LINE } },
      },
      paragraphStyles: [
        {
          id: 'Heading1',
          name: 'Heading 1',
          basedOn: 'Normal',
          next: 'Normal',
          quickFormat: true,
          run: { font: FONTS.heading, size: SIZE.heading },
          paragraph: { spacing: { ...LINE, before: 240, after: 120 }, indent: { firstLine: INDENT }, keepNext: true, outlineLevel: 0 },
        },
        {
          id: 'Heading2',
          name: 'Heading 2',
          basedOn: 'Normal',
          next: 'Normal',
          quickFormat: true,
          run: { font: FONTS.subheading, size: SIZE.heading },
          paragraph: { spacing: LINE, indent: { firstLine: INDENT }, keepNext: true, outlineLevel: 1 },
        },
      ],
    },
    sections: [coverSection(doc), ...all.map((s, i) => bodySection(s, charts, doc, i === 0, drawings))],
  });
  const packed = await Packer.toBuffer(document, false, [{ path: 'docProps/core.xml', data: coreXml(doc) }]);
  return fixZipTimes(packed, new Date(doc.fixedAt));
}
