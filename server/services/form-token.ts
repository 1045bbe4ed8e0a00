import crypto from 'node:crypto';
import { CHANNELS, type Channel } from '../../models/response';
import { newSecretToken } from '../ids';

/**
 * The hidden token of a questionnaire form: which publication and version it shows, when it was
 * issued (answer time is measured from here, not from anything the browser says), the channel,
 * and the one-time submission token that makes a retried POST store nothing twice. Signed with
 * HMAC-SHA256, so none of it can be forged or altered.
 */
export interface FormToken {
  /** The publication answered; in preview/test mode `preview:<surveyId>`. */
  publicationId: string;
  version: number;
  issuedAt: number;
  channel: FormChannel;
  submissionToken: string;
}

/** A response's channel, or 'test' for preview/test mode (试填), whose answers are never counted. */
export type FormChannel = Channel | 'test';
const FORM_CHANNELS: readonly unknown[] = [...CHANNELS, 'test'];

export function previewTarget(surveyId: string): string {
  return `preview:${surveyId}`;
}

export function newFormToken(publicationId: string, version: number, issuedAt: number, channel: FormChannel): FormToken {
  return { publicationId, version, issuedAt, channel, submissionToken: newSecretToken(18) };
}

export function signFormToken(key: Buffer, t: FormToken): string {
  const payload = Buffer.from(JSON.stringify([t.publicationId, t.version, t.issuedAt, t.channel, t.submissionToken])).toString('base64url');
  const mac = crypto.createHmac('sha256', key).update(payload).digest('base64url');
  return `${payload}.${mac}`;
}

export function verifyFormToken(key: Buffer, value: unknown): FormToken | null {
  if (typeof value !== 'string' || value.length > 400) return null;
  const [payload, mac] = value.split('.');
  if (!payload || !mac) return null;
  const expected = crypto.createHmac('sha256', key).update(payload).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
  try {
    const [publicationId, version, issuedAt, channel, submissionToken] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown[];
    if (
      typeof publicationId !== 'string' ||
      typeof version !== 'number' ||
      typeof issuedAt !== 'number' ||
      !FORM_CHANNELS.includes(channel) ||
      typeof submissionToken !== 'string'
    ) {
      return null;
    }
    return { publicationId, version, issuedAt, channel: channel as FormChannel, submissionToken };
  } catch {
    return null;
  }
}
