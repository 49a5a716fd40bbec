import type { GatewayConfig } from '../config';

export interface Upstream {
  name: 'auth' | 'records' | 'qa';
  url: string;
  /** Path prefixes this service owns; the gateway forwards them unchanged. */
  prefixes: string[];
  timeoutMs: number;
  bodyLimitBytes: number;
}

export function upstreamsFrom(config: GatewayConfig): Upstream[] {
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

export function ownsPath(upstream: Upstream, path: string): boolean {
  return upstream.prefixes.some((prefix) => path === prefix || path.startsWith(prefix + '/'));
}
