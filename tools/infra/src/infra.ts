import { execFileSync } from 'node:child_process';
import { loadLauncherConfig } from './launcher-config';
import { brokerEnv } from './broker-users';
import { startFerretDb } from './ferretdb';
import { log } from './paths';
import { startRabbitMq } from './rabbitmq';
import { startRedis } from './redis';

export interface Infrastructure {
  /** The servers' URLs; AMQP_URL_<SERVICE> when each service has its own broker user. */
  env: { MONGO_URL: string; REDIS_URL: string; REDIS_CACHE_URL: string; AMQP_URL: string } & Record<string, string>;
  stop(): Promise<void>;
}

const PER_SERVICE_AMQP = ['AMQP_URL_AUTH', 'AMQP_URL_RECORDS', 'AMQP_URL_QA', 'AMQP_URL_GATEWAY'] as const;

/**
 * The infrastructure's variables for a stack that benchmarks or fuzzes in a namespace of its own:
 * every process on the one broker account (the tests' harness account on a broker started with
 * `harness`), since the per-service accounts may use only the shared event exchange.
 */
export function namespacedStackEnv(env: Infrastructure['env']): Infrastructure['env'] {
  const copy = { ...env };
  for (const name of PER_SERVICE_AMQP) delete copy[name];
  return copy;
}

export interface InfrastructureOptions {
  /** `npm test`: the broker started here also gets the tests' all-rights `harness` user (see startRabbitMq). */
  harness?: boolean;
}

export const DEFAULT_PORTS = { mongodb: 27017, redis: 6379, redisCache: 6380, rabbitmq: 5672 };

function dockerAnswers(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Brings up MongoDB, Redis (queues, and a second one for the cache) and RabbitMQ.
 * A *_URL already set in the environment is used as it is. Otherwise: containers via
 * testcontainers when a Docker engine answers, else native servers on this machine.
 */
export async function startInfrastructure(
  environment: NodeJS.ProcessEnv = process.env,
  options: InfrastructureOptions = {},
): Promise<Infrastructure> {
  const config = loadLauncherConfig(environment);
  const useDocker = config.INFRA !== 'native' && dockerAnswers();
  const started: Array<{ stop(): Promise<unknown> }> = [];
  const stopAll = async () => {
    for (const server of started.reverse()) await server.stop().catch(() => undefined);
  };
  try {
    const pick = async (
      given: string | undefined,
      native: () => Promise<{ url: string; stop(): Promise<unknown> }>,
      docker: () => Promise<{ url: string; stop(): Promise<unknown> }>,
    ) => {
      if (given) return given;
      const server = useDocker ? await docker() : await native();
      started.push(server);
      return server.url;
    };
    // Loaded only with Docker: testcontainers is slow to load and unused otherwise (a dynamic import()
    // would need ESM resolution here, which jest's CommonJS run does not do).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const containers = useDocker ? (require('./containers') as typeof import('./containers')) : undefined;
    // Per-service broker URLs: the ones the operator gave, or those of the broker started here.
    let broker: Record<string, string> = Object.fromEntries(PER_SERVICE_AMQP.filter((name) => config[name]).map((name) => [name, config[name]!]));
    const startBroker = async () => {
      const server = useDocker
        ? await containers!.rabbitContainer({ harness: options.harness })
        : await startRabbitMq({ port: DEFAULT_PORTS.rabbitmq, harness: options.harness });
      if (server.brokerUrls) broker = brokerEnv(server);
      else if (Object.keys(broker).length === 0) {
        log(
          'rabbitmq: a broker already running is reused with one account for every service; set AMQP_URL_AUTH, AMQP_URL_RECORDS, AMQP_URL_QA and AMQP_URL_GATEWAY to separate them',
        );
      }
      return server;
    };
    const [MONGO_URL, REDIS_URL, AMQP_URL] = await Promise.all([
      pick(
        config.MONGO_URL,
        () => startFerretDb({ port: DEFAULT_PORTS.mongodb }),
        () => containers!.mongoContainer(),
      ),
      pick(
        config.REDIS_URL,
        () => startRedis({ port: DEFAULT_PORTS.redis }),
        () => containers!.redisContainer('noeviction'),
      ),
      pick(config.AMQP_URL, startBroker, startBroker),
    ]);
    const REDIS_CACHE_URL = await pick(
      config.REDIS_CACHE_URL ?? config.REDIS_URL,
      () => startRedis({ port: DEFAULT_PORTS.redisCache, maxMemory: '128mb', policy: 'allkeys-lru' }),
      () => containers!.redisContainer('allkeys-lru'),
    );
    return { env: { ...broker, MONGO_URL, REDIS_URL, REDIS_CACHE_URL, AMQP_URL }, stop: stopAll };
  } catch (err) {
    log(`could not start the infrastructure: ${err instanceof Error ? err.message : String(err)}`);
    await stopAll();
    throw err;
  }
}
