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

/** `<payload>.<mac>`: both base64url without padding; the MAC is HMAC-SHA256, 32 bytes = 43 characters. */
const TOKEN_SHAPE = /^([A-Za-z0-9_-]{1,340})\.([A-Za-z0-9_-]{43})$/;

/**
 * The token's contents when it is exactly one this key signed, else null. The MAC is recomputed over
 * the payload string as sent and compared, in constant time, with the MAC as sent, as canonical
 * base64url text: a lenient decoding would accept a last character whose unused bits differ, or a
 * NUL or space after it (Buffer.from(…, 'base64url') ignores both), so a forged token passed ~1 time in 16.
 */
export function verifyFormToken(key: Buffer, value: unknown): FormToken | null {
  if (typeof value !== 'string') return null;
  const shape = TOKEN_SHAPE.exec(value);
  if (!shape) return null;
  const [, payload, mac] = shape as unknown as [string, string, string];
  const expected = Buffer.from(crypto.createHmac('sha256', key).update(payload).digest('base64url'), 'latin1');
  const given = Buffer.from(mac, 'latin1');
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
