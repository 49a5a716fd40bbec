import { stripTrailingSlash } from '../http/public-paths';

export interface CacheRule {
  pattern: string;
  ttlSeconds: number;
  regex: RegExp;
}

/** Parses `CACHE_ROUTES`: comma-separated `path=ttlSeconds`, where a `:name` segment matches one path segment. */
export function parseCacheRules(spec: string): CacheRule[] {
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
      const source = stripTrailingSlash(pattern)
        .split('/')
        .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('/');
      return { pattern, ttlSeconds, regex: new RegExp(`^${source}$`) };
    });
}

export function cacheRuleFor(rules: CacheRule[], path: string): CacheRule | undefined {
  const normalised = stripTrailingSlash(path);
  return rules.find((rule) => rule.regex.test(normalised));
}

/** The path with its query in a canonical order, so `?a=1&b=2` and `?b=2&a=1` share an entry. */
export function canonicalUrl(path: string, search: string): string {
  const params = [...new URLSearchParams(search)].sort(([ak, av], [bk, bv]) => (ak === bk ? (av < bv ? -1 : av > bv ? 1 : 0) : ak < bk ? -1 : 1));
  const query = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return stripTrailingSlash(path) + (query ? `?${query}` : '');
}
