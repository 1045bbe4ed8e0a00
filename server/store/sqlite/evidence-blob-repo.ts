import type { EvidenceBlob } from '../../../models/evidence-blob';
import type { EvidenceBlobRepo } from '../store';
import type { Db } from './db';

type Row = { sha256: string; size: number; type: string; data: Buffer; created_at: string };

/** Evidence files' bytes under their SHA-256 (INSERT OR IGNORE: the same bytes twice are one row). */
export function sqliteEvidenceBlobRepo(db: Db): EvidenceBlobRepo {
  return {
    async put(blob: EvidenceBlob) {
      const info = db
        .prepare('INSERT OR IGNORE INTO evidence_blobs (sha256, size, type, data, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(blob.sha256, blob.size, blob.type, blob.data, blob.createdAt);
      return info.changes === 1;
    },
    async get(sha256) {
      const r = db.prepare('SELECT * FROM evidence_blobs WHERE sha256 = ?').get(sha256) as Row | undefined;
      return r ? { sha256: r.sha256, size: r.size, type: r.type, data: Buffer.from(r.data), createdAt: r.created_at } : null;
    },
  };
}
