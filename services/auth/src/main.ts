// First of all: when this file runs as a program with tracing configured, the instrumentations
// must be in place before express, ioredis, mongodb and amqplib load (keep these lines on top).
import { traceProcess } from '@app/common/tracing';
traceProcess('auth', module);
import { dependency, EventOutbox, identityKeys, type EventOf, type RunningProcess } from '@app/common';
import { mongoOutboxStore } from '@app/common/mongo';
import { startService, type ServiceApp } from '@app/common/service';
import { loadAuthConfig } from './config';
import { MemoryAttemptStore, RedisAttemptStore } from './data/attempt-store';
import { MongoRefreshTokenRepository } from './data/refresh-token-repository';
import { RedisRevocationStore } from './data/revocation-store';
import { MongoUserRepository } from './data/user-repository';
import { AccessTokens } from './domain/access-tokens';
import { Accounts } from './domain/accounts';
import { ClientRegistry } from './domain/clients';
import { ScopePolicy } from './domain/scopes';
import { LoginThrottle } from './domain/login-throttle';
import { warmUpPasswordHashing } from './domain/passwords';
import { Sessions, type LoginResult } from './domain/sessions';
import { loadKeyRing } from './domain/signing-keys';
import { OutboxAuthEvents } from './events/auth-events';
import { authRoutes } from './http/auth-routes';
import { authOpenApi } from './openapi';

export type RunningService = RunningProcess;

const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

const auth = startService('auth', loadAuthConfig, async (setup) => {
  const { config, logger, metrics } = setup;
  const keys = loadKeyRing(config.keys);
  if (config.seedUsersIgnored) logger.warn('SEED_USERS is ignored when NODE_ENV=production');
  const loginCounter = metrics.counter('auth_logins_total', 'Login attempts by result', ['result'] as const);

  const mongo = setup.mongo();
  const redis = setup.redis(config.REDIS_URL, 'auth');
  const bus = setup.eventBus();
  await bus.start();
  // Every event is written to the outbox with its change and relayed from there with confirms.
  const outbox = new EventOutbox<EventOf<'auth'>>(mongoOutboxStore(mongo), bus, logger, {
    sweepMs: config.OUTBOX_SWEEP_MS,
    published: metrics.counter('auth_events_published_total', 'Domain events published from the outbox', ['type']),
  });
  outbox.start();
  setup.onStop('outbox relay', () => outbox.stop());

  const users = new MongoUserRepository(mongo);
  const refreshTokens = new MongoRefreshTokenRepository(mongo);
  const revocations = new RedisRevocationStore(redis, logger, config.ACCESS_TOKEN_TTL_SECONDS);
  const events = new OutboxAuthEvents(outbox);
  const accessTokens = new AccessTokens(keys, {
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
  });
  const throttle = new LoginThrottle(
    new RedisAttemptStore(redis),
    new MemoryAttemptStore(),
    () => redis.status === 'ready',
    logger,
    config.LOGIN_LIMIT_KEY_PREFIX,
    config.throttle,
  );
  const accountService = new Accounts({ users, refreshTokens, revocations, events, throttle, logger });
  const scopes = new ScopePolicy(config.OAUTH_SCOPES);
  const sessionService = new Sessions({
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

  const app: ServiceApp = {
    // Users live in MongoDB; without Redis login limits count in memory, events wait in the outbox.
    dependencies: [dependency.mongodb(mongo, 'required'), dependency.redis(redis, 'degradable'), dependency.rabbitmq(bus, 'degradable')],
    openApi: authOpenApi(),
    routes: (routes) =>
      routes.use(
        authRoutes({
          identitySecret: identityKeys(config),
          issuer: config.JWT_ISSUER,
          accounts: accountService,
          sessions: sessionService,
          clients: new ClientRegistry(config.oauthClients),
          scopes,
          keys,
        }),
      ),
  };

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

  await setup.serve(app, config.PORT, { kid: keys.current.kid, alg: keys.current.alg });
  return {};
});

/** Starts the auth service; `overrides` are merged over process.env (tests pass PORT '0', a unique MONGO_DB...). */
export const start = auth.start;
/** Stops every auth service `start()` made in this process. */
export const stop = auth.stop;

if (require.main === module) void auth.run();
