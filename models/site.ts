import { Schema } from 'mongoose';
import { z } from 'zod';
import { nameSchema, requiredNameSchema, type Id, type IsoTime } from './common';

export const SITE_KINDS = ['township', 'street'] as const;
export type SiteKind = (typeof SITE_KINDS)[number];

/** 服务站点: a township or street social-work station. */
export interface Site {
  id: Id;
  code: string;
  name: string;
  /** 所属乡镇/街道 */
  township: string;
  kind: SiteKind;
  /** 服务对象人数, the population used for sample size and response rate; null when unknown. */
  recipients: number | null;
  active: boolean;
  isDemo: boolean;
  createdAt: IsoTime;
  updatedAt: IsoTime;
}

export const siteCodeSchema = z.string().trim().regex(/^[A-Za-z0-9_-]{1,32}$/);

export const siteInputSchema = z.object({
  code: siteCodeSchema,
  name: requiredNameSchema(100),
  township: nameSchema(100).default(''),
  kind: z.enum(SITE_KINDS),
  recipients: z.number().int().min(0).max(10_000_000).nullable().default(null),
  active: z.boolean().default(true),
});
export type SiteInput = z.infer<typeof siteInputSchema>;

export const siteMongoSchema = new Schema(
  {
    _id: { type: String, required: true },
    code: { type: String, required: true, unique: true },
    name: { type: String, required: true },
    township: { type: String, default: '' },
    kind: { type: String, enum: SITE_KINDS, required: true },
    recipients: { type: Number, default: null },
    active: { type: Boolean, default: true },
    isDemo: { type: Boolean, default: false },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'sites' },
);
