import type { CanonicalTarget } from '../routes/request-target';
import { stripTrailingSlash } from '../routes/route-table';

/**
 * What a cache entry is keyed by, from the canonical target: the path without a trailing
 * slash and the query in sorted order, so `?a=1&b=2` and `?b=2&a=1` share an entry.
 */
export function cacheKeyUrl(target: CanonicalTarget): string {
  if (!target.query) return stripTrailingSlash(target.path);
  const params = [...new URLSearchParams(target.query)].sort(([ak, av], [bk, bv]) =>
    ak === bk ? (av < bv ? -1 : av > bv ? 1 : 0) : ak < bk ? -1 : 1,
  );
  const query = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return stripTrailingSlash(target.path) + (query ? `?${query}` : '');
}
