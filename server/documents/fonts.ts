import fs from 'node:fs';
import path from 'node:path';

/**
 * The bundled Simplified Chinese font (Noto Sans SC, SIL OFL) from @embedpdf/fonts-sc, so posters look
 * the same on every server whatever fonts the system has. The package exports no file paths, so the
 * folder is found next to its resolved entry point.
 */
function fontDir(): string {
  return path.join(path.dirname(require.resolve('@embedpdf/fonts-sc')), '..', 'fonts');
}

export type Weight = 'regular' | 'bold';

const FILES: Record<Weight, string> = { regular: 'NotoSansHans-Regular.otf', bold: 'NotoSansHans-Bold.otf' };

export function fontPath(weight: Weight): string {
  return path.join(fontDir(), FILES[weight]);
}

const loaded = new Map<Weight, Buffer>();

/** The font file's bytes, read once per process (about 8 MB each) on first use. */
export function fontBytes(weight: Weight): Buffer {
  let bytes = loaded.get(weight);
  if (!bytes) loaded.set(weight, (bytes = fs.readFileSync(fontPath(weight))));
  return bytes;
}
