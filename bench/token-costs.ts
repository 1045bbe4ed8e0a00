/**
 * What each per-request part of the resident form costs on this machine (µs per call, in-process,
 * median of 5 rounds of 100,000 calls after a warm-up): the randomness, HMACs and cookies a blank
 * form needs for a first visit. `npx tsx bench/token-costs.ts`; docs/benchmarks.md quotes it.
 */
import crypto from 'node:crypto';
import { sign } from 'cookie-signature';
import { csrfProtection } from '../server/http/csrf';
import { cookieHeader, cookieWriter } from '../server/http/lean-response';
import { loadConfig } from '../server/config';
import { newSecretToken } from '../server/ids';
import { newFormToken, signFormToken } from '../server/services/form-token';
import type { Request, Response } from 'express';

function cost(f: () => unknown, calls = 100_000): number {
  for (let i = 0; i < 5_000; i++) f();
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) f();
    rounds.push(Number(process.hrtime.bigint() - t0) / calls / 1000);
  }
  return rounds.sort((a, b) => a - b)[2]!;
}

export function tokenCosts(): Record<string, number> {
  const secret = 'bench-secret-bench-secret-bench-secret-tokens';
  const key = crypto.randomBytes(32);
  const device = { signed: true, httpOnly: true, sameSite: 'lax' as const, maxAge: 365 * 24 * 3600_000, path: '/' };
  const write = cookieWriter(secret);
  const csrf = csrfProtection({ ...loadConfig({}), sessionSecret: secret, secureCookies: false });
  const req = { cookies: {}, deviceId: newSecretToken(18) } as unknown as Request;
  return {
    'crypto.randomBytes(32) (csrf-csrf, per token)': cost(() => crypto.randomBytes(32)),
    'newSecretToken(18) (pooled: device id, submission token)': cost(() => newSecretToken(18)),
    'HMAC-SHA256 (createHmac, short message)': cost(() => crypto.createHmac('sha256', secret).update('d:abcdefghijabcdefghijabcd').digest('hex')),
    'cookie-signature sign (device cookie)': cost(() => sign('abcdefghijabcdefghijabcd', secret)),
    "Express res.cookie (device cookie, signed)": cost(() => cookieHeader(secret, 'manyi.device', 'abcdefghijabcdefghijabcd', device)),
    'cookieWriter (device cookie, signed)': cost(() => write('manyi.device', 'abcdefghijabcdefghijabcd', device)),
    'csrf-csrf generateCsrfToken (with its cookie, cookieWriter; no longer on the resident form)': cost(() => csrf.generateCsrfToken(req, { cookie: (name: string, value: string, options: object) => write(name, value, options) } as unknown as Response)),
    'form token (newFormToken + signFormToken)': cost(() => signFormToken(key, newFormToken('pub-abcdefghijkl', 1, Date.now(), 'qr'))),
    'form token bound to the device (newFormToken + signFormToken with the device id)': cost(() => signFormToken(key, newFormToken('pub-abcdefghijkl', 1, Date.now(), 'qr'), 'abcdefghijabcdefghijabcd')),
  };
}

if (require.main === module) {
  for (const [name, us] of Object.entries(tokenCosts())) console.log(`${us.toFixed(2).padStart(7)} µs  ${name}`);
}
