import { Schema } from 'mongoose';
import type { Id, IsoTime } from './common';

/**
 * 绩效评价: a fiscal performance evaluation. The indicator tree, funding block, scoring rules
 * and lock snapshot are kept as one document (`data`), validated by the evaluation domain.
 */
export interface EvaluationRecord {
  id: Id;
  name: string;
  locked: boolean;
  isDemo: boolean;
  data: Record<string, unknown>;
  createdBy: Id | null;
  createdAt: IsoTime;
  updatedAt: IsoTime;
}

export const evaluationMongoSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    locked: { type: Boolean, default: false },
    isDemo: { type: Boolean, default: false },
    data: { type: Schema.Types.Mixed, default: {} },
    createdBy: { type: String, default: null },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'evaluations', minimize: false },
);
