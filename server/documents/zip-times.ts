/**
 * Sets the modification time of every entry of a ZIP file (a .docx) to `at`, in place of the time
 * it was packed, so that packing the same content twice gives the same bytes. The time is written
 * in UTC (a ZIP's MS-DOS time has no zone), so the bytes do not depend on the server's zone either.
 */
const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function dosTime(at: Date): { time: number; date: number } {
  const year = Math.min(Math.max(at.getUTCFullYear(), 1980), 2107);
  return {
    time: (at.getUTCHours() << 11) | (at.getUTCMinutes() << 5) | Math.floor(at.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate(),
  };
}

export function fixZipTimes(zip: Buffer, at: Date): Buffer {
  const out = Buffer.from(zip);
  let end = -1;
  for (let i = out.length - 22; i >= Math.max(0, out.length - 22 - 0xffff); i--) {
    if (out.readUInt32LE(i) === EOCD) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('not a ZIP file: no end of central directory');
  const entries = out.readUInt16LE(end + 10);
  let entry = out.readUInt32LE(end + 16);
  const { time, date } = dosTime(at);
  for (let n = 0; n < entries; n++) {
    if (out.readUInt32LE(entry) !== CENTRAL) throw new Error('ZIP central directory is damaged');
    out.writeUInt16LE(time, entry + 12);
    out.writeUInt16LE(date, entry + 14);
    const local = out.readUInt32LE(entry + 42);
    if (out.readUInt32LE(local) !== LOCAL) throw new Error('ZIP local header is damaged');
    out.writeUInt16LE(time, local + 10);
    out.writeUInt16LE(date, local + 12);
    entry += 46 + out.readUInt16LE(entry + 28) + out.readUInt16LE(entry + 30) + out.readUInt16LE(entry + 32);
  }
  return out;
}
