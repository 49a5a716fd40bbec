import { randomUUID } from 'node:crypto';
import { createServer, STATUS_CODES, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type AddressInfo } from 'node:net';
import express, {
  type ErrorRequestHandler,
  type Express,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
  type Router,
} from 'express';
import { trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { AppError, errorBody } from './errors';
import { IDENTITY_HEADERS, verifyIdentityProof, type Identity, type IdentityKeys } from './identity';
import type { Metrics } from './metrics';
import type { JsonObject } from './openapi';
import { checkReadiness, type DependencyCheck } from './readiness';
import { runWithContext } from './request-context';
import { gateTracedRequests } from './tracing';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    identity?: Identity;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request id a caller sent, if it is sane, or a new one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

export interface ServiceAppOptions {
  service: string;
  logger: Logger;
  metrics: Metrics;
  dependencies: DependencyCheck[];
  /** Mounts the service's own routes between the platform's routes and the error handler. */
  routes: (app: Express) => void;
  /** The service's OpenAPI document, served at `/openapi.json` (the gateway merges them). */
  openApi?: JsonObject;
  /** Middleware for every request, platform routes included (the gateway's edge headers). */
  before?: (app: Express) => void;
}

/**
 * An express app with what every service shares: request ids in an async context,
 * request logs, metrics, `/health`, `/ready`, `/metrics`, a JSON 404 and the one error handler.
 */
export function createServiceApp(options: ServiceAppOptions): Express {
  const { logger, metrics } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use(requestRecorder(logger, metrics));

  options.before?.(app);

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: options.service });
  });
  app.all('/health', methodNotAllowed('GET, HEAD'));
  // /ready and /metrics: here, or on the management listener alone when startProcess opens one.
  const management = managementRoutes(options);
  const state: ManagementState = { service: options.service, routes: management, separate: false };
  managementOf.set(app, state);
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (state.separate) next();
    else management(req, res, next);
  });

  if (options.openApi) {
    const document = options.openApi;
    app.get('/openapi.json', (_req, res) => {
      res.json(document);
    });
    app.all('/openapi.json', methodNotAllowed('GET, HEAD'));
  }
  options.routes(app);

  app.use((req: Request, _res: Response, next: NextFunction) => {
    next(AppError.notFound(`No route for ${req.method} ${req.path}`));
  });
  app.use(errorHandler(logger));
  return app;
}

interface ManagementState {
  service: string;
  routes: Router;
  separate: boolean;
}
const managementOf = new WeakMap<Express, ManagementState>();

/** `/ready` (fails only on a required dependency, lists degradable ones) and `/metrics`. */
function managementRoutes(options: ServiceAppOptions): Router {
  const { logger, metrics, service } = options;
  const states = new Map<string, 'up' | 'down'>();
  const probe = async () => {
    const report = await checkReadiness(options.dependencies);
    for (const { name, need } of options.dependencies) {
      const state = report.checks[name]!;
      metrics.dependencyUp.set({ dependency: name, need }, state === 'up' ? 1 : 0);
      const before = states.get(name);
      states.set(name, state);
      // One line per change (a first check that finds it up is the usual start, not news).
      if (state === before || (before === undefined && state === 'up')) continue;
      if (state === 'down') {
        logger.warn(
          { dependency: name, need },
          need === 'required' ? `${name} is down: not ready` : `${name} is down: serving without it (degraded)`,
        );
      } else logger.info({ dependency: name, need }, `${name} is back`);
    }
    return report;
  };
  const router = express.Router();
  router.get('/ready', async (req, res) => {
    const report = await probe();
    if (report.ready) {
      res.json({ status: report.degraded.length > 0 ? 'degraded' : 'ready', service, checks: report.checks, degraded: report.degraded });
    } else {
      sendError(
        res,
        new AppError('not_ready', `Not ready: ${report.down.join(', ')} unavailable`, {
          details: { service, checks: report.checks, degraded: report.degraded },
        }),
        req.id,
      );
    }
  });
  router.get('/metrics', async (_req, res) => {
    await probe();
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  for (const path of ['/ready', '/metrics']) router.all(path, methodNotAllowed('GET, HEAD'));
  return router;
}

/**
 * Moves `/ready` and `/metrics` of an app made by `createServiceApp` to an app of their own (with
 * `/health`), for a listener on a port the ingress does not route; the app itself stops serving them.
 */
export function separateManagement(app: Express, logger: Logger): Express {
  const state = managementOf.get(app);
  if (!state) throw new Error('not an app made by createServiceApp');
  state.separate = true;
  const management = express();
  management.disable('x-powered-by');
  management.use((req, _res, next) => {
    req.id = requestIdFrom(req.headers[IDENTITY_HEADERS.requestId]);
    next();
  });
  management.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: state.service });
  });
  management.use(state.routes);
  management.use((req: Request, _res: Response, next: NextFunction) => {
    next(AppError.notFound(`No route for ${req.method} ${req.path}`));
  });
  management.use(errorHandler(logger));
  return management;
}

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
  message?: string;
}

// Polled by probes and scrapers every few seconds: metered, but not logged.
const UNLOGGED = new Set(['/health', '/metrics', '/ready']);

/**
 * The request id (kept in the async context), the request metrics and the one log line per
 * request, in one middleware with one pair of listeners. The line has the fields pino-http gave
 * it (`req` {method, url as received}, `res` {statusCode}, `responseTime` ms, the message; error
 * level and `err` for a 5xx), without a child logger per request: that cost every request its
 * redacted bindings even when its level was not logged.
 */
function requestRecorder(logger: Logger, metrics: Metrics): RequestHandler {
  // One histogram child per label set, looked up by a string instead of prom-client hashing the labels object.
  const observers = new Map<string, { observe(value: number): void }>();
  const observe = (method: string, route: string, status: number, seconds: number) => {
    const key = `${method} ${status} ${route}`;
    let observer = observers.get(key);
    if (!observer) {
      observer = metrics.httpDuration.labels(method, route, String(status));
      observers.set(key, observer);
    }
    observer.observe(seconds);
  };
  return (req, res, next) => {
    req.id = requestIdFrom(req.headers[IDENTITY_HEADERS.requestId]);
    res.setHeader('x-request-id', req.id);
    // The request id an error answer carries finds its trace (Jaeger: tag request.id=<id>).
    const span = trace.getActiveSpan();
    span?.setAttribute('request.id', req.id);
    const started = process.hrtime.bigint();
    const startedMs = Date.now();
    const method = req.method;
    const url = req.url;
    let ended = false;
    const end = (finished: boolean) => {
      if (ended) return;
      ended = true;
      res.off('finish', onFinish);
      res.off('close', onClose);
      const status = res.statusCode;
      if (finished) {
        // A proxy has no express route; it names what it served in res.locals.metricsRoute.
        const matched = req.route as { path?: string } | undefined;
        const route = matched?.path ? `${req.baseUrl}${matched.path}` : ((res.locals.metricsRoute as string | undefined) ?? 'unmatched');
        observe(method, route, status, Number(process.hrtime.bigint() - started) / 1e9);
        // The server span named by the route the metrics use (before the http instrumentation ends it on 'close').
        span?.updateName(`${method} ${route}`).setAttribute('http.route', route);
      }
      if (UNLOGGED.has(url)) return;
      const failed = (res as { err?: unknown }).err;
      const level = failed || status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const responseTime = Date.now() - startedMs;
      if (failed || status >= 500) {
        const err = failed ?? new Error(`failed with status code ${status}`);
        logger[level]({ req: { method, url }, res: { statusCode: status }, err, responseTime }, 'request errored');
        return;
      }
      logger[level](
        { req: { method, url }, res: { statusCode: status }, responseTime },
        !req.readableAborted && res.writableEnded ? 'request completed' : 'request aborted',
      );
    };
    const onFinish = () => end(true);
    const onClose = () => end(false);
    res.on('finish', onFinish);
    res.on('close', onClose);
    runWithContext({ requestId: req.id }, next);
  };
}

/** Turns any error into an AppError: ours pass through, body-parser's keep their 4xx meaning. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as BodyParserError | null | undefined;
  switch (e?.type) {
    case 'entity.too.large':
      return AppError.payloadTooLarge();
    case 'entity.parse.failed':
      return AppError.badRequest('Request body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return AppError.unsupportedMediaType(e.message ?? 'Unsupported encoding');
    case 'request.aborted':
      return new AppError('request_aborted');
    default:
      // Any other error is judged by its status below.
      break;
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    // Other 4xx errors of express's stack keep their meaning only where the catalogue has the status.
    const message = e.expose && e.message ? e.message : undefined;
    if (e.status === 413) return AppError.payloadTooLarge(message);
    if (e.status === 415) return AppError.unsupportedMediaType(message ?? 'Unsupported media type');
    return new AppError('bad_request', message);
  }
  return AppError.internal();
}

/**
 * The one place where an error becomes an HTTP answer: its catalogued status, its headers and
 * the body from errorBody. Express's handler and the gateway's own answers (an upstream that
 * failed) both end here; a response already under way can only be cut.
 */
export function sendError(res: ServerResponse, error: AppError, requestId?: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(errorBody(error.code, error.message, requestId, error.details));
  res.statusCode = error.status;
  for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(body));
  if (requestId) res.setHeader('x-request-id', requestId);
  res.end(body);
}

/** The same answer as raw HTTP/1.1, for a socket Node hands over before any response object exists (CONNECT). */
export function errorResponseText(error: AppError, requestId: string): string {
  const body = JSON.stringify(errorBody(error.code, error.message, requestId, error.details));
  const headers = Object.entries(error.headers ?? {})
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return (
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}\r\n${headers}content-type: application/json; charset=utf-8\r\n` +
    `x-request-id: ${requestId}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  );
}

/** Express's error handler: any error, ours or the framework's, through toAppError and sendError. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appError = toAppError(err);
    if (!appError.operational) logger.error({ err }, 'unhandled error');
    sendError(res, appError, req.id);
  };
}

/**
 * Refuses (401) a request whose identity proof from the gateway is missing, wrong or stale,
 * or that names no user. With `allowAnonymous`, a valid proof without a user passes too
 * (public routes such as login, where the proof still vouches for the client address).
 */
export function requireIdentity(keys: IdentityKeys, { allowAnonymous = false } = {}) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const result = verifyIdentityProof(keys, req.method, req.originalUrl, req.headers);
    if (!result.ok || (!allowAnonymous && !result.identity.userId)) {
      next(new AppError('identity_proof_invalid', `Request refused: ${result.ok ? 'no user' : result.reason}`));
      return;
    }
    req.identity = result.identity;
    runWithContext({ requestId: req.id, userId: result.identity.userId || undefined }, next);
  };
}

/**
 * The last handler of a route: a method the path does not have is a 405 naming the ones it has
 * in `Allow` (RFC 9110 section 15.5.6), instead of falling through to a 404.
 */
export function methodNotAllowed(allow: string): RequestHandler {
  return (_req, res, next) => {
    next(AppError.methodNotAllowed(allow));
  };
}

/** The verified caller of a request that passed `requireIdentity`. */
export function callerOf(req: Request): Identity {
  if (!req.identity?.userId) throw AppError.unauthorized();
  return req.identity;
}

/** Starts an HTTP server for `app`; port 0 picks a free one. */
export async function listen(handler: Express | Parameters<typeof createServer>[1], port: number, host = '0.0.0.0'): Promise<Server> {
  const server = createServer(handler as Parameters<typeof createServer>[1]);
  gateTracedRequests(server);
  // Longer than common proxy idle timeouts, so the gateway's keep-alive sockets are not cut under it.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/**
 * Stops accepting (if it still does), lets in-flight requests finish for up to `graceMs`, then cuts
 * what is left. Also finishes a server that `stopAccepting` already closed to new connections.
 */
export async function closeServer(server: Server, graceMs = 5000): Promise<void> {
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  if (!server.listening && (await openConnections(server)) === 0) return;
  if (server.listening) server.close();
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(timer);
}

/**
 * Closes the listening socket alone: new connections are refused, open ones are left to finish. An
 * http.Server's own close() would also close every idle keep-alive connection at once, which races a
 * request the client may be writing on one of them that moment.
 */
export function stopAccepting(server: Server): void {
  if (server.listening) NetServer.prototype.close.call(server);
}

/** How many connections a server has open. */
export function openConnections(server: Server): Promise<number> {
  return new Promise((resolve) => server.getConnections((err, count) => resolve(err ? 0 : count)));
}
