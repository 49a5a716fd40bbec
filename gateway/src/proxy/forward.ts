import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { errorBody, type Logger } from '@app/common';
import type { Request, RequestHandler } from 'express';
import { createProxyMiddleware, proxyEventsPlugin, type Plugin } from 'http-proxy-middleware';
import { identityHeadersFor } from './identity-headers';
import { ownsPath, type Upstream } from './upstreams';

const timedOut = new WeakSet<Request>();

/** One keep-alive agent per upstream, shared by the proxy and the cache's upstream calls. */
export function keepAliveAgent(url: string): Agent {
  const options = { keepAlive: true, maxSockets: 256, keepAliveMsecs: 10_000, timeout: 60_000 };
  return url.startsWith('https:') ? new HttpsAgent(options) : new Agent(options);
}

/** Writes the JSON error for an upstream that refused, dropped or did not answer the request. */
export function upstreamFailure(res: ServerResponse, req: Request, upstream: Upstream, isTimeout: boolean) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const [status, code, message] = isTimeout
    ? [504, 'upstream_timeout', `The ${upstream.name} service did not answer in time`]
    : [502, 'bad_gateway', `The ${upstream.name} service is unavailable`];
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('x-request-id', req.id);
  res.end(JSON.stringify(errorBody(code, message, req.id)));
}

/** Streams requests for `upstream`'s paths to it, bodies untouched, with the verified identity attached. */
export function forwardTo(upstream: Upstream, agent: Agent, secret: string, logger: Logger): RequestHandler {
  const proxy = createProxyMiddleware<Request, ServerResponse>({
    target: upstream.url,
    pathFilter: (path) => ownsPath(upstream, path),
    agent,
    xfwd: true,
    proxyTimeout: upstream.timeoutMs,
    ejectPlugins: true,
    plugins: [proxyEventsPlugin as unknown as Plugin<Request, ServerResponse>],
    on: {
      proxyReq: (proxyReq, req, res) => {
        (res as unknown as { locals: Record<string, unknown> }).locals.metricsRoute = `proxy:${upstream.name}`;
        for (const [name, value] of Object.entries(identityHeadersFor(req, secret))) proxyReq.setHeader(name, value);
        proxyReq.setTimeout(upstream.timeoutMs, () => timedOut.add(req));
      },
      error: (err, req, res) => {
        const isTimeout = timedOut.has(req);
        logger.warn({ err: String(err), upstream: upstream.name, timeout: isTimeout }, 'upstream request failed');
        if ((res as Socket).destroy && !(res as ServerResponse).setHeader) {
          (res as Socket).destroy();
          return;
        }
        upstreamFailure(res as ServerResponse, req, upstream, isTimeout);
      },
    },
  });
  return proxy as unknown as RequestHandler;
}
