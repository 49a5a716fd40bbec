import { z } from 'zod';
import { parseRedisUrl } from './redis-url';

/** Raised when the environment does not satisfy a service's schema; lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment against a schema whose keys are the variable names. */
export function loadConfig<S extends z.ZodRawShape>(shape: S, env: NodeJS.ProcessEnv = process.env): z.infer<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.');
    const raw = env[name];
    if (raw === undefined) return `${name} is required but not set (${issue.message})`;
    return `${name} is invalid: ${issue.message}`;
  });
  throw new ConfigError(problems);
}

/** Variable helpers so that every service reads the same kinds of values the same way. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  /** A port that may be left unset (or empty, as compose passes an unset variable). */
  optionalPort: () => z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).max(65535).optional()),
  url: (protocols: string[]) =>
    z.string().refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
        } catch {
          return false;
        }
      },
      { error: `must be a URL (${protocols.join(', ')})` },
    ),
  /** A Redis URL in any form `parseRedisUrl` reads: one server, Sentinel or Cluster; the message never repeats the URL. */
  redisUrl: () =>
    z.string().superRefine((value, ctx) => {
      try {
        parseRedisUrl(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  /**
   * The token issuer: an http(s) origin with no path (`https://api.example.com`), as RFC 8414 needs
   * it to be, so that the authorization-server metadata lives at `<issuer>/.well-known/oauth-authorization-server`.
   */
  issuer: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .refine(
        (value) => {
          try {
            const url = new URL(value);
            return ['http:', 'https:'].includes(url.protocol) && url.origin === value;
          } catch {
            return false;
          }
        },
        { error: 'must be the public http(s) origin of the gateway with no path or trailing slash, such as https://api.example.com' },
      ),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  int: (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(fallback),
  secret: (minLength = 32) => z.string().min(minLength, `must be at least ${minLength} characters`),
  /** A secret that may be left unset (or empty, as compose passes an unset variable). */
  optionalSecret: (minLength = 32) =>
    z.preprocess((v) => (v === '' ? undefined : v), z.string().min(minLength, `must be at least ${minLength} characters`).optional()),
  /** `user.=auth,token.=auth`: which broker user alone may publish events under each routing-key prefix. */
  publishers: () =>
    z
      .string()
      .optional()
      .transform((value, ctx) => {
        if (!value) return undefined;
        const map: Record<string, string> = {};
        for (const entry of value
          .split(',')
          .map((e) => e.trim())
          .filter(Boolean)) {
          const match = /^([A-Za-z0-9_.-]+)=([^,=\s]+)$/.exec(entry);
          if (!match) {
            ctx.addIssue({ code: 'custom', message: `'${entry.slice(0, 60)}' must be <routing-key prefix>=<broker user>` });
            return z.NEVER;
          }
          map[match[1]!] = match[2]!;
        }
        return map;
      }),
  list: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  nodeEnv: () => z.enum(['development', 'production', 'test']).default('development'),
};

/**
 * What a process that serves requests adds to its base schema: on SIGTERM, how long it keeps serving
 * with /ready at 503 and `Connection: close` on every answer before it stops accepting. Longer than the
 * gateway's idle keep-alive (2 s), so no idle connection of the gateway is left for the server to close
 * under a request the gateway is writing on it.
 */
export const drainShape = {
  DRAIN_DELAY_MS: env.int(3000, 0, 60_000),
};

/**
 * What a process that publishes events adds (see EventOutbox): how often its outbox is read for
 * events no write handed to the relay (a crash, a broker outage: then every second until it is back).
 */
export const outboxShape = {
  OUTBOX_SWEEP_MS: env.int(30_000, 50, 3_600_000),
};

/**
 * The tracing variables every process reads (spread into baseShape, so each service validates and
 * lists them with the rest). OpenTelemetry's own names, as operators know them.
 */
export function tracingShape() {
  return {
    // Where spans go, OTLP over HTTP (`http://jaeger:4318`: the traces go to <endpoint>/v1/traces); unset: tracing off.
    OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess((v) => (v === '' ? undefined : v), env.url(['http', 'https']).optional()),
    // The share of new traces kept (parent-based: a traced caller's decision is followed). 1 %: every
    // sampled request costs the gateway about three times its untraced CPU (docs/benchmarks.md).
    OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(0.01),
    // How long finished spans wait to go out in a batch (ms).
    OTEL_BSP_SCHEDULE_DELAY: env.int(5000, 1, 60_000),
  };
}

/**
 * The variables every process reads: its log level, where it listens, how long it may take to stop.
 * Each service's schema spreads this and adds its own; `portVariable` names a port other than PORT.
 */
export function baseShape<const P extends string = 'PORT'>(defaults: { port: number; portVariable?: P }) {
  const common = {
    NODE_ENV: env.nodeEnv(),
    LOG_LEVEL: env.logLevel(),
    HOST: z.string().min(1).default('0.0.0.0'),
    // The whole graceful stop (drain, close queues and connections); past it the process exits 1.
    SHUTDOWN_TIMEOUT_MS: env.int(10_000, 100),
    // /ready and /metrics on a port of their own (one the ingress does not route); unset: on the main port.
    MANAGEMENT_PORT: env.optionalPort(),
    ...tracingShape(),
  };
  return { ...common, [defaults.portVariable ?? 'PORT']: env.port(defaults.port) } as typeof common & Record<P, ReturnType<typeof env.port>>;
}

/** The identity proof a service checks: the secret it shares with the gateway, and during a rotation the previous one. */
export function identityShape() {
  return {
    IDENTITY_SECRET: env.secret(32),
    // Also accepted during a rotation of IDENTITY_SECRET (docs/operations.md); unset otherwise.
    IDENTITY_SECRET_PREVIOUS: env.optionalSecret(),
  };
}

/** A service's MongoDB: the server, and the database of its own (`database` unless MONGO_DB names another). */
export function mongoShape(database: string) {
  return {
    MONGO_URL: env.url(['mongodb', 'mongodb+srv']),
    MONGO_DB: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,63}$/, 'must be a database name (1-63 letters, digits, _ or -)')
      .default(database),
  };
}

/** The broker and the topic exchange the domain events go through. */
export function eventsShape() {
  return {
    AMQP_URL: env.url(['amqp', 'amqps']),
    EVENTS_EXCHANGE: z.string().min(1).max(200).default('app.events'),
  };
}

/**
 * What every service behind the gateway reads (base, drain, identity proof, MongoDB, events): its
 * config.ts spreads this and adds its own variables, all validated together.
 */
export function serviceShape(defaults: { port: number; database: string }) {
  return { ...baseShape({ port: defaults.port }), ...drainShape, ...identityShape(), ...mongoShape(defaults.database), ...eventsShape() };
}
