"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.keepAliveAgent = keepAliveAgent;
exports.upstreamFailure = upstreamFailure;
exports.forwardTo = forwardTo;
const node_http_1 = require("node:http");
const node_https_1 = require("node:https");
const common_1 = require("@app/common");
const http_proxy_middleware_1 = require("http-proxy-middleware");
const identity_headers_1 = require("./identity-headers");
const upstreams_1 = require("./upstreams");
const timedOut = new WeakSet();
/** One keep-alive agent per upstream, shared by the proxy and the cache's upstream calls. */
function keepAliveAgent(url) {
    const options = { keepAlive: true, maxSockets: 256, keepAliveMsecs: 10_000, timeout: 60_000 };
    return url.startsWith('https:') ? new node_https_1.Agent(options) : new node_http_1.Agent(options);
}
/** Writes the JSON error for an upstream that refused, dropped or did not answer the request. */
function upstreamFailure(res, req, upstream, isTimeout) {
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
    res.end(JSON.stringify((0, common_1.errorBody)(code, message, req.id)));
}
/** Streams requests for `upstream`'s paths to it, bodies untouched, with the verified identity attached. */
function forwardTo(upstream, agent, secret, logger) {
    const proxy = (0, http_proxy_middleware_1.createProxyMiddleware)({
        target: upstream.url,
        pathFilter: (path) => (0, upstreams_1.ownsPath)(upstream, path),
        agent,
        xfwd: true,
        proxyTimeout: upstream.timeoutMs,
        ejectPlugins: true,
        plugins: [http_proxy_middleware_1.proxyEventsPlugin],
        on: {
            proxyReq: (proxyReq, req) => {
                for (const [name, value] of Object.entries((0, identity_headers_1.identityHeadersFor)(req, secret)))
                    proxyReq.setHeader(name, value);
                proxyReq.setTimeout(upstream.timeoutMs, () => timedOut.add(req));
            },
            error: (err, req, res) => {
                const isTimeout = timedOut.has(req);
                logger.warn({ err: String(err), upstream: upstream.name, timeout: isTimeout }, 'upstream request failed');
                if (res.destroy && !res.setHeader) {
                    res.destroy();
                    return;
                }
                upstreamFailure(res, req, upstream, isTimeout);
            },
        },
    });
    return proxy;
}
//# sourceMappingURL=forward.js.map