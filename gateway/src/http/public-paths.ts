/**
 * Matches a request path against the configured public paths: an exact path, or a
 * prefix written as `/docs/*`. A trailing slash is ignored, as the services ignore it.
 */
export function publicPathMatcher(patterns: string[]): (path: string) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const pattern of patterns) {
    if (pattern.endsWith('/*')) prefixes.push(pattern.slice(0, -1));
    else exact.add(stripTrailingSlash(pattern));
  }
  return (path) => exact.has(stripTrailingSlash(path)) || prefixes.some((prefix) => path.startsWith(prefix));
}

export function stripTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}
