import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const int = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);
const url = (protocols: string[]) =>
  z
    .string()
    .refine((value) => URL.canParse(value) && protocols.includes(new URL(value).protocol.replace(/:$/, '')), {
      error: `must be a URL (${protocols.join(', ')})`,
    })
    .optional();
// Host lists (Sentinel, Cluster) are no WHATWG URL: only the form is checked here, the services check the rest.
const redisUrl = () =>
  z
    .string()
    .regex(/^rediss?(\+(sentinel|cluster))?:\/\/[^\s]+$/, 'must be a redis://, rediss://, redis+sentinel:// or redis+cluster:// URL')
    .optional();

/**
 * What `npm start`, `npm run dev`, `npm test` and `npm run infra` read for themselves; the services
 * they start validate their own variables. Kept apart from @app/common so the launcher does not load
 * the services' dependencies (mongoose, amqplib) just to read a few numbers.
 */
export const launcherShape = {
  // Where the servers come from when no *_URL is given: containers when a Docker engine answers, unless native.
  INFRA: z.enum(['auto', 'native']).default('auto'),
  MONGO_URL: url(['mongodb', 'mongodb+srv']),
  REDIS_URL: redisUrl(),
  REDIS_CACHE_URL: redisUrl(),
  AMQP_URL: url(['amqp', 'amqps']),
  // One broker account per service on a broker that was not started here (a started one gets them made).
  AMQP_URL_AUTH: url(['amqp', 'amqps']),
  AMQP_URL_RECORDS: url(['amqp', 'amqps']),
  AMQP_URL_QA: url(['amqp', 'amqps']),
  AMQP_URL_GATEWAY: url(['amqp', 'amqps']),
  // `npm start` starts Jaeger and traces every process into it, unless off or an OTLP endpoint of your own is given.
  JAEGER: z.enum(['on', 'off']).default('on'),
  // Unset: Jaeger's own ports (UI 16686, OTLP/HTTP 4318, query gRPC 16685, health 13133); set: the UI on it, the others on the next three.
  JAEGER_PORT: z.coerce.number().int().min(1).max(65_532).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: url(['http', 'https']),
  // Where the gateway listens; the services and the worker's health port always stay on 127.0.0.1.
  GATEWAY_HOST: z.string().min(1).default('0.0.0.0'),
  // The gateway's port; auth, records, qa and the worker's /health take the next four.
  STACK_PORT: int(8000, 1, 65_530),
  // Keeps a stack apart from others on the same servers: its own databases, exchange and queue.
  STACK_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes, at most 40')
    .optional(),
  // A crashed service is restarted after RESTART_BACKOFF_MS, doubling up to RESTART_BACKOFF_MAX_MS;
  // RESTART_MAX_CRASHES crashes within RESTART_WINDOW_SECONDS mean it will not come up by itself.
  RESTART_BACKOFF_MS: int(500, 10, 60_000),
  RESTART_BACKOFF_MAX_MS: int(15_000, 10, 600_000),
  RESTART_MAX_CRASHES: int(5, 1, 1000),
  RESTART_WINDOW_SECONDS: int(60, 1, 24 * 3600),
};

export type LauncherConfig = z.infer<z.ZodObject<typeof launcherShape>>;

/** Reads the launcher's variables; a wrong one stops it with every problem named. */
export function loadLauncherConfig(source: NodeJS.ProcessEnv = process.env): LauncherConfig {
  const result = z.object(launcherShape).safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  - ${issue.path.join('.')}: ${issue.message}`);
  throw new Error(`Invalid launcher configuration:\n${problems.join('\n')}`);
}

/**
 * Reads `.env` at the repository root when there is one (see `.env.example`); variables already
 * set in the environment win. The services started afterwards inherit them.
 */
export function loadDotEnv(root: string): void {
  const file = join(root, '.env');
  if (existsSync(file)) process.loadEnvFile(file);
}
