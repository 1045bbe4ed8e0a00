/** Since 1972 every UTC offset in the IANA database is a whole quarter hour and changes on one. */
const QUARTER_HOUR = 15 * 60_000;
const formatters = new Map<string, Intl.DateTimeFormat>();
/** Per zone, the quarter hour last asked and its day (see zoneOffsetMs: a local day never changes within a quarter hour). */
const lastDays = new Map<string, { quarter: number; day: string }>();

/** The local calendar day (YYYY-MM-DD) of an instant in a time zone (Asia/Shanghai by default). */
export function localDay(instant: Date, timeZone: string): string {
  // Every submission asks for the day of "now" (twice when it opens a case): the same quarter hour
  // as the last one asked is answered without formatting again.
  const quarter = Math.floor(instant.getTime() / QUARTER_HOUR);
  const last = lastDays.get(timeZone);
  if (last && last.quarter === quarter) return last.day;
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  const day = f.format(instant);
  if (lastDays.size >= 100) lastDays.clear();
  lastDays.set(timeZone, { quarter, day });
  return day;
}

const stampFormatters = new Map<string, Intl.DateTimeFormat>();

/** Local date and time "YYYY-MM-DD HH:mm:ss" of an instant in a time zone, for pages and exports. */
export function localDateTime(instant: Date | string, timeZone: string): string {
  let f = stampFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    stampFormatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(typeof instant === 'string' ? new Date(instant) : instant).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/** A time zone as people name it: Asia/Shanghai (the default) is Beijing time, others keep their IANA name. */
export function zoneName(timeZone: string, beijingTime: string): string {
  return timeZone === 'Asia/Shanghai' ? beijingTime : timeZone;
}

/**
 * The instant as a Date whose UTC fields read the local wall-clock time in `timeZone`. Spreadsheet
 * date-times have no zone: exceljs writes a Date's UTC fields, so this is how an Excel cell shows
 * 2026-12-07 14:30 for an answer submitted at 06:30Z in Asia/Shanghai (the header names the zone).
 */
export function wallClock(instant: Date | string, timeZone: string): Date {
  const at = (typeof instant === 'string' ? new Date(instant) : instant).getTime();
  return new Date(at + zoneOffsetMs(at, timeZone));
}

/**
 * Offsets computed per zone, by quarter hour. Exports ask in id order, which need not be time order
 * (a paper batch entered late, responses spread over months): a single remembered quarter missed on
 * nearly every row and cost an Intl formatting per row. A year is 35,040 quarter hours; the map is
 * cleared when it holds more than that, so it stays bounded.
 */
const offsets = new Map<string, Map<number, number>>();
const MAX_QUARTERS = 35_040;

/**
 * The zone's offset from UTC at an instant, in ms. Since 1972 every UTC offset in the IANA database
 * is a whole quarter hour and changes on one, so one computation holds for its whole quarter hour.
 */
function zoneOffsetMs(at: number, timeZone: string): number {
  const quarter = Math.floor(at / QUARTER_HOUR);
  let zone = offsets.get(timeZone);
  if (!zone) offsets.set(timeZone, (zone = new Map()));
  const cached = zone.get(quarter);
  if (cached !== undefined) return cached;
  const start = quarter * QUARTER_HOUR;
  const [date, time] = localDateTime(new Date(start), timeZone).split(' ') as [string, string];
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi, s] = time.split(':').map(Number) as [number, number, number];
  const offset = Date.UTC(y, mo - 1, d, h, mi, s) - start;
  if (zone.size >= MAX_QUARTERS) zone.clear();
  zone.set(quarter, offset);
  return offset;
}

/** A local day (YYYY-MM-DD) as a Date at its midnight UTC, for a spreadsheet date cell. */
export function dayCell(day: string): Date {
  const [y, mo, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, mo - 1, d));
}

/** "YYYYMMDD-HHmm" in the zone, for file names. */
export function fileStamp(instant: Date, timeZone: string): string {
  const s = localDateTime(instant, timeZone);
  return `${s.slice(0, 10).replace(/-/g, '')}-${s.slice(11, 13)}${s.slice(14, 16)}`;
}

/** The first instant of a local day (YYYY-MM-DD) in a time zone (DST-safe: the offset is checked at the result). */
export function startOfLocalDay(day: string, timeZone: string): Date {
  const guess = dayCell(day).getTime();
  let at = guess;
  for (let i = 0; i < 3; i++) {
    const offset = wallClock(new Date(at), timeZone).getTime() - at;
    const next = guess - offset;
    if (next === at) break;
    at = next;
  }
  return new Date(at);
}
