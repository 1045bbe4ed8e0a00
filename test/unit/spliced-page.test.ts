import zlib from 'node:zlib';
import { compileSplicedPage, spliceGzip, splicePlain } from '../../server/http/spliced-page';

const HTML = `<!doctype html><p>${'社工站服务对象满意度调查 '.repeat(300)}</p><input value="SLOT-A"><input value="SLOT-B"><footer>${'尾部 tail '.repeat(500)}</footer>`;

describe('spliced pages', () => {
  it('puts the values into their slots, plain and as one gzip stream that gunzip reads whole', () => {
    const page = compileSplicedPage(HTML, ['SLOT-A', 'SLOT-B'])!;
    const expected = HTML.replace('SLOT-A', 'csrf.1234|x').replace('SLOT-B', 'payload.mac_-');
    expect(splicePlain(page, ['csrf.1234|x', 'payload.mac_-']).toString('utf8')).toBe(expected);
    const gz = spliceGzip(page, ['csrf.1234|x', 'payload.mac_-']);
    expect(zlib.gunzipSync(gz).toString('utf8')).toBe(expected);
    // One DEFLATE stream between the 10-byte header and the 8-byte trailer (CRC-32, length): one gzip member, not several.
    expect(zlib.inflateRawSync(gz.subarray(10, gz.length - 8)).toString('utf8')).toBe(expected);
    expect(gz.readUInt32LE(gz.length - 4)).toBe(Buffer.byteLength(expected));
  });

  it('compresses the static parts: the gzip page is a fraction of the plain one', () => {
    const page = compileSplicedPage(HTML, ['SLOT-A', 'SLOT-B'])!;
    expect(spliceGzip(page, ['a', 'b']).length).toBeLessThan(Buffer.byteLength(HTML) / 5);
  });

  it('splits a value longer than one stored block (64 KiB) and takes empty values', () => {
    const page = compileSplicedPage(HTML, ['SLOT-A', 'SLOT-B'])!;
    const long = 'x'.repeat(150_000);
    expect(zlib.gunzipSync(spliceGzip(page, [long, ''])).toString('utf8')).toBe(HTML.replace('SLOT-A', long).replace('SLOT-B', ''));
  });

  it('refuses a page whose slot is missing, repeated or out of order', () => {
    expect(compileSplicedPage(HTML, ['SLOT-A', 'SLOT-C'])).toBeNull();
    expect(compileSplicedPage(`${HTML}SLOT-A`, ['SLOT-A', 'SLOT-B'])).toBeNull();
    expect(compileSplicedPage(HTML, ['SLOT-B', 'SLOT-A'])).toBeNull();
  });
});
