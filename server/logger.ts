import pino, { type Logger } from 'pino';
import type { Config } from './config';

/** Structured logs; secrets, cookies and bodies are never logged. */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'password', '*.password', 'token'],
      censor: '[redacted]',
    },
  });
}
