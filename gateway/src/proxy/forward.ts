import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { ServerResponse } from 'node:http';
import { AppError, sendError, type Logger } from '@app/common';
import type { Request, RequestHandler } from 'express';
import { createProxyMiddleware, proxyEventsPlugin, type Plugin } from 'http-proxy-middleware';
import { identityHeadersFor } from './identity-headers';
import { UPSTREAM_SOCKETS, type Route } from '../routes/route-table';

const timedOut = new WeakSet<Request>();

/** One keep-alive agent per upstream, shared by the proxy and the cache's upstream calls. */
export function keepAliveAgent(url: string): Agent {
  const options = { keepAlive: true, maxSockets: UPSTREAM_SOCKETS, keepAliveMsecs: 10_000, timeout: 60_000 };
  return url.startsWith('https:') ? new HttpsAgent(options) : new Agent(options);
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
export function forwardTo(route: Route, agent: Agent, secret: string, logger: Logger): RequestHandler {
  const metricsRoute = `proxy:${route.name}`;
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
        for (const [name, value] of Object.entries(identityHeadersFor(req, secret))) proxyReq.setHeader(name, value);
        proxyReq.setTimeout(route.timeoutMs, () => timedOut.add(req));
      },
      error: (err, req, res) => {
        const isTimeout = timedOut.has(req);
        logger.warn({ err: String(err), route: route.name, timeout: isTimeout }, 'upstream request failed');
        if (!('setHeader' in res)) {
          res.destroy();
          return;
        }
        upstreamFailure(res, req, route, isTimeout);
      },
    },
  });
  return proxy;
}
