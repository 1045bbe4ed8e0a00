import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config';

/**
 * Fills config.sessionSecret: SESSION_SECRET when given, otherwise the secret kept in
 * DATA_DIR/session-secret, generated (256 random bits) the first time and never hard-coded.
 */
export function resolveSessionSecret(config: Config): Config {
  if (config.sessionSecret) return config;
  const file = path.join(config.dataDir, 'session-secret');
  fs.mkdirSync(config.dataDir, { recursive: true });
  let secret: string;
  try {
    secret = fs.readFileSync(file, 'utf8').trim();
  } catch {
    secret = crypto.randomBytes(32).toString('base64url');
    fs.writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  }
  if (secret.length < 32) throw new Error(`${file} holds a secret shorter than 32 characters; delete it to regenerate`);
  return { ...config, sessionSecret: secret };
}

/** A key for one purpose (sessions, csrf, device, ip-hash…) derived from the one secret with HKDF. */
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', secret, 'manyi', purpose, 32));
}
