import { fileStamp } from './time';

/** One part of a file name, as people read it and as plain ASCII for clients without RFC 6266. */
export interface NamePart {
  text: string;
  ascii: string;
}

export interface DownloadName {
  /** e.g. 满意度调查-原始答卷-全部站点-20261207-1430.xlsx, sent as filename*=UTF-8''… */
  fileName: string;
  /** e.g. survey-responses-all-stations-20261207-1430.xlsx, sent as filename=… */
  asciiName: string;
}

/** Longest part, in characters: file systems allow 255 bytes, a Chinese character takes 3. */
const PART_MAX = 40;

/**
 * Characters a file name must not carry: controls (C0, DEL, C1), bidirectional overrides and
 * isolates (an RLO could show "…xslx.exe" as "…exe.xlsx"), zero-width characters, lone
 * surrogates, non-characters and U+FFFD (the mark a store leaves where it could not keep a character).
 */
const INVISIBLE = /[\u0000-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF\uFFFD-\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** Reserved on Windows, or the path separator elsewhere. */
const RESERVED = /[\\/:*?"<>|]/g;

const clip = (s: string, max: number) => Array.from(s).slice(0, max).join('');

/** A part as people read it: no invisible or reserved characters, spaces collapsed, no edge dots. */
export function cleanNamePart(text: string): string {
  const cleaned = text.normalize('NFC').replace(/\s+/g, ' ').replace(INVISIBLE, '').replace(RESERVED, '_').replace(/ +/g, ' ').trim();
  return clip(cleaned, PART_MAX).replace(/^[.\s]+|[.\s]+$/g, '');
}

/** A part in ASCII letters, digits, '_' and '-' only: "incl. invalid" → "incl-invalid", "雄关" → "". */
export function asciiNamePart(text: string): string {
  return clip(
    text
      .normalize('NFKD')
      .replace(/[^A-Za-z0-9_]+/g, '-')
      .replace(/^[_-]+|[_-]+$/g, ''),
    PART_MAX,
  ).replace(/[_-]+$/, '');
}

/**
 * The name of a download: its parts (what it holds: survey or evaluation, kind, stations…) joined
 * by '-', then the local date and time of the download in `timeZone`, then the extension. Empty
 * parts are left out; the ASCII name falls back to "manyi" when no part has ASCII letters.
 */
export function downloadName(parts: NamePart[], at: Date, timeZone: string, ext: string): DownloadName {
  const stamp = fileStamp(at, timeZone);
  const text = parts.map((p) => cleanNamePart(p.text)).filter(Boolean);
  const ascii = parts.map((p) => asciiNamePart(p.ascii)).filter(Boolean);
  return {
    fileName: `${[...text, stamp].join('-')}.${ext}`,
    asciiName: `${[...(ascii.length ? ascii : ['manyi']), stamp].join('-')}.${ext}`,
  };
}
