"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.UpstreamError = void 0;
exports.fetchUpstream = fetchUpstream;
const node_http_1 = require("node:http");
const node_https_1 = require("node:https");
class UpstreamError extends Error {
    timeout;
    constructor(timeout, message) {
        super(message);
        this.timeout = timeout;
        this.name = 'UpstreamError';
    }
}
exports.UpstreamError = UpstreamError;
/** A bodiless request to a service, its answer read whole; used where the gateway must keep the answer. */
function fetchUpstream(baseUrl, path, headers, agent, timeoutMs, maxBytes) {
    const url = new URL(path, baseUrl);
    const send = url.protocol === 'https:' ? node_https_1.request : node_http_1.request;
    return new Promise((resolve, reject) => {
        const req = send(url, { method: 'GET', headers, agent }, (res) => {
            const chunks = [];
            let size = 0;
            res.on('data', (chunk) => {
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
        req.on('error', (err) => reject(err instanceof UpstreamError ? err : new UpstreamError(false, err.message)));
        req.end();
    });
}
//# sourceMappingURL=upstream-request.js.map