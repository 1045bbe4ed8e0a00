import { Schema } from 'mongoose';
import type { IsoTime } from './common';

/**
 * The bytes of an evidence file (佐证材料), kept once under their SHA-256 however many indicators or
 * evaluations attach them. Which file is attached where, under which name, is in the evaluation's
 * data (report.indicators[…].files); a blob is only ever read through such a reference.
 */
export interface EvidenceBlob {
  sha256: string;
  size: number;
  /** The media type it is served as (one of EVIDENCE_TYPES). */
  type: string;
  data: Buffer;
  createdAt: IsoTime;
}

/**
 * A plain collection rather than GridFS: files are at most 10 MB (EVIDENCE_MAX_BYTES), well within
 * MongoDB's 16 MB document limit, and are read whole.
 */
export const evidenceBlobMongoSchema = new Schema(
  {
    _id: { type: String, required: true },
    size: { type: Number, required: true },
    type: { type: String, required: true },
    data: { type: Buffer, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'evidence_blobs' },
);
