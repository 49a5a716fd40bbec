import { request, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AppError, sendError, type Logger } from '@app/common';
import type { NextFunction, Request, Response } from 'express';
import { createProxyMiddleware, proxyEventsPlugin, type Plugin } from 'http-proxy-middleware';
import { contextOf } from '../request-context';
import type { Route, Upstream } from '../routes/route-table';
import { identityHeadersFor } from './identity-headers';
import {
  MAX_REPLAY_BYTES,
  mayRetryReset,
  replayableOnReset,
  retryDelay,
  upstreamAgent,
  type UpstreamAgent,
  type UpstreamRetry,
} from './upstream-agent';

export interface BufferedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** An upstream call that got no answer: refused, reset, too large to keep, or not answered within the route's timeout. */
export class UpstreamError extends Error {
  constructor(
    readonly timeout: boolean,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'UpstreamError';
  }
}

type Handler = (req: Request, res: Response, next: NextFunction) => void;

/**
 * How the gateway talks to the services, for the proxy and the cache fill alike: one keep-alive
 * agent per upstream origin (with its bound on retrying refused connections), the verified
 * identity and its proof on every request, one retry policy for a connection reset before an
 * answer, and one mapping of a failed call to the error a client gets (502 `bad_gateway`, 504
 * `upstream_timeout`).
 */
export interface UpstreamClient {
  /** Streams a route's requests to its upstream, bodies untouched (http-proxy-middleware). */
  proxy(route: Route): Handler;
  /**
   * A bodiless GET to the route's upstream, its answer read whole (at most `maxBytes`): what the
   * cache keeps. `headers` are those of the client's to send; the identity headers are added here.
   */
  fetchWhole(route: Route, req: Request, headers: Record<string, string>, maxBytes: number): Promise<BufferedResponse>;
  /** Answers a request whose upstream call failed with the error for it. */
  fail(res: ServerResponse, req: Request, route: Route, err: UpstreamError): void;
  /** Closes every upstream connection; no request is retried after it. */
  close(): void;
}

export interface UpstreamClientOptions {
  upstreams: readonly Upstream[];
  retry: UpstreamRetry;
  secret: string;
  logger: Logger;
}

export function upstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const { secret, logger } = options;
  const agents = new Map<string, UpstreamAgent>(options.upstreams.map((u) => [u.origin, upstreamAgent(u.origin, u.name, options.retry)]));
  const agentOf = (route: Route) => agents.get(route.upstream.origin)!;

  /**
   * The one retry decision for a connection reset before an answer (a service that is stopping closed
   * it): the wait before sending the request again, or undefined when it may not be sent again.
   * Refused connections are retried below this, by the agent.
   */
  const retryAfterReset = (route: Route, err: unknown, retries: number, started: number): number | undefined => {
    const agent = agentOf(route);
    if (!mayRetryReset(agent, err, retries, started)) return undefined;
    agent.retry.counted(agent.upstream, 'reset');
    logger.info({ err: String(err), route: route.name, retry: retries + 1 }, 'upstream connection reset; sending the request again');
    return retryDelay(retries);
  };

  const fail = (res: ServerResponse, req: Request, route: Route, err: { timeout: boolean }) => {
    const failure = err.timeout
      ? new AppError('upstream_timeout', `The ${route.service} service did not answer in time`)
      : new AppError('bad_gateway', `The ${route.service} service is unavailable`);
    sendError(res, failure, contextOf(req).requestId);
  };

  const proxy = (route: Route): Handler => {
    const agent = agentOf(route);
    const metricsRoute = `proxy:${route.name}`;
    const middleware = createProxyMiddleware<Request>({
      target: route.upstream.origin,
      agent,
      xfwd: true,
      proxyTimeout: route.timeoutMs,
      ejectPlugins: true,
      plugins: [proxyEventsPlugin as unknown as Plugin<Request>],
      on: {
        proxyReq: (proxyReq, req, res) => {
          const context = contextOf(req);
          (res as unknown as { locals: Record<string, unknown> }).locals.metricsRoute = metricsRoute;
          for (const [name, value] of Object.entries(identityHeadersFor(req, context, secret))) proxyReq.setHeader(name, value);
          proxyReq.setTimeout(route.timeoutMs, () => {
            context.timedOut = true;
          });
          // A buffered body goes out whole; the request stream it came from has ended, and piping it ends this one.
          const body = context.upstream?.body;
          if (body) {
            proxyReq.removeHeader('transfer-encoding');
            proxyReq.setHeader('content-length', body.length);
            proxyReq.write(body);
          }
        },
        error: (err, req, res) => {
          const context = contextOf(req);
          const attempt = context.upstream;
          if (attempt && !context.timedOut && 'setHeader' in res && !res.headersSent) {
            const delay = retryAfterReset(route, err, attempt.retries, attempt.started);
            if (delay !== undefined) {
              setTimeout(attempt.again, delay).unref();
              attempt.retries += 1;
              return;
            }
          }
          logger.warn({ err: String(err), route: route.name, timeout: context.timedOut }, 'upstream request failed');
          if (!('setHeader' in res)) {
            res.destroy();
            return;
          }
          fail(res, req, route, { timeout: context.timedOut });
        },
      },
    });
    return (req, res, next) => {
      const send = () => void middleware(req, res, next);
      if (!replayableOnReset(req.method, req.headers)) return send();
      const context = contextOf(req);
      const declared = Number(req.headers['content-length'] ?? 0);
      if (req.headers['transfer-encoding'] === undefined && !declared) {
        context.upstream = { started: Date.now(), retries: 0, body: undefined, again: send };
        return send();
      }
      // A chunked or large body is streamed through and sent once: it is retried only on a refused connection
      // (as is one sent with Expect: 100-continue, whose body the client holds until the service asks).
      if (req.headers['transfer-encoding'] !== undefined || declared > MAX_REPLAY_BYTES || req.headers.expect !== undefined) return send();
      readWhole(req).then(
        (body) => {
          context.upstream = { started: Date.now(), retries: 0, body, again: send };
          send();
        },
        (err: unknown) => next(err),
      );
    };
  };

  const fetchWhole = async (route: Route, req: Request, headers: Record<string, string>, maxBytes: number): Promise<BufferedResponse> => {
    const context = contextOf(req);
    const target = context.target.target;
    if (target.charCodeAt(0) !== 0x2f || target.charCodeAt(1) === 0x2f) throw new UpstreamError(false, 'not an origin-form target');
    const all = { ...headers, ...identityHeadersFor(req, context, secret) };
    const started = Date.now();
    for (let retries = 0; ; retries += 1) {
      try {
        return await getOnce(route.upstream.origin, target, all, agentOf(route), route.timeoutMs, maxBytes);
      } catch (err) {
        // A GET: sent again when the service closed the connection before answering (it is stopping).
        const delay = err instanceof UpstreamError && err.cause ? retryAfterReset(route, err.cause, retries, started) : undefined;
        if (delay === undefined) {
          logger.warn({ err: String(err), route: route.name, timeout: err instanceof UpstreamError && err.timeout }, 'upstream request failed');
          throw err;
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };

  return {
    proxy,
    fetchWhole,
    fail,
    close: () => {
      for (const agent of agents.values()) agent.destroy();
    },
  };
}

/**
 * One GET, its answer read whole. Scheme, host and port come from the configured origin alone;
 * `target` is the canonical origin-form target and goes on the request line as it is, never
 * parsed as a URL.
 */
function getOnce(
  origin: string,
  target: string,
  headers: Record<string, string>,
  agent: UpstreamAgent,
  timeoutMs: number,
  maxBytes: number,
): Promise<BufferedResponse> {
  const url = new URL(origin);
  const send = url.protocol === 'https:' ? httpsRequest : request;
  return new Promise((resolve, reject) => {
    const options = { protocol: url.protocol, hostname: url.hostname, port: url.port, path: target, method: 'GET', headers, agent };
    const req = send(options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          req.destroy(new UpstreamError(false, 'upstream answer too large to keep'));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', (err) => reject(err));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new UpstreamError(true, 'upstream timed out')));
    req.on('error', (err) => reject(err instanceof UpstreamError ? err : new UpstreamError(false, err.message, { cause: err })));
    req.end();
  });
}

/** Reads a request body of a declared length (already bounded by the route's limit; Node stops at it) into memory. */
function readWhole(req: Request): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new AppError('request_aborted'));
    });
  });
}
