/**
 * Matches a request path against the configured public paths: an exact path, or a
 * prefix written as `/docs/*`. A trailing slash is ignored, as the services ignore it.
 */
export declare function publicPathMatcher(patterns: string[]): (path: string) => boolean;
export declare function stripTrailingSlash(path: string): string;
