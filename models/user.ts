import { Schema } from 'mongoose';
import { z } from 'zod';
import { passwordTextSchema } from '../server/domain/text-input';
import { idSchema } from './common';
import type { Id, IsoTime } from './common';

export const ROLES = ['admin', 'evaluator', 'station', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  id: Id;
  username: string;
  passwordHash: string;
  role: Role;
  /** For role station: the sites this person may see and enter answers for. */
  siteIds: Id[];
  active: boolean;
  failedLogins: number;
  lockedUntil: IsoTime | null;
  /** Set when an administrator reset the password: until it is changed, the person can only change it. */
  mustChangePassword: boolean;
  /** Where 以评促改 notices go (station staff); absent when none was given. */
  email?: string | null;
  createdAt: IsoTime;
  updatedAt: IsoTime;
}

export const usernameSchema = z.string().trim().regex(/^[A-Za-z0-9._-]{3,40}$/);
export const passwordSchema = passwordTextSchema(12, 256);

export const newUserSchema = z.object({
  username: usernameSchema,
  password: passwordSchema,
  role: z.enum(ROLES),
  siteIds: z.array(idSchema).max(500).default([]),
});
export type NewUserInput = z.infer<typeof newUserSchema>;

/** What an administrator may change about another user: the role and, for station staff, the stations. */
export const userAccessSchema = z.object({
  role: z.enum(ROLES),
  siteIds: z.array(idSchema).max(500).default([]),
});
export type UserAccessInput = z.infer<typeof userAccessSchema>;

/** A person changing their own password: the current one, and the new one typed twice. */
export const passwordChangeSchema = z
  .object({
    currentPassword: z.string().min(1).max(256),
    newPassword: passwordSchema,
    confirmPassword: z.string().max(256),
  })
  .refine((v) => v.confirmPassword === v.newPassword, { path: ['confirmPassword'] });

export const userMongoSchema = new Schema(
  {
    _id: { type: String, required: true },
    username: { type: String, required: true, unique: true },
    passwordHash: { type: String, required: true },
    role: { type: String, enum: ROLES, required: true },
    siteIds: { type: [String], default: [] },
    active: { type: Boolean, default: true },
    failedLogins: { type: Number, default: 0 },
    lockedUntil: { type: Date, default: null },
    mustChangePassword: { type: Boolean, default: false },
    email: { type: String },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'users' },
);
