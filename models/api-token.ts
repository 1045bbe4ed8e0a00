import { Schema } from 'mongoose';
import { z } from 'zod';
import { requiredNameSchema, type Id, type IsoTime } from './common';

export const TOKEN_SCOPES = ['read', 'write'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** A bearer token for /api/v1; only its SHA-256 hash is stored, the token is shown once. */
export interface ApiToken {
  id: Id;
  userId: Id;
  name: string;
  tokenHash: string;
  scope: TokenScope;
  createdAt: IsoTime;
  lastUsedAt: IsoTime | null;
  revokedAt: IsoTime | null;
}

export const newTokenSchema = z.object({
  name: requiredNameSchema(80).default('api'),
  scope: z.enum(TOKEN_SCOPES).default('read'),
});

export const apiTokenMongoSchema = new Schema(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true, index: true },
    name: { type: String, required: true },
    tokenHash: { type: String, required: true, unique: true },
    scope: { type: String, enum: TOKEN_SCOPES, required: true },
    createdAt: { type: Date, required: true },
    lastUsedAt: { type: Date, default: null },
    revokedAt: { type: Date, default: null },
  },
  { versionKey: false, collection: 'api_tokens' },
);
