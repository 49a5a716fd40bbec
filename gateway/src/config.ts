import { baseShape, ConfigError, drainShape, env, loadConfig } from '@app/common';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { defaultRoutes, MAX_HELD_PER_ROUTE, RouteTable, RouteTableError } from './routes/route-table';

const MAX_HOPS = 10;

/**
 * TRUST_PROXY: how many proxies in front of the gateway to believe (a hop count; 0 believes none),
 * or the addresses/CIDRs of those proxies, comma-separated. `true` (believe any X-Forwarded-For)
 * is refused: it lets every client pick the address the per-address limits count.
 */
const trustProxySetting = z
  .string()
  .default('0')
  .transform((value, ctx): number | string[] => {
    const text = value.trim();
    if (/^\d+$/.test(text)) {
      const hops = Number(text);
      if (hops <= MAX_HOPS) return hops;
      ctx.addIssue({ code: 'custom', message: `a hop count must be 0-${MAX_HOPS}` });
      return z.NEVER;
    }
    const entries = text
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    const bad = entries.filter((entry) => !isAddressOrCidr(entry));
    if (entries.length === 0 || bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a hop count (0-${MAX_HOPS}) or a comma-separated list of proxy addresses or CIDRs${bad.length ? `; not an address or CIDR: ${bad.slice(0, 3).join(', ')}` : ''}`,
      });
      return z.NEVER;
    }
    return entries;
  });

function isAddressOrCidr(entry: string): boolean {
  if (entry.includes('/')) {
    try {
      ipaddr.parseCIDR(entry);
      return true;
    } catch {
      return false;
    }
  }
  return ipaddr.isValid(entry);
}

export function loadGatewayConfig(overrides: Record<string, string | undefined> = {}) {
  const source = { ...process.env, ...overrides };
  const config = loadConfig(
    {
      ...baseShape({ port: 8000 }),
      ...drainShape,
      AUTH_URL: env.url(['http', 'https']),
      RECORDS_URL: env.url(['http', 'https']),
      QA_URL: env.url(['http', 'https']),
      REDIS_URL: env.redisUrl(),
      REDIS_CACHE_URL: env.redisUrl().optional(),
      AMQP_URL: env.url(['amqp', 'amqps']),
      EVENTS_EXCHANGE: z.string().min(1).default('app.events'),
      EVENTS_TRUSTED_PUBLISHERS: env.publishers(),
      IDENTITY_SECRET: env.secret(),
      // The public URL of this gateway as the auth service signs it into `iss` (the same JWT_ISSUER on both).
      JWT_ISSUER: env.issuer('http://127.0.0.1:8000'),
      JWT_AUDIENCE: z.string().min(1).default('api-gateway'),
      JWT_ALGORITHMS: env.list('RS256,ES256').pipe(z.array(z.enum(['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'EdDSA'])).min(1)),
      JWT_CLOCK_TOLERANCE_SECONDS: env.int(5, 0, 300),
      JWKS_REFRESH_SECONDS: env.int(600, 10),
      JWKS_MIN_REFETCH_SECONDS: env.int(10, 0),
      CORS_ORIGINS: env.list('*'),
      TRUST_PROXY: trustProxySetting,
      BODY_LIMIT_BYTES: env.int(1024 * 1024, 1),
      QA_BODY_LIMIT_BYTES: env.int(12 * 1024 * 1024, 1),
      UPSTREAM_TIMEOUT_MS: env.int(15_000, 100),
      // How long a request keeps being sent again to a service that refuses or resets its connection
      // (safe cases only: docs/operations.md, "Rolling deploys and restarts"): longer than a restart.
      GATEWAY_UPSTREAM_RETRY_MS: env.int(10_000, 0, 120_000),
      QA_UPSTREAM_TIMEOUT_MS: env.int(70_000, 100),
      // QA requests held open at once by this instance (event streams, `Prefer: wait`), for all users
      // together; bounded below the upstream agent's sockets so short requests always get one.
      QA_MAX_HELD_UPSTREAM_REQUESTS: env.int(200, 1, MAX_HELD_PER_ROUTE),
      RATE_LIMIT_PER_USER_PER_MINUTE: env.int(600, 1),
      RATE_LIMIT_PER_ADDRESS_PER_MINUTE: env.int(300, 1),
      // Braces would be read as a Redis Cluster hash tag and part the keys of one user's admission.
      RATE_LIMIT_KEY_PREFIX: z
        .string()
        .regex(/^[^{}]{1,100}$/, 'at most 100 characters, no braces')
        .default('gw:rate'),
      // The whole route table as JSON; unset, the defaults are built from the URLs and limits above.
      GATEWAY_ROUTES: z.string().optional(),
      CACHE_MAX_ENTRY_BYTES: env.int(256 * 1024, 1024),
      CACHE_REDIS_TIMEOUT_MS: env.int(150, 10, 5000),
      CACHE_LOCK_WAIT_MS: env.int(3000, 0, 30_000),
      OPENAPI_CACHE_SECONDS: env.int(60, 0),
      // A client's traceparent is continued only when true (a client of your own, behind a trusted edge);
      // otherwise every request starts a trace here. Only read when tracing is on.
      TRACING_TRUST_CLIENT_TRACEPARENT: env.bool(false),
    },
    source,
  );
  return { ...config, REDIS_CACHE_URL: config.REDIS_CACHE_URL ?? config.REDIS_URL, routes: routeTableFrom(config) };
}

function routeTableFrom(config: { GATEWAY_ROUTES?: string } & Parameters<typeof defaultRoutes>[0]): RouteTable {
  let entries: unknown;
  if (config.GATEWAY_ROUTES === undefined) entries = defaultRoutes(config);
  else {
    try {
      entries = JSON.parse(config.GATEWAY_ROUTES);
    } catch (err) {
      throw new ConfigError([`GATEWAY_ROUTES is invalid: not JSON (${(err as Error).message})`]);
    }
  }
  try {
    return new RouteTable(entries);
  } catch (err) {
    if (err instanceof RouteTableError) throw new ConfigError([`GATEWAY_ROUTES is invalid: ${err.message}`]);
    throw err;
  }
}

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;
