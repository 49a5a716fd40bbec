"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.parseCacheRules = parseCacheRules;
exports.cacheRuleFor = cacheRuleFor;
exports.canonicalUrl = canonicalUrl;
const public_paths_1 = require("../http/public-paths");
/** Parses `CACHE_ROUTES`: comma-separated `path=ttlSeconds`, where a `:name` segment matches one path segment. */
function parseCacheRules(spec) {
    return spec
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)
        .map((part) => {
        const [pattern, ttl] = part.split('=').map((s) => s.trim());
        const ttlSeconds = Number(ttl);
        if (!pattern?.startsWith('/') || !Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
            throw new Error(`CACHE_ROUTES entry "${part}" must look like /path=seconds`);
        }
        const source = (0, public_paths_1.stripTrailingSlash)(pattern)
            .split('/')
            .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
            .join('/');
        return { pattern, ttlSeconds, regex: new RegExp(`^${source}$`) };
    });
}
function cacheRuleFor(rules, path) {
    const normalised = (0, public_paths_1.stripTrailingSlash)(path);
    return rules.find((rule) => rule.regex.test(normalised));
}
/** The path with its query in a canonical order, so `?a=1&b=2` and `?b=2&a=1` share an entry. */
function canonicalUrl(path, search) {
    const params = [...new URLSearchParams(search)].sort(([ak, av], [bk, bv]) => (ak === bk ? (av < bv ? -1 : av > bv ? 1 : 0) : ak < bk ? -1 : 1));
    const query = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    return (0, public_paths_1.stripTrailingSlash)(path) + (query ? `?${query}` : '');
}
//# sourceMappingURL=cache-rules.js.map