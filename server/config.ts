import path from 'node:path';
import { z } from 'zod';

/**
 * Every setting: its environment variable, default and description.
 * README.md and .env.example list the same keys; test/unit/config.test.ts checks they agree.
 */
export const CONFIG_DOCS = {
  PORT: { default: '3000', doc: 'TCP port to listen on' },
  HOST: { default: '0.0.0.0', doc: 'interface to listen on (0.0.0.0 lets phones on the same network reach it)' },
  DATA_DIR: { default: './data', doc: 'folder for the embedded SQLite database (manyi.db) and the generated session secret' },
  MONGODB_URI: { default: '', doc: 'MongoDB connection string; when set, MongoDB (a replica set) replaces the embedded SQLite store' },
  SQLITE_WRITER: { default: 'thread', doc: 'where the embedded SQLite store commits responses: thread (a worker thread with its own connection, so pages keep being served while the disk syncs) or inline (on the main thread, as before 2026-12)' },
  PUBLIC_BASE_URL: { default: '', doc: 'public address of this server as phones reach it (e.g. http://192.168.1.20:3000); QR codes and posters point to PUBLIC_BASE_URL/s/<code>; default http://localhost:PORT' },
  SESSION_SECRET: { default: '', doc: 'secret (≥ 32 characters) for sessions, CSRF, device tokens and IP hashes; if empty, generated once and kept in DATA_DIR/session-secret' },
  ADMIN_USERNAME: { default: 'admin', doc: 'username of the first administrator, created on first start when there are no users' },
  ADMIN_PASSWORD: { default: '', doc: 'password of the first administrator (≥ 12 characters); if empty, a strong one is generated and printed once' },
  TZ: { default: 'Asia/Shanghai', doc: 'IANA time zone used for local days, trends and exports' },
  LOG_LEVEL: { default: 'info', doc: 'pino log level: fatal, error, warn, info, debug, trace or silent' },
  DEFAULT_LOCALE: { default: 'zh-CN', doc: 'language used when neither ?lang=, the cookie nor Accept-Language chooses one: zh-CN or en' },
  TRUST_PROXY: { default: 'false', doc: 'set to true (or a hop count) when running behind a reverse proxy, so client IPs and HTTPS are detected' },
  SUBMIT_LIMIT_PER_IP: { default: '30', doc: 'questionnaire submissions accepted per minute from one IP address (a shared Wi-Fi at a station counts as one)' },
  SUBMIT_LIMIT_PER_STATION: { default: '600', doc: 'questionnaire submissions accepted per minute at one station' },
  CASE_CONTACT_DAYS: { default: '90', doc: 'days after a case (以评促改) closes when the resident\'s contact is deleted and its receipt code stops answering' },
  SMTP_URL: { default: '', doc: 'SMTP server for 以评促改 e-mail notices (e.g. smtps://user:pass@smtp.example.com:465); empty: no e-mail' },
  SMTP_FROM: { default: 'manyi <no-reply@localhost>', doc: 'sender address of the e-mail notices' },
  WEBHOOK_URL: { default: '', doc: 'URL that receives a signed POST when a case opens or becomes late; empty: no webhook' },
  WEBHOOK_SECRET: { default: '', doc: 'key (≥ 16 characters) of the webhook signature X-Manyi-Signature: sha256=HMAC-SHA256(body); required with WEBHOOK_URL' },
} as const;

export type ConfigKey = keyof typeof CONFIG_DOCS;

const LOCALES = ['zh-CN', 'en'] as const;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535),
  HOST: z.string().min(1),
  DATA_DIR: z.string().min(1),
  MONGODB_URI: z
    .string()
    .refine((v) => v === '' || /^mongodb(\+srv)?:\/\//.test(v), 'must start with mongodb:// or mongodb+srv://'),
  SQLITE_WRITER: z.enum(['thread', 'inline']),
  PUBLIC_BASE_URL: z
    .string()
    .refine((v) => {
      try {
        const u = new URL(v);
        return u.protocol === 'http:' || u.protocol === 'https:';
      } catch {
        return false;
      }
    }, 'must be an absolute http:// or https:// URL'),
  SESSION_SECRET: z.string().refine((v) => v === '' || v.length >= 32, 'must be at least 32 characters'),
  ADMIN_USERNAME: z.string().regex(/^[A-Za-z0-9._-]{3,40}$/, 'must be 3–40 letters, digits, dot, dash or underscore'),
  ADMIN_PASSWORD: z.string().refine((v) => v === '' || v.length >= 12, 'must be at least 12 characters'),
  TZ: z.string().refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  DEFAULT_LOCALE: z.enum(LOCALES),
  TRUST_PROXY: z
    .string()
    .refine((v) => /^(true|false|\d+)$/.test(v), 'must be true, false or a number of proxy hops'),
  SUBMIT_LIMIT_PER_IP: z.coerce.number().int().min(1).max(1_000_000),
  SUBMIT_LIMIT_PER_STATION: z.coerce.number().int().min(1).max(10_000_000),
  CASE_CONTACT_DAYS: z.coerce.number().int().min(1).max(3650),
  SMTP_URL: z.string().refine((v) => v === '' || /^smtps?:\/\//.test(v), 'must start with smtp:// or smtps://'),
  SMTP_FROM: z.string().min(3).max(200),
  WEBHOOK_URL: z.string().refine((v) => v === '' || /^https?:\/\//.test(v), 'must be an http:// or https:// URL'),
  WEBHOOK_SECRET: z.string().refine((v) => v === '' || v.length >= 16, 'must be at least 16 characters'),
}).refine((c) => c.WEBHOOK_URL === '' || c.WEBHOOK_SECRET !== '', { path: ['WEBHOOK_SECRET'], message: 'is required when WEBHOOK_URL is set' });

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  mongodbUri: string | null;
  /** Where the SQLite store runs the group commit of responses (server/store/sqlite/writer-thread.ts). */
  sqliteWriter: 'thread' | 'inline';
  publicBaseUrl: string;
  /** Empty until resolveSessionSecret() fills it in (main.ts, cli.ts). */
  sessionSecret: string;
  adminUsername: string;
  adminPassword: string | null;
  timeZone: string;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  defaultLocale: (typeof LOCALES)[number];
  trustProxy: boolean | number;
  production: boolean;
  /** Whether cookies must carry Secure (PUBLIC_BASE_URL is https). */
  secureCookies: boolean;
  submitLimitPerIp: number;
  submitLimitPerStation: number;
  /** Days after a case closes before its contact is deleted and its receipt code expires. */
  caseContactDays: number;
  /** 以评促改 notices: SMTP (null: off) and the signed webhook (null: off). */
  smtpUrl: string | null;
  smtpFrom: string;
  webhookUrl: string | null;
  webhookSecret: string | null;
}

export class ConfigError extends Error {
  constructor(public readonly problems: { key: string; message: string }[]) {
    super(
      'Invalid configuration / 配置有误:\n' + problems.map((p) => `  ${p.key}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Reads and validates the configuration once; throws ConfigError naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const raw: Record<string, string> = {};
  for (const [key, spec] of Object.entries(CONFIG_DOCS)) {
    const value = env[key];
    raw[key] = value === undefined || value.trim() === '' ? spec.default : value.trim();
  }
  if (raw.PUBLIC_BASE_URL === '') raw.PUBLIC_BASE_URL = `http://localhost:${raw.PORT}`;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => ({ key: String(i.path[0] ?? '?'), message: `${i.message} (got "${raw[String(i.path[0])] ?? ''}")` })),
    );
  }
  const c = parsed.data;
  const trust = c.TRUST_PROXY === 'true' ? true : c.TRUST_PROXY === 'false' ? false : Number(c.TRUST_PROXY);
  return {
    port: c.PORT,
    host: c.HOST,
    dataDir: path.resolve(c.DATA_DIR),
    mongodbUri: c.MONGODB_URI || null,
    sqliteWriter: c.SQLITE_WRITER,
    publicBaseUrl: c.PUBLIC_BASE_URL.replace(/\/+$/, ''),
    sessionSecret: c.SESSION_SECRET,
    adminUsername: c.ADMIN_USERNAME,
    adminPassword: c.ADMIN_PASSWORD || null,
    timeZone: c.TZ,
    logLevel: c.LOG_LEVEL,
    defaultLocale: c.DEFAULT_LOCALE,
    trustProxy: trust,
    production: env.NODE_ENV === 'production',
    secureCookies: c.PUBLIC_BASE_URL.startsWith('https://'),
    submitLimitPerIp: c.SUBMIT_LIMIT_PER_IP,
    submitLimitPerStation: c.SUBMIT_LIMIT_PER_STATION,
    caseContactDays: c.CASE_CONTACT_DAYS,
    smtpUrl: c.SMTP_URL || null,
    smtpFrom: c.SMTP_FROM,
    webhookUrl: c.WEBHOOK_URL || null,
    webhookSecret: c.WEBHOOK_SECRET || null,
  };
}
