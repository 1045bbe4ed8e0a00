/**
 * The report as one plain document model, rendered twice: as Word (server/documents/report-docx.ts)
 * and as the print page (views/admin/evaluations/report.ejs). Neither renderer adds content: every
 * word and figure is here, so the two cannot drift apart.
 */

export type Align = 'left' | 'center' | 'right';

/** Where a figure comes from in manyi (an app path), for the print page's links. */
export type Source = string;

export interface Cell {
  /** One string per paragraph in the cell. */
  text: string[];
  colSpan?: number;
  rowSpan?: number;
  /** A label cell (table heading or row label): bold, shaded. */
  header?: boolean;
  align?: Align;
  /** A figure: never broken over lines, aligned right unless said otherwise. */
  numeric?: boolean;
  source?: Source;
}

export interface TableBlock {
  kind: 'table';
  id: string;
  /** The table's name for screen readers (on paper the heading above it names it). */
  caption: string;
  /** Relative column widths (they are scaled to the page). */
  columns: number[];
  /** The first rows repeat on every page the table runs over. */
  headerRows: number;
  rows: Cell[][];
  /** Smaller type for wide tables (the annex). */
  dense?: boolean;
}

export interface ParagraphBlock {
  kind: 'paragraph';
  text: string;
  /**
   * body: indented first line; item: a numbered item (its number is part of the text); note: a
   * remark in smaller type; check: a 核对提示 the evaluator must settle before sending the report.
   */
  style: 'body' | 'item' | 'note' | 'check';
  source?: Source;
}

export interface HeadingBlock {
  kind: 'heading';
  text: string;
}

/** A bar chart drawn as a PNG (Chart.js on a server-side canvas), with its figures also given as a table. */
export interface ChartSpec {
  horizontal: boolean;
  stacked: boolean;
  labels: string[];
  datasets: { label: string; data: (number | null)[]; colour: string }[];
  /** The value axis: its title (with the unit) and range. */
  valueTitle: string;
  min: number;
  max: number;
  legend: boolean;
}

export interface ChartBlock {
  kind: 'chart';
  id: string;
  /** The chart's title, also its text alternative with `alt`. */
  title: string;
  alt: string;
  chart: ChartSpec;
}

export type Block = ParagraphBlock | HeadingBlock | TableBlock | ChartBlock;

export interface Section {
  id: string;
  /** The section's full heading as printed: "一、项目基本情况", "附件1 指标体系及评分表". */
  heading: string;
  /** Annex 1 is wide: printed on landscape pages. */
  landscape?: boolean;
  blocks: Block[];
}

export interface ReportDocument {
  lang: 'zh-CN' | 'en';
  /** The document's title (file properties, page title). */
  title: string;
  cover: {
    /** The project, in large type (one or more lines). */
    lines: string[];
    /** 绩效评价报告 */
    subtitle: string;
    /** 评价机构, 报告日期 as "label：value". */
    facts: string[];
    /** The demo notice, when the evaluation is demo data. */
    demo: string | null;
    /** 评分已锁定 (when, by whom) or 评分未锁定 (the figures may still change). */
    state: string;
  };
  /** "生成时间：…" — the only text that differs between two downloads of a locked evaluation's report. */
  generated: string;
  /** The moment the content is fixed at (the lock, else the last save), for the file's own dates. */
  fixedAt: string;
  sections: Section[];
  annexes: Section[];
  /** 第 {page} 页, with {page} where the page number goes. */
  pageLabel: string;
}
