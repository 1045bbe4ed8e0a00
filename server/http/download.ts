import { create as contentDisposition } from 'content-disposition';
import type { Response } from 'express';
import type { Download } from '../services/downloads';

/**
 * The headers of a file download: its type, its name per RFC 6266 (filename*=UTF-8''… for the
 * Chinese name, filename=… with the ASCII one for older clients, built by the content-disposition
 * package) and no caching (exports hold personal answers).
 */
export function sendDownloadHeaders(res: Response, download: Download, disposition: 'attachment' | 'inline' = 'attachment'): void {
  res.set('Content-Type', download.contentType);
  res.set('Content-Disposition', contentDisposition(download.fileName, { type: disposition, fallback: download.asciiName }));
  res.set('Cache-Control', 'no-store');
}
