import crypto from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

/** Sortable unique id (UUIDv7): both stores order by it, and it follows creation time. */
export function newId(): string {
  return uuidv7();
}

// No 0/O, 1/l/I, so a code typed from a poster is not misread.
const CODE_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A short unguessable public code: 10 characters from 31 letters ≈ 49.5 bits. */
export function newPublicCode(length = 10): string {
  let out = '';
  for (let i = 0; i < length; i++) out += CODE_ALPHABET[crypto.randomInt(CODE_ALPHABET.length)];
  return out;
}

/**
 * Bytes from the CSPRNG, drawn 4 KiB at a time (one system call for many tokens, as Node does for
 * randomUUID); each byte is handed out once and the pool is refilled before reuse.
 */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;
function randomPooled(bytes: number): Buffer {
  if (bytes > POOL_SIZE / 4) return crypto.randomBytes(bytes);
  if (poolOffset + bytes > POOL_SIZE) {
    crypto.randomFillSync(pool);
    poolOffset = 0;
  }
  const out = pool.subarray(poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return out;
}

/** A random secret token (API tokens, submission tokens, device tokens). */
export function newSecretToken(bytes = 24): string {
  return randomPooled(bytes).toString('base64url');
}

export function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

/** Keyed hash for device tokens and IPs: never reversible to the raw value without the key. */
export function saltedHash(key: Buffer, text: string): string {
  return crypto.createHmac('sha256', key).update(text).digest('base64url').slice(0, 32);
}
