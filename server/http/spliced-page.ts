import zlib from 'node:zlib';

/**
 * A page rendered once with reserved slots, served with per-request values spliced into them,
 * gzip-compressed without compressing the page per request.
 *
 * The gzip body is one gzip member (RFC 1952) whose DEFLATE stream (RFC 1951) is built from parts:
 * each static piece is compressed once, on its own, ending with a sync flush (non-final blocks,
 * byte-aligned, no reference to anything before the piece); each request's values go in between as
 * one uncompressed ("stored") block; an empty final stored block ends the stream; the trailer holds
 * the CRC-32 of the whole page (the first piece's kept from compiling, then zlib.crc32 over the rest) and its length.
 * One member rather than several concatenated members, because some decoders stop after the first.
 */
export interface SplicedPage {
  /** The static pieces around the slots (one more than the slots). */
  readonly pieces: readonly Buffer[];
  /** Each piece compressed on its own (raw DEFLATE, sync-flushed). */
  readonly deflated: readonly Buffer[];
  /**
   * The CRC-32 of the first piece, the start of every spliced page's CRC (the rest goes on from the
   * slot's value, so a slot near the end of the page leaves little to checksum per request).
   */
  readonly headCrc: number;
}

const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);
/** An empty final stored block: BFINAL=1, BTYPE=00, LEN=0, NLEN=0xffff. */
const FINAL_BLOCK = Buffer.from([0x01, 0x00, 0x00, 0xff, 0xff]);
/** A stored block holds at most 65,535 bytes. */
const MAX_STORED = 0xffff;

/**
 * Splits `html` at `slots` (markers that each occur exactly once, in this order) and compresses the
 * pieces. Null when a marker is missing, repeated or out of order: the caller renders the page afresh.
 */
export function compileSplicedPage(html: string, slots: readonly string[]): SplicedPage | null {
  const pieces: Buffer[] = [];
  let rest = html;
  for (const slot of slots) {
    const at = rest.indexOf(slot);
    if (at < 0 || rest.indexOf(slot, at + slot.length) >= 0) return null;
    pieces.push(Buffer.from(rest.slice(0, at), 'utf8'));
    rest = rest.slice(at + slot.length);
  }
  if (slots.some((s) => rest.includes(s))) return null;
  pieces.push(Buffer.from(rest, 'utf8'));
  const deflated = pieces.map((p) => zlib.deflateRawSync(p, { level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH }));
  return { pieces, deflated, headCrc: zlib.crc32(pieces[0]!) };
}

/** The page with `values` in its slots, uncompressed. */
export function splicePlain(page: SplicedPage, values: readonly string[]): Buffer {
  const parts: Buffer[] = [page.pieces[0]!];
  values.forEach((v, i) => parts.push(Buffer.from(v, 'utf8'), page.pieces[i + 1]!));
  return Buffer.concat(parts);
}

/** The page with `values` in its slots, as one gzip member. */
export function spliceGzip(page: SplicedPage, values: readonly string[]): Buffer {
  const parts: Buffer[] = [GZIP_HEADER, page.deflated[0]!];
  let crc = page.headCrc;
  let size = page.pieces[0]!.length;
  values.forEach((v, i) => {
    const raw = Buffer.from(v, 'utf8');
    for (let at = 0; at < raw.length; at += MAX_STORED) {
      const chunk = raw.subarray(at, at + MAX_STORED);
      const head = Buffer.from([0x00, chunk.length & 0xff, chunk.length >> 8, ~chunk.length & 0xff, (~chunk.length >> 8) & 0xff]);
      parts.push(head, chunk);
    }
    crc = zlib.crc32(raw, crc);
    const piece = page.pieces[i + 1]!;
    crc = zlib.crc32(piece, crc);
    size += raw.length + piece.length;
    parts.push(page.deflated[i + 1]!);
  });
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(size >>> 0, 4);
  parts.push(FINAL_BLOCK, trailer);
  return Buffer.concat(parts);
}
