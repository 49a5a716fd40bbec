import express, { Router, type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { AppError } from './errors';
import { methodNotAllowed, requireIdentity } from './http';
import type { IdentityKeys } from './identity';
import { allowedMethods, type OperationSpec } from './openapi';

/**
 * One operation of a service: what the OpenAPI document says of it and the code that answers it, in
 * one object. The route (`operationRouter`) and the document's entry (`buildOpenApiDocument`) are
 * both made from it, so neither can exist without the other. `C` is what the handler works with
 * (the service's domain objects), given once when the routes are built.
 */
export interface Operation<C> extends OperationSpec {
  /**
   * With `public`: not even the gateway's identity proof is asked. Only for what the gateway itself
   * fetches from the service (the JWKS, the authorization server's metadata).
   */
  withoutProof?: boolean;
  /** Run before anything else, so every answer gets what they set (`Cache-Control: no-store`). */
  before?: RequestHandler[];
  /** Sees this operation's errors before the one error handler (a protocol's own error body). */
  onError?: ErrorRequestHandler;
  /** Answers the request; the identity is checked and `req.body` parsed as `body` declares. */
  handle(req: Request, res: Response, context: C): Promise<void> | void;
}

export interface OperationRouterOptions {
  /** The keys that check the gateway's identity proof. */
  identity: IdentityKeys;
  /** Upper bound of a parsed body (JSON or form), as body-parser writes it. */
  bodyLimit?: string;
}

// Every parsed body of the services is a handful of short fields; 16 kB is generous and bounds the parser's work.
const DEFAULT_BODY_LIMIT = '16kb';
const FORM = 'application/x-www-form-urlencoded';

const isJsonType = (type: string) => type === 'application/json' || /^application\/[^/]+\+json$/.test(type);

/** The express form of an OpenAPI path: `/records/{id}` is `/records/:id`. */
export function expressPath(path: string): string {
  return path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

function announcesBody(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(req.headers['content-length'] ?? 0);
  return Number.isFinite(length) && length > 0;
}

/**
 * The one body parser, configured by the operation's `body`: a media type the operation does not
 * declare is a 415, a body over the limit a 413, malformed JSON a 400, and a body that is not an
 * object (a JSON array, string, number or null) a 400 naming `body`. A missing or empty body is read
 * as `{}`, so the operation's schema answers the 400 naming each missing field (or accepts it, for an
 * optional body). Multipart bodies are streamed by their handler, so they are not parsed here.
 */
function bodyParser(body: OperationSpec['body'], limit = DEFAULT_BODY_LIMIT): RequestHandler | undefined {
  if (!body) return undefined;
  const types = Object.keys(body.content);
  if (types.every((type) => type.startsWith('multipart/'))) return undefined;
  const jsonTypes = types.filter(isJsonType);
  const parsers: [string[], RequestHandler][] = [];
  if (jsonTypes.length > 0) parsers.push([jsonTypes, express.json({ limit, strict: false, type: () => true })]);
  // extended:false keeps values flat strings; a repeated field becomes an array and fails validation.
  if (types.includes(FORM)) parsers.push([[FORM], express.urlencoded({ extended: false, limit, parameterLimit: 20, type: () => true })]);
  const accepted = types.join(' or ');
  return (req: Request, res: Response, next: NextFunction) => {
    req.body = undefined;
    const finish = (err?: unknown) => {
      if (err) return next(err);
      // body-parser reads an empty body as {} too.
      if (req.body === undefined) req.body = {};
      const value: unknown = req.body;
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        return next(AppError.validation('Invalid body: must be an object', [{ field: 'body', message: 'must be an object' }]));
      }
      next();
    };
    if (!announcesBody(req)) return finish();
    const parser = parsers.find(([kinds]) => req.is(kinds));
    if (!parser) return next(AppError.unsupportedMediaType(`Content-Type must be ${accepted}, not ${req.headers['content-type'] ?? 'missing'}`));
    parser[1](req, res, finish);
  };
}

/**
 * An express router with a route per operation: the operation's `before`, the gateway's identity
 * proof (of a user, or of an anonymous caller for a `public` operation), the body parser, then the
 * handler; and, for each path, a 405 naming the methods it has for every other one.
 */
export function operationRouter<C>(operations: readonly Operation<C>[], context: C, options: OperationRouterOptions): Router {
  const router = Router();
  const ofUser = requireIdentity(options.identity);
  // Public operations still need the gateway's proof (of an anonymous caller): the client address the
  // limits count comes from the gateway, and nobody reaching the service directly skips the gateway's limits.
  const ofAnyone = requireIdentity(options.identity, { allowAnonymous: true });
  for (const operation of operations) {
    if (operation.withoutProof && !operation.public) throw new Error(`${operation.operationId}: withoutProof needs public`);
    const chain: (RequestHandler | ErrorRequestHandler)[] = [...(operation.before ?? [])];
    if (!operation.withoutProof) chain.push(operation.public ? ofAnyone : ofUser);
    const parse = bodyParser(operation.body, options.bodyLimit);
    if (parse) chain.push(parse);
    chain.push((req: Request, res: Response) => operation.handle(req, res, context));
    if (operation.onError) chain.push(operation.onError);
    router[operation.method](expressPath(operation.path), ...chain);
  }
  // After every route: a known path asked with a method it does not have.
  for (const [path, allow] of allowedMethods(operations)) router.all(expressPath(path), methodNotAllowed(allow));
  return router;
}
