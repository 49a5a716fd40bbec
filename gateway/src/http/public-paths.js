"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.publicPathMatcher = publicPathMatcher;
exports.stripTrailingSlash = stripTrailingSlash;
/**
 * Matches a request path against the configured public paths: an exact path, or a
 * prefix written as `/docs/*`. A trailing slash is ignored, as the services ignore it.
 */
function publicPathMatcher(patterns) {
    const exact = new Set();
    const prefixes = [];
    for (const pattern of patterns) {
        if (pattern.endsWith('/*'))
            prefixes.push(pattern.slice(0, -1));
        else
            exact.add(stripTrailingSlash(pattern));
    }
    return (path) => exact.has(stripTrailingSlash(path)) || prefixes.some((prefix) => path.startsWith(prefix));
}
function stripTrailingSlash(path) {
    return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}
//# sourceMappingURL=public-paths.js.map