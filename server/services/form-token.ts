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
  return { publicationId, version, issuedAt, channel, submissionToken: submissionTokenAt(issuedAt) };
}

/**
 * A new submission token: the issue time (milliseconds, 9 base-36 digits, so tokens sort as they
 * were issued) and then 18 random bytes. The time in front is for the store: every response is
 * inserted into the unique index on its token, and with random tokens each insert of a group commit
 * dirtied a leaf page of its own, anywhere in an index that grows with every answer (at a million
 * responses about 40 MB); forms are answered minutes after they are issued, so tokens in time order
 * land on the few pages at the index's recent end. The random part alone keeps it unguessable (the
 * token is in the signed form token anyway).
 */
export function submissionTokenAt(issuedAt: number): string {
  return `${Math.max(0, Math.floor(issuedAt)).toString(36).padStart(9, '0')}${newSecretToken(18)}`;
}

/**
 * `deviceId`: the browser's device id (the signed device cookie) when the form is bound to it. The
 * payload then says so and the MAC covers the device id as well, without the id being in the token
 * (it is the cookie's secret): only a request carrying that device cookie can use the token, which
 * makes the token the CSRF check of the questionnaire's POST (see docs/decisions.md, "The form token is the questionnaire's CSRF check").
 */
export function signFormToken(key: Buffer, t: FormToken, deviceId?: string): string {
  const fields: unknown[] = [t.publicationId, t.version, t.issuedAt, t.channel, t.submissionToken];
  if (deviceId) fields.push(DEVICE_BOUND);
  const payload = Buffer.from(JSON.stringify(fields)).toString('base64url');
  return `${payload}.${mac(key, payload, deviceId)}`;
}

/** The payload's sixth field when the token is bound to a device. */
const DEVICE_BOUND = 'd';

function mac(key: Buffer, payload: string, deviceId: string | undefined): string {
  const hmac = crypto.createHmac('sha256', key).update(payload);
  if (deviceId) hmac.update(`.${deviceId}`);
  return hmac.digest('base64url');
}

/** A token as verified: `deviceBound` when it was signed for the requesting device (see signFormToken). */
export interface VerifiedFormToken extends FormToken {
  deviceBound: boolean;
}

/** `<payload>.<mac>`: both base64url without padding; the MAC is HMAC-SHA256, 32 bytes = 43 characters. */
const TOKEN_SHAPE = /^([A-Za-z0-9_-]{1,340})\.([A-Za-z0-9_-]{43})$/;

/**
 * The token's contents when it is exactly one this key signed (for this device, if it is bound to
 * one), else null. The payload is read first, only to learn whether it is bound; the MAC is recomputed over
 * the payload string as sent and compared, in constant time, with the MAC as sent, as canonical
 * base64url text: a lenient decoding would accept a last character whose unused bits differ, or a
 * NUL or space after it (Buffer.from(…, 'base64url') ignores both), so a forged token passed ~1 time in 16.
 */
export function verifyFormToken(key: Buffer, value: unknown, deviceId?: string | null): VerifiedFormToken | null {
  if (typeof value !== 'string') return null;
  const shape = TOKEN_SHAPE.exec(value);
  if (!shape) return null;
  const [, payload, given] = shape as unknown as [string, string, string];
  let fields: unknown[];
  try {
    fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown[];
  } catch {
    return null;
  }
  if (!Array.isArray(fields)) return null;
  const [publicationId, version, issuedAt, channel, submissionToken, bound] = fields;
  const deviceBound = fields.length === 6 && bound === DEVICE_BOUND;
  if (
    (fields.length !== 5 && !deviceBound) ||
    typeof publicationId !== 'string' ||
    typeof version !== 'number' ||
    typeof issuedAt !== 'number' ||
    !FORM_CHANNELS.includes(channel) ||
    typeof submissionToken !== 'string'
  ) {
    return null;
  }
  // A token bound to a device is good only with that device's id (a request without the cookie has none).
  if (deviceBound && !deviceId) return null;
  const expected = Buffer.from(mac(key, payload, deviceBound ? deviceId! : undefined), 'latin1');
  const sent = Buffer.from(given, 'latin1');
  if (sent.length !== expected.length || !crypto.timingSafeEqual(sent, expected)) return null;
  return { publicationId, version, issuedAt, channel: channel as FormChannel, submissionToken, deviceBound };
}
