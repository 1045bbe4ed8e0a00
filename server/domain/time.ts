const formatters = new Map<string, Intl.DateTimeFormat>();

/** The local calendar day (YYYY-MM-DD) of an instant in a time zone (Asia/Shanghai by default). */
export function localDay(instant: Date, timeZone: string): string {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f.format(instant);
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
