import { Schema } from 'mongoose';
import type { Id, IsoTime } from './common';

/** Who did what to which thing, and when. Appended, never edited. */
export interface AuditEvent {
  id: Id;
  at: IsoTime;
  actorId: Id | null;
  actorName: string;
  action: string;
  targetType: string;
  targetId: string | null;
  details: Record<string, unknown>;
}

export const auditEventMongoSchema = new Schema(
  {
    _id: { type: String, required: true },
    at: { type: Date, required: true, index: true },
    actorId: { type: String, default: null },
    actorName: { type: String, required: true },
    action: { type: String, required: true, index: true },
    targetType: { type: String, required: true },
    targetId: { type: String, default: null },
    details: { type: Schema.Types.Mixed, default: {} },
  },
  { versionKey: false, collection: 'audit_events', minimize: false },
);
