import type { CookieOptions, RequestHandler } from 'express';
import type { Config } from '../config';
import { newSecretToken } from '../ids';

export const DEVICE_COOKIE = 'manyi.device';
const ONE_YEAR_MS = 365 * 24 * 3600_000;

/** How the device cookie is set (the middleware below and the resident form's lean path). */
export function deviceCookieOptions(config: Config): CookieOptions {
  return { signed: true, httpOnly: true, sameSite: 'lax', secure: config.secureCookies, maxAge: ONE_YEAR_MS, path: '/' };
}

/** A device id as the cookie must hold it (the signature checked by cookie-parser first). */
export const isDeviceId = (value: unknown): value is string => typeof value === 'string' && /^[A-Za-z0-9_-]{20,64}$/.test(value);

/**
 * A signed, long-lived random id for this browser (cookie-parser signs it). It identifies the
 * device for the one-answer-per-device rule and anonymous CSRF; only its salted hash is stored.
 */
export function deviceCookie(config: Config): RequestHandler {
  return (req, res, next) => {
    // Already read for this request (the resident form's short path runs it before the full chain).
    if (req.deviceId !== undefined) return next();
    const value = req.signedCookies?.[DEVICE_COOKIE] as unknown;
    if (isDeviceId(value)) {
      req.deviceId = value;
    } else if (req.method === 'GET' || req.method === 'HEAD') {
      req.deviceId = newSecretToken(18);
      res.cookie(DEVICE_COOKIE, req.deviceId, deviceCookieOptions(config));
    }
    next();
  };
}
