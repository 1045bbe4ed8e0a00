import compression from 'compression';
import cookieParser from 'cookie-parser';
import express, { type Express } from 'express';
import pinoHttp from 'pino-http';
import type { Logger } from 'pino';
import { ipKeyGenerator } from 'express-rate-limit';
import type { Config } from './config';
import { loadUser, requireUser } from './http/auth';
import { refuseHostileBodies, verifyUtf8 } from './http/body-guard';
import { csrfProtection } from './http/csrf';
import { deviceCookie } from './http/device';
import { errorHandler, notFound } from './http/errors';
import { localeMiddleware } from './http/locale';
import { limiter } from './http/rate-limit';
import { renderHelpers } from './http/render';
import { securityHeaders } from './http/security';
import { fixedHeadersOf } from './http/lean-response';
import { hasSessionCookie, sessionMiddleware } from './http/session';
import { straightChain } from './http/straight-chain';
import './http/types';
import { htmlMaxLength } from './domain/text-input';
import { localDay } from './domain/time';
import { keepNumbersWhole } from './domain/typography';
import { newId, saltedHash } from './ids';
import { createLogger } from './logger';
import { CHART_JS_DIR, PUBLIC_DIR, VIEWS_DIR } from './paths';
import { adminRouter } from './routes/admin';
import { siteCsvUpload } from './routes/admin/sites';
import { EVIDENCE_UPLOAD_PATH, evidenceUpload } from './routes/admin/evaluation-report';
import { RECTIFICATION_UPLOAD_PATH } from './routes/admin/rectification';
import { accountRouter } from './routes/account';
import { apiRouter } from './routes/api';
import { authRouter } from './routes/auth';
import { casesPublicRouter } from './routes/cases-public';
import { respondRouter } from './routes/respond';
import { healthRouter } from './routes/health';
import { deriveKey } from './secrets';
import type { Deps } from './services/context';
import type { Store } from './store';

/** The resident questionnaire's pages (/s/:code…). */
const isResidentPath = (req: express.Request) => req.path.startsWith('/s/');

export interface AppOptions {
  config: Config;
  store: Store;
  clock?: () => Date;
  logger?: Logger;
}

/** Builds the Express application. No listen, no connect: main.ts and the tests do that. */
export function createApp(options: AppOptions): Express {
  const { config, store } = options;
  if (!config.sessionSecret) throw new Error('createApp needs config.sessionSecret (see resolveSessionSecret)');
  const clock = options.clock ?? (() => new Date());
  const logger = options.logger ?? createLogger(config);
  const deps: Deps = { config, store, clock, logger };
  const ipKey = deriveKey(config.sessionSecret, 'ip-hash');
  // Once per request (a submission needs it for its rate limit and for the response): an HMAC and the proxy-aware req.ip each time otherwise.
  const ipHashes = new WeakMap<express.Request, string>();
  const ipHash = (req: express.Request) => {
    let hash = ipHashes.get(req);
    if (hash === undefined) ipHashes.set(req, (hash = saltedHash(ipKey, ipKeyGenerator(req.ip ?? ''))));
    return hash;
  };

  const app = express();
  app.locals.deps = deps;
  app.locals.ipHash = ipHash;
  // Every view may glue the ranges in text it does not mark up itself ("18–59 岁") so a line never breaks inside them.
  app.locals.keepNumbersWhole = keepNumbersWhole;
  // Text limits are characters; maxlength counts UTF-16 units (see htmlMaxLength).
  app.locals.maxChars = htmlMaxLength;
  /** The local calendar day of an instant in the configured zone (a list's "created" column), never the UTC date. */
  app.locals.localDate = (instant: string | Date) => localDay(new Date(instant), config.timeZone);
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('views', VIEWS_DIR);
  app.set('view engine', 'ejs');
  app.set('query parser', 'simple');
  if (config.production) app.enable('view cache');

  const httpLogger = pinoHttp({
      logger,
      genReqId: (req, res) => {
        const id = newId();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url.replace(/\?.*$/, '') }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || (req.url ?? '').startsWith('/static/') },
  });
  // The resident pages are the hot path: when request lines are not logged (LOG_LEVEL above info)
  // they get no per-request child logger and id; their errors still go to the app's logger.
  // Runs once per request (the resident form's lean path may have run it already).
  const logRequest: express.RequestHandler = (req, res, next) => {
    if (req.log) return next();
    if (isResidentPath(req) && !logger.isLevelEnabled('info')) {
      req.log = logger;
      return next();
    }
    httpLogger(req, res, next);
  };
  // helmet's headers are fixed: replayed as recorded at start rather than through its nested middleware per request.
  const security = fixedHeadersOf(securityHeaders(config));
  const cookieSecret = deriveKey(config.sessionSecret, 'cookie').toString('hex');
  const cookies = cookieParser(cookieSecret);
  const locale = localeMiddleware(config);
  const device = deviceCookie(config);
  const csrf = csrfProtection(config);
  const helpers = renderHelpers(csrf.generateCsrfToken);
  const respond = respondRouter(deps, ipHash, { log: logRequest, cookies, cookieSecret, security });
  app.locals.residentLeanServed = respond.leanServed;
  // Express parses the query string again at every read of req.query: parse it once per request.
  const parseQueryOnce: express.RequestHandler = (req, _res, next) => {
    Object.defineProperty(req, 'query', { value: req.query, writable: true, configurable: true, enumerable: true });
    next();
  };
  const compress = compression();
  // Flat form fields only (no nested objects from qs), so `__proto__[x]=` cannot build objects.
  const formBody = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 400, verify: verifyUtf8('form') });
  const user = loadUser(deps);
  /**
   * An anonymous resident's submission (no session cookie): the very middleware below, in the same
   * order, run straight instead of matched layer by layer — the ones it skips do nothing for it
   * (static files and health checks answer other paths, the API's parsers and token check only
   * /api, the session middleware never runs for an anonymous resident, the upload routes are other
   * paths), and the routers after the resident one would end in `notFound`. With a session cookie
   * (staff doing assisted entry) the request takes the full chain.
   */
  const residentSubmit = straightChain([
    parseQueryOnce,
    logRequest,
    security,
    compress,
    cookies,
    locale,
    device,
    formBody,
    user,
    helpers,
    respond.formTokenCsrf,
    csrf.doubleCsrfProtection,
    refuseHostileBodies,
    ...respond.submitSteps,
    notFound,
  ]);
  let straightServed = 0;
  app.locals.residentStraightServed = () => straightServed;
  app.post('/s/:code', (req, res, next) => {
    cookies(req, res, (err?: unknown) => {
      if (err || hasSessionCookie(req)) return next(err);
      straightServed++;
      residentSubmit(req, res, next);
    });
  });
  app.use(parseQueryOnce);
  app.use(logRequest);
  app.use(security);
  app.use(compress);
  const staticOptions = { maxAge: config.production ? '7d' : 0, index: false, fallthrough: true } as const;
  app.use('/static/vendor/chart.js', express.static(CHART_JS_DIR, staticOptions));
  app.use('/static', express.static(PUBLIC_DIR, staticOptions));
  app.use(healthRouter(deps));

  app.use(cookies);
  app.use(locale);
  app.use(device);
  app.use(formBody);
  app.use('/api', express.json({ limit: '256kb', strict: true, verify: verifyUtf8('json') }));
  // An anonymous resident has no session, and creating an unsaved one per request costs: only a
  // session cookie (staff doing assisted entry) brings the session middleware onto /s/.
  const session = sessionMiddleware(config, store, clock);
  app.use((req, res, next) => (isResidentPath(req) && !hasSessionCookie(req) ? next() : session(req, res, next)));
  app.use(user);
  app.use(helpers);
  // The import and evidence upload forms are multipart: parse them before the CSRF check, which reads `_csrf` from the body.
  app.post('/admin/sites/import', requireUser, siteCsvUpload());
  app.post(EVIDENCE_UPLOAD_PATH, requireUser, evidenceUpload());
  app.post(RECTIFICATION_UPLOAD_PATH, requireUser, evidenceUpload());
  // The API answers an anonymous request 401 before anything else (including the CSRF check).
  app.use('/api', requireUser);
  app.use(respond.formTokenCsrf);
  app.use(csrf.doubleCsrfProtection);
  app.use(refuseHostileBodies);

  const loginLimiter = limiter(store, clock, 'login', { windowMs: 15 * 60_000, limit: 30, key: ipHash });
  app.use(respond.router);
  app.use(casesPublicRouter(deps, ipHash));
  app.use(authRouter(deps, loginLimiter));
  app.use(accountRouter(deps, limiter(store, clock, 'password', { windowMs: 15 * 60_000, limit: 20, key: (req) => req.user?.id ?? ipHash(req) })));
  app.use('/admin', adminRouter(deps));
  app.use('/api/v1', limiter(store, clock, 'api', { windowMs: 60_000, limit: 600, key: (req) => req.user?.id ?? ipHash(req) }), apiRouter(deps));

  app.use(notFound);
  const handleError = errorHandler(logger);
  app.use(handleError);
  answerBlankFormFirst(app, respond.blankForm, handleError);
  return app;
}

/** `GET /s/<code>` with at most a query: the resident's blank form (anything else the router matches as usual). */
const BLANK_FORM_URL = /^\/s\/([A-Za-z0-9]+)(?:\?|$)/;

/**
 * The resident's blank form is answered ahead of Express's router: the lean path (respondRouter's
 * blankForm) gets the request as the router would hand it over — Express's request and response
 * prototypes, `params.code`, `originalUrl`, `baseUrl` — without the router's dispatch, and whatever
 * it does not answer (see blankForm) goes through the whole application as before. The prototype
 * switch is Express's own; on the app's server (http/app-server.ts) the objects are born with these
 * prototypes and the switch changes nothing. Only for the application as the server's request
 * listener (a mounted app passes `callback`).
 */
function answerBlankFormFirst(app: Express, blankForm: express.RequestHandler, handleError: express.ErrorRequestHandler): void {
  type Handle = (req: express.Request, res: express.Response, callback?: express.NextFunction) => void;
  const handle = (app as unknown as { handle: Handle }).handle;
  const routed: Handle = (req, res, callback) => handle.call(app, req, res, callback);
  (app as unknown as { handle: Handle }).handle = (req, res, callback) => {
    const match = req.method === 'GET' && callback === undefined ? BLANK_FORM_URL.exec(req.url) : null;
    if (!match) return routed(req, res, callback);
    req.res = res;
    res.req = req;
    Object.setPrototypeOf(req, app.request);
    Object.setPrototypeOf(res, app.response);
    res.locals ??= Object.create(null) as Record<string, unknown>;
    req.originalUrl = req.url;
    req.baseUrl = '';
    req.params = { code: match[1]! };
    blankForm(req, res, (err?: unknown) => {
      if (err === undefined) return routed(req, res);
      handleError(err, req, res, () => res.destroy());
    });
  };
}
