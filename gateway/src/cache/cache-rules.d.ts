export interface CacheRule {
    pattern: string;
    ttlSeconds: number;
    regex: RegExp;
}
/** Parses `CACHE_ROUTES`: comma-separated `path=ttlSeconds`, where a `:name` segment matches one path segment. */
export declare function parseCacheRules(spec: string): CacheRule[];
export declare function cacheRuleFor(rules: CacheRule[], path: string): CacheRule | undefined;
/** The path with its query in a canonical order, so `?a=1&b=2` and `?b=2&a=1` share an entry. */
export declare function canonicalUrl(path: string, search: string): string;
