"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.upstreamsFrom = upstreamsFrom;
exports.ownsPath = ownsPath;
function upstreamsFrom(config) {
    return [
        { name: 'auth', url: config.AUTH_URL, prefixes: ['/auth'], timeoutMs: config.UPSTREAM_TIMEOUT_MS, bodyLimitBytes: config.BODY_LIMIT_BYTES },
        {
            name: 'records',
            url: config.RECORDS_URL,
            prefixes: ['/records', '/cached-data', '/cached-data-scope'],
            timeoutMs: config.UPSTREAM_TIMEOUT_MS,
            bodyLimitBytes: config.BODY_LIMIT_BYTES,
        },
        // Uploads are large and `Prefer: wait` holds the answer for up to a minute.
        { name: 'qa', url: config.QA_URL, prefixes: ['/qa'], timeoutMs: config.QA_UPSTREAM_TIMEOUT_MS, bodyLimitBytes: config.QA_BODY_LIMIT_BYTES },
    ];
}
function ownsPath(upstream, path) {
    return upstream.prefixes.some((prefix) => path === prefix || path.startsWith(prefix + '/'));
}
//# sourceMappingURL=upstreams.js.map