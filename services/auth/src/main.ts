import {
  EventBus,
  closeServer,
  connectMongo,
  connectRedis,
  createLogger,
  createMetrics,
  createServiceApp,
  dependency,
  listen,
  once,
  portOf,
  runMain,
  withTimeout,
  type Logger,
} from '@app/common';
import { loadAuthConfig, type AuthConfig } from './config';
import { memoryAttemptStore, redisAttemptStore } from './data/attempt-store';
import { refreshTokenRepository } from './data/refresh-token-repository';
import { revocationStore } from './data/revocation-store';
import { userRepository } from './data/user-repository';
import { AccessTokens } from './domain/access-tokens';
import { accounts } from './domain/accounts';
import { LoginThrottle } from './domain/login-throttle';
import { warmUpPasswordHashing } from './domain/passwords';
import { sessions, type LoginResult } from './domain/sessions';
import { loadKeyRing } from './domain/signing-keys';
import { authEvents } from './events/auth-events';
import { authRoutes } from './http/auth-routes';
import { authOpenApi } from './openapi';

export interface RunningService {
  port: number;
  url: string;
  logger: Logger;
  /** Settles once the indexes exist, an earlier version's refresh tokens are moved and the seed users are in place (or the service stopped first). */
  prepared: Promise<void>;
  stop: () => Promise<void>;
}

const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

let current: RunningService | undefined;

/** Starts the auth service; `overrides` are merged over process.env (tests pass PORT '0', a unique MONGO_DB...). */
export async function start(overrides: NodeJS.ProcessEnv = {}): Promise<RunningService> {
  const config = loadAuthConfig(overrides);
  const keys = loadKeyRing(config.keys);
  const logger = createLogger('auth', config.LOG_LEVEL);
  if (config.seedUsersIgnored) logger.warn('SEED_USERS is ignored when NODE_ENV=production');
  const metrics = createMetrics('auth');
  const loginCounter = metrics.counter('auth_logins_total', 'Login attempts by result', ['result'] as const);

  const mongo = connectMongo(config.MONGO_URL, logger, config.MONGO_DB);
  const redis = connectRedis(config.REDIS_URL, logger, 'auth');
  const bus = new EventBus({ url: config.AMQP_URL, exchange: config.EVENTS_EXCHANGE, service: 'auth', logger });
  await bus.start();

  const users = userRepository(mongo);
  const refreshTokens = refreshTokenRepository(mongo);
  const revocations = revocationStore(redis, logger, config.ACCESS_TOKEN_TTL_SECONDS);
  const events = authEvents(bus);
  const accessTokens = new AccessTokens(keys, {
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
  });
  const throttle = new LoginThrottle(
    redisAttemptStore(redis),
    memoryAttemptStore(),
    () => redis.status === 'ready',
    logger,
    config.LOGIN_LIMIT_KEY_PREFIX,
    config.throttle,
  );
  const accountService = accounts({ users, refreshTokens, revocations, events, throttle, logger });
  const sessionService = sessions({
    users,
    refreshTokens,
    accessTokens,
    throttle,
    revocations,
    events,
    logger,
    refreshTokenTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
    onLogin: (result: LoginResult) => loginCounter.inc({ result }),
  });

  const app = createServiceApp({
    service: 'auth',
    logger,
    metrics,
    dependencies: [dependency.mongodb(mongo), dependency.redis(redis), dependency.rabbitmq(bus)],
    routes: (routes) => {
      const openApi = authOpenApi();
      routes.get('/openapi.json', (_req, res) => {
        res.json(openApi);
      });
      routes.use(authRoutes({ identitySecret: config.IDENTITY_SECRET, accounts: accountService, sessions: sessionService, keys }));
    },
  });

  let stopping = false;
  const background = startBackgroundWork(config, logger, () => stopping, {
    prepare: async () => {
      await users.ensureIndexes();
      const moved = await refreshTokens.prepare();
      if (moved > 0) logger.info({ moved }, 'refresh tokens of an earlier version moved to their by-hash collection');
      await accountService.seed(config.seedUsers);
    },
    sweep: async () => {
      const removed = await refreshTokens.deleteExpired(new Date());
      if (removed > 0) logger.info({ removed }, 'expired refresh tokens removed');
    },
  });
  warmUpPasswordHashing().catch((err: unknown) => logger.warn({ err: String(err) }, 'password hashing warm-up failed'));

  let server: Awaited<ReturnType<typeof listen>>;
  try {
    server = await listen(app, config.PORT, config.HOST);
  } catch (err) {
    // A taken port must not leave connections and timers keeping the process alive.
    stopping = true;
    await background.stop();
    await bus.close();
    redis.disconnect();
    await mongo.close().catch(() => undefined);
    throw err;
  }
  const port = portOf(server);
  logger.info({ port, kid: keys.current.kid, alg: keys.current.alg }, 'auth listening');

  const stop = once(async () => {
    stopping = true;
    await closeServer(server);
    await background.stop();
    await bus.close();
    await redis.quit().catch(() => redis.disconnect());
    await mongo.close().catch(() => undefined);
    if (current?.stop === stop) current = undefined;
  });
  const running: RunningService = { port, url: `http://127.0.0.1:${port}`, logger, prepared: background.prepared, stop };
  current = running;
  return running;
}

/** Stops the service started last by `start()`, if any. */
export async function stop(): Promise<void> {
  await current?.stop();
}

/**
 * Index creation and seeding wait for MongoDB in the background (the service answers 503 meanwhile),
 * retrying with backoff; the hourly sweep replaces the TTL index FerretDB lacks.
 */
function startBackgroundWork(
  config: AuthConfig,
  logger: Logger,
  stopping: () => boolean,
  work: { prepare: () => Promise<void>; sweep: () => Promise<void> },
) {
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const prepared = (async () => {
    for (let attempt = 0; !stopping(); attempt += 1) {
      try {
        await work.prepare();
        logger.debug({ seedUsers: config.seedUsers.length }, 'indexes and seed users ready');
        return;
      } catch (err) {
        if (stopping()) return;
        logger.warn({ err: String(err), attempt }, 'preparing the database failed, retrying');
        await pause(Math.min(5000, 250 * 2 ** attempt));
      }
    }
  })();

  const sweepTimer = setInterval(() => {
    work.sweep().catch((err: unknown) => logger.warn({ err: String(err) }, 'refresh token sweep failed'));
  }, SWEEP_INTERVAL_MS);
  sweepTimer.unref();

  return {
    prepared,
    async stop() {
      clearInterval(sweepTimer);
      wake?.();
      await withTimeout(prepared, 5000, 'database preparation').catch(() => undefined);
    },
  };
}

if (require.main === module) void runMain('auth', () => start());
