// First of all: when this file runs as a program with tracing configured, the instrumentations
// must be in place before express, ioredis, mongodb and amqplib load (keep these lines on top).
import { traceProcess } from '@app/common/tracing';
traceProcess('auth', module);
import {
  createLogger,
  createMetrics,
  createServiceApp,
  dependency,
  entryPoint,
  EventOutbox,
  identityKeys,
  portOf,
  processOptions,
  startProcess,
  type EventOf,
  type RunningProcess,
} from '@app/common';
import { connectMongo, mongoOutboxStore } from '@app/common/mongo';
import { loadAuthConfig } from './config';
import { memoryAttemptStore, redisAttemptStore } from './data/attempt-store';
import { refreshTokenRepository } from './data/refresh-token-repository';
import { revocationStore } from './data/revocation-store';
import { userRepository } from './data/user-repository';
import { AccessTokens } from './domain/access-tokens';
import { accounts } from './domain/accounts';
import { clientRegistry } from './domain/clients';
import { scopePolicy } from './domain/scopes';
import { LoginThrottle } from './domain/login-throttle';
import { warmUpPasswordHashing } from './domain/passwords';
import { sessions, type LoginResult } from './domain/sessions';
import { loadKeyRing } from './domain/signing-keys';
import { authEvents } from './events/auth-events';
import { authRoutes } from './http/auth-routes';
import { oauthRoutes } from './http/oauth-routes';
import { authOpenApi } from './openapi';

export type RunningService = RunningProcess;

const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

async function startAuth(overrides: NodeJS.ProcessEnv = {}): Promise<RunningService> {
  const config = loadAuthConfig(overrides);
  const keys = loadKeyRing(config.keys);
  const logger = createLogger('auth', config.LOG_LEVEL);
  if (config.seedUsersIgnored) logger.warn('SEED_USERS is ignored when NODE_ENV=production');
  const metrics = createMetrics('auth');
  const loginCounter = metrics.counter('auth_logins_total', 'Login attempts by result', ['result'] as const);

  return startProcess({ logger, metrics, ...processOptions(config) }, async (setup) => {
    const mongo = setup.database(connectMongo(config.MONGO_URL, setup.logger, config.MONGO_DB));
    const redis = setup.redis(config.REDIS_URL, 'auth');
    const bus = setup.eventBus({ url: config.AMQP_URL, exchange: config.EVENTS_EXCHANGE, service: 'auth' });
    await bus.start();
    // Every event is written to the outbox with its change and relayed from there with confirms.
    const outbox = new EventOutbox<EventOf<'auth'>>(mongoOutboxStore(mongo), bus, logger, {
      sweepMs: config.OUTBOX_SWEEP_MS,
      published: metrics.counter('auth_events_published_total', 'Domain events published from the outbox', ['type']),
    });
    outbox.start();
    setup.onStop('outbox relay', () => outbox.stop());

    const users = userRepository(mongo);
    const refreshTokens = refreshTokenRepository(mongo);
    const revocations = revocationStore(redis, logger, config.ACCESS_TOKEN_TTL_SECONDS);
    const events = authEvents(outbox);
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
    const scopes = scopePolicy(config.OAUTH_SCOPES);
    const sessionService = sessions({
      scopes,
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
      // Users live in MongoDB; without Redis login limits count in memory, events wait in the outbox.
      dependencies: [dependency.mongodb(mongo, 'required'), dependency.redis(redis, 'degradable'), dependency.rabbitmq(bus, 'degradable')],
      routes: (routes) => {
        const openApi = authOpenApi();
        routes.get('/openapi.json', (_req, res) => {
          res.json(openApi);
        });
        routes.use(
          oauthRoutes({
            identitySecret: identityKeys(config),
            issuer: config.JWT_ISSUER,
            sessions: sessionService,
            clients: clientRegistry(config.oauthClients),
            scopes,
          }),
        );
        routes.use(authRoutes({ identitySecret: identityKeys(config), accounts: accountService, sessions: sessionService, keys }));
      },
    });

    // Until MongoDB answers the service is up and answers 503.
    void setup.prepare('indexes and seed users', async () => {
      await users.ensureIndexes();
      await refreshTokens.prepare();
      await accountService.seed(config.seedUsers);
    });
    // Replaces the TTL index FerretDB lacks.
    setup.every('refresh token sweep', SWEEP_INTERVAL_MS, async () => {
      const removed = await refreshTokens.deleteExpired(new Date());
      if (removed > 0) logger.info({ removed }, 'expired refresh tokens removed');
    });
    warmUpPasswordHashing().catch((err: unknown) => logger.warn({ err: String(err) }, 'password hashing warm-up failed'));

    const server = await setup.listen(app, config.PORT, config.HOST);
    logger.info({ port: portOf(server), kid: keys.current.kid, alg: keys.current.alg }, 'auth listening');
    return {};
  });
}

const auth = entryPoint('auth', startAuth);
/** Starts the auth service; `overrides` are merged over process.env (tests pass PORT '0', a unique MONGO_DB...). */
export const start = auth.start;
/** Stops every auth service `start()` made in this process. */
export const stop = auth.stop;

if (require.main === module) void auth.run();
