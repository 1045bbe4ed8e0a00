import type { Writable } from 'node:stream';
import type { Site } from '../../models/site';
import { asciiNamePart, downloadName, type DownloadName, type NamePart } from '../domain/download-name';
import { translator, type Locale, type Translate } from '../i18n';
import type { Deps } from './context';
import type { Filters } from './statistics';

/** What a route needs to send a file: its names (RFC 6266, with an ASCII fallback) and type. */
export interface Download extends DownloadName {
  contentType: string;
}

/**
 * A download checked and ready to stream: everything that can fail on the request (unknown survey,
 * bad filter, no permission) has failed before the route sends any header; `write` streams the
 * file, audits it and resolves with its row count.
 */
export interface PreparedDownload {
  download: Download;
  write(out: Writable): Promise<number>;
}

/** The file name of a download made now, stamped with the local time in the configured zone. */
export function makeDownload(deps: Pick<Deps, 'clock' | 'config'>, parts: NamePart[], ext: string, contentType: string): Download {
  return { ...downloadName(parts, deps.clock(), deps.config.timeZone, ext), contentType };
}

/** A title (survey, evaluation) as a name part; its ASCII form is `fallback` when it has no ASCII letters or digits. */
export function titlePart(title: string, fallback: string): NamePart {
  return { text: title, ascii: asciiNamePart(title) || fallback };
}

/** The page language's words and English (for the ASCII name) side by side. */
export function nameWords(locale: Locale): { t: Translate; en: Translate } {
  return { t: translator(locale), en: translator('en') };
}

/**
 * What stations a file holds (all, one by name, a few, or how many), given the stations it was
 * narrowed to (undefined: all); then its period when the filters have one.
 */
export function scopeParts(words: { t: Translate; en: Translate }, sites: readonly Pick<Site, 'id' | 'code' | 'name'>[], siteIds: readonly string[] | undefined, filters: Pick<Filters, 'from' | 'to'>): NamePart[] {
  const { t, en } = words;
  const parts: NamePart[] = [];
  if (!siteIds) parts.push({ text: t('download.allStations'), ascii: en('download.allStations') });
  else {
    const chosen = sites.filter((s) => siteIds.includes(s.id));
    if (chosen.length >= 1 && chosen.length <= 3) parts.push({ text: chosen.map((s) => s.name).join('、'), ascii: chosen.map((s) => s.code).join('+') });
    else parts.push({ text: t('download.stations', { n: siteIds.length }), ascii: en('download.stations', { n: siteIds.length }) });
  }
  const day = (d: string) => d.replace(/-/g, '');
  if (filters.from && filters.to) parts.push({ text: t('download.period', { from: day(filters.from), to: day(filters.to) }), ascii: `${day(filters.from)}-${day(filters.to)}` });
  else if (filters.from) parts.push({ text: t('download.since', { from: day(filters.from) }), ascii: `from-${day(filters.from)}` });
  else if (filters.to) parts.push({ text: t('download.until', { to: day(filters.to) }), ascii: `to-${day(filters.to)}` });
  return parts;
}
