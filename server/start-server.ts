import type { Server } from 'node:http';
import { createAppServer } from './http/app-server';
import { lanOrigins } from './services/public-address';
import { createApp } from './app';
import type { Config } from './config';
import { createLogger } from './logger';
import type { Deps } from './services/context';
import { noticeLateCases } from './services/case-notices';
import { startCaseJobs } from './services/cases';
import { ensureFirstAdmin } from './services/users';
import { openStore } from './store';

export interface StartOptions {
  /** The first line of the start message. */
  title?: string;
  /**
   * Runs once the store is open, before the first-administrator check and before listening (the
   * demo seeds its data here). The lines it returns are printed in the start message.
   */
  prepare?: (deps: Deps) => Promise<string[]>;
  /** Whether PUBLIC_BASE_URL came from the environment (otherwise the message suggests the LAN address). */
  publicBaseUrlGiven?: boolean;
  /** Whether SESSION_SECRET came from the environment (MongoDB deployments must share one). */
  sessionSecretGiven?: boolean;
}

export interface RunningServer {
  server: Server;
  deps: Deps;
  /** Stops accepting, drains open requests, then closes the store. */
  stop(signal: string): void;
}

/**
 * Opens the store, builds the app and listens; SIGTERM/SIGINT stop accepting, drain and close the
 * store. Called by main.ts (`npm start`) and demo.ts (`npm run demo`); nothing runs at import.
 */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = createLogger(config);
  if (config.mongodbUri && !options.sessionSecretGiven) {
    logger.warn('MONGODB_URI is set but SESSION_SECRET is not: every app instance must share one SESSION_SECRET');
  }
  const started = Date.now();
  const store = await openStore(config, { onBackgroundError: (err) => logger.error({ err }, 'applying pending tallies failed; the next run retries') });
  if (config.secureCookies && config.trustProxy === false) {
    // Cookies are Secure for an https:// PUBLIC_BASE_URL; if TLS ends at a proxy and the app is not
    // told to trust it, every request looks like plain HTTP and no login cookie is ever set.
    logger.warn('PUBLIC_BASE_URL is https:// but TRUST_PROXY is false: behind a TLS-terminating proxy set TRUST_PROXY=true (or the hop count), or logins will not stick');
  }
  const deps: Deps = { config, store, clock: () => new Date(), logger };
  let prepared: string[];
  let admin: Awaited<ReturnType<typeof ensureFirstAdmin>>;
  let server: Server;
  try {
    prepared = options.prepare ? await options.prepare(deps) : [];
    admin = await ensureFirstAdmin(deps);
    server = await listen(createApp({ config, store, logger }), config.port, config.host);
  } catch (err) {
    // A start that fails after the store opened closes it, so the process ends instead of idling unseen.
    await store.close().catch(() => undefined);
    throw err;
  }
  {
    const local = `http://localhost:${config.port}`;
    const lines = [
      '',
      `  ${options.title ?? '满意 manyi is running'} (${store.kind === 'sqlite' ? `SQLite ${config.dataDir}/manyi.db` : 'MongoDB'}), ready in ${Date.now() - started} ms`,
      `  登录 Log in:  ${local}/login`,
      `  二维码地址 QR codes point to: ${config.publicBaseUrl}/s/<code>`,
    ];
    if (!options.publicBaseUrlGiven) {
      const lan = lanOrigins(config.port);
      lines.push(`  提示 Tip: phones cannot open localhost; set PUBLIC_BASE_URL${lan.length ? ` (e.g. ${lan[0]})` : ''} before printing QR posters.`);
    }
    lines.push(...prepared);
    if (admin?.generatedPassword) {
      lines.push(
        '',
        '  首次启动，已创建管理员 / First start: administrator created',
        `    用户名 username: ${admin.username}`,
        `    密码 password:   ${admin.generatedPassword}`,
        '  此密码只显示这一次，请立即记下 / This password is shown only once: write it down now.',
      );
    } else if (admin) {
      lines.push('', `  首次启动，已用 ADMIN_PASSWORD 创建管理员 ${admin.username} / Administrator ${admin.username} created from ADMIN_PASSWORD`);
    }
    console.log(lines.join('\n') + '\n');
    logger.info({ port: config.port, host: config.host, store: store.kind }, 'listening');
  }

  const purge = setInterval(() => {
    store.sessions.purgeExpired(new Date().toISOString()).catch((err) => logger.warn({ err }, 'session purge failed'));
  }, 3600_000);
  purge.unref();
  // 以评促改: residents' contacts are deleted a set time after their case closes (at start, then hourly).
  const stopCaseJobs = startCaseJobs(deps, { onTick: async () => void (await noticeLateCases(deps)) });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, draining');
    clearInterval(purge);
    stopCaseJobs();
    const force = setTimeout(() => {
      logger.warn('drain timed out; closing remaining connections');
      server.closeAllConnections();
    }, 10_000);
    force.unref();
    server.close(() => {
      store
        .close()
        .then(() => logger.info('store closed, bye'))
        .catch((err) => logger.error({ err }, 'store close failed'))
        .finally(() => clearTimeout(force));
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return { server, deps, stop };
}

/** Listens, resolving once the port is bound and rejecting when it cannot be (EADDRINUSE, EACCES…). */
function listen(app: ReturnType<typeof createApp>, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createAppServer(app);
    server.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}

/**
 * How main.ts and demo.ts end a start that failed: the reason on stderr (a deployment problem as its
 * advice, anything else as the error), exit code 1, and an exit within seconds even if a handle
 * lingers, so a supervisor sees the failure and can act on it.
 */
export function failStart(err: unknown): void {
  const message = err instanceof Error && (err.name === 'DeploymentError' || err.name === 'ConfigError') ? err.message : err;
  console.error('manyi could not start / 无法启动:');
  console.error(message);
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 3000).unref();
}
