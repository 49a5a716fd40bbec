import type { ServerResponse } from 'node:http';
import { AppError, sendError, type Logger } from '@app/common';
import type { NextFunction, Request, Response } from 'express';
import { createProxyMiddleware, proxyEventsPlugin, type Plugin } from 'http-proxy-middleware';
import { identityHeadersFor } from './identity-headers';
import { MAX_REPLAY_BYTES, mayRetryReset, replayableOnReset, retryDelay, type UpstreamAgent } from './upstream-agent';
import { contextOf } from '../request-context';
import type { Route } from '../routes/route-table';

const timedOut = new WeakSet<Request>();

/** A request that may be sent again if its connection is reset before an answer: its body, and how often it was sent. */
interface Replay {
  body?: Buffer;
  started: number;
  retries: number;
  again: () => void;
}

/** Writes the JSON error for an upstream that refused, dropped or did not answer the request. */
export function upstreamFailure(res: ServerResponse, req: Request, route: Route, isTimeout: boolean) {
  const failure = isTimeout
    ? new AppError('upstream_timeout', `The ${route.service} service did not answer in time`)
    : new AppError('bad_gateway', `The ${route.service} service is unavailable`);
  sendError(res, failure, req.id);
}

/**
 * Streams a route's requests to its upstream, bodies untouched, with the verified identity
 * attached. The target is the upstream's configured origin; the path is `req.url`, which the
 * edge guard has already replaced by the canonical origin-form target.
 */
export function forwardTo(route: Route, agent: UpstreamAgent, secret: string, logger: Logger) {
  const metricsRoute = `proxy:${route.name}`;
  const replays = new WeakMap<Request, Replay>();
  const proxy = createProxyMiddleware<Request>({
    target: route.upstream.origin,
    agent,
    xfwd: true,
    proxyTimeout: route.timeoutMs,
    ejectPlugins: true,
    plugins: [proxyEventsPlugin as unknown as Plugin<Request>],
    on: {
      proxyReq: (proxyReq, req, res) => {
        (res as unknown as { locals: Record<string, unknown> }).locals.metricsRoute = metricsRoute;
        for (const [name, value] of Object.entries(identityHeadersFor(req, contextOf(req), secret))) proxyReq.setHeader(name, value);
        proxyReq.setTimeout(route.timeoutMs, () => timedOut.add(req));
        // A buffered body goes out whole; the request stream it came from has ended, and piping it ends this one.
        const body = replays.get(req)?.body;
        if (body) {
          proxyReq.removeHeader('transfer-encoding');
          proxyReq.setHeader('content-length', body.length);
          proxyReq.write(body);
        }
      },
      error: (err, req, res) => {
        const isTimeout = timedOut.has(req);
        const replay = replays.get(req);
        if (replay && !isTimeout && 'setHeader' in res && !res.headersSent && mayRetryReset(agent, err, replay.retries, replay.started)) {
          // A service that closed the connection before answering (it is stopping) gets the request again.
          agent.retry.counted(agent.upstream, 'reset');
          logger.info({ err: String(err), route: route.name, retry: replay.retries + 1 }, 'upstream connection reset; sending the request again');
          setTimeout(replay.again, retryDelay(replay.retries)).unref();
          replay.retries += 1;
          return;
        }
        logger.warn({ err: String(err), route: route.name, timeout: isTimeout }, 'upstream request failed');
        if (!('setHeader' in res)) {
          res.destroy();
          return;
        }
        upstreamFailure(res, req, route, isTimeout);
      },
    },
  });
  return (req: Request, res: Response, next: NextFunction) => {
    const send = () => void proxy(req, res, next);
    if (!replayableOnReset(req.method, req.headers)) return send();
    const declared = Number(req.headers['content-length'] ?? 0);
    if (req.headers['transfer-encoding'] === undefined && !declared) {
      replays.set(req, { started: Date.now(), retries: 0, again: send });
      return send();
    }
    // A chunked or large body is streamed through and sent once: it is retried only on a refused connection
    // (as is one sent with Expect: 100-continue, whose body the client holds until the service asks).
    if (req.headers['transfer-encoding'] !== undefined || declared > MAX_REPLAY_BYTES || req.headers.expect !== undefined) return send();
    readWhole(req).then(
      (body) => {
        replays.set(req, { body, started: Date.now(), retries: 0, again: send });
        send();
      },
      (err: unknown) => next(err),
    );
  };
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
