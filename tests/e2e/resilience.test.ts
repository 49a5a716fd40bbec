import { brokerEnv, startFerretDb, startRabbitMq, startRedis, type NativeServer } from '@app/infra';
import { freePort } from '@app/launcher/stack';
import { registerAndLogin, startE2EStack, type E2EStack } from '@app/testkit/e2e-stack';
import { waitFor } from '@app/testkit/wait';

// This file owns its servers: it stops and starts them, which no other test may see.
let redis: NativeServer;
let rabbit: NativeServer;
let mongo: NativeServer;
let stack: E2EStack;
let token: string;
const ports = { redis: 0, rabbit: 0, mongo: 0 };

beforeAll(async () => {
  ports.redis = await freePort();
  ports.rabbit = await freePort();
  ports.mongo = await freePort();
  [redis, rabbit, mongo] = await Promise.all([
    startRedis({ port: ports.redis, name: `redis-e2e-${ports.redis}` }),
    startRabbitMq({ port: ports.rabbit, name: `rabbitmq-e2e-${ports.rabbit}`, harness: true }),
    startFerretDb({ port: ports.mongo, name: `ferretdb-e2e-${ports.mongo}` }),
  ]);
  stack = await startE2EStack({
    infra: { REDIS_URL: redis.url, REDIS_CACHE_URL: redis.url, ...brokerEnv(rabbit), MONGO_URL: mongo.url },
    // A stopped service is retried for this long before the gateway answers 502.
    env: { GATEWAY_UPSTREAM_RETRY_MS: '300' },
  });
  ({ token } = await registerAndLogin(stack.gatewayUrl));
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await Promise.all([redis?.stop(), rabbit?.stop(), mongo?.stop()]);
}, 60_000);

type Readiness = Record<string, { status: number; down: string[] }>;

async function readiness(): Promise<Readiness> {
  const result: Readiness = {};
  await Promise.all(
    Object.values(stack.services).map(async (service) => {
      const response = await fetch(`${service.url}/ready`, { signal: AbortSignal.timeout(5000) });
      const body = (await response.json()) as { checks?: Record<string, string>; error?: { details?: { checks?: Record<string, string> } } };
      const checks = body.checks ?? body.error?.details?.checks ?? {};
      result[service.name] = { status: response.status, down: Object.keys(checks).filter((k) => checks[k] === 'down') };
    }),
  );
  return result;
}

const eventually = (predicate: () => Promise<boolean>, timeoutMs: number) =>
  waitFor('the services to follow', predicate, { timeoutMs, intervalMs: 300 });

const allUp = async () => Object.values(await readiness()).every((r) => r.status === 200 && r.down.length === 0);

describe('when a server goes away and comes back, the services follow without a restart', () => {
  it('every /ready answers 200 listing its dependencies', async () => {
    const checks: Record<string, string[]> = {};
    for (const service of Object.values(stack.services)) {
      const body = (await (await fetch(`${service.url}/ready`)).json()) as { checks: Record<string, string> };
      checks[service.name] = Object.keys(body.checks).sort();
    }
    expect(checks.records).toEqual(expect.arrayContaining(['mongodb', 'rabbitmq']));
    expect(checks.auth).toEqual(expect.arrayContaining(['mongodb', 'rabbitmq', 'redis']));
    expect(checks.qa).toEqual(expect.arrayContaining(['mongodb', 'rabbitmq', 'redis']));
    expect(checks.gateway).toEqual(expect.arrayContaining(['rabbitmq', 'redis']));
  });

  it('Redis: qa and its worker (which need it) answer 503 naming redis, the gateway and auth stay ready and name it, then all 200 again', async () => {
    await redis.stop();
    await eventually(async () => {
      const r = await readiness();
      return ['gateway', 'auth', 'qa', 'qa-worker'].every((name) => r[name]!.down.includes('redis'));
    }, 15_000);
    const r = await readiness();
    expect([r.qa!.status, r['qa-worker']!.status]).toEqual([503, 503]);
    expect([r.gateway!.status, r.auth!.status, r.records!.status]).toEqual([200, 200, 200]);
    // The gateway keeps serving, uncached.
    const response = await fetch(`${stack.gatewayUrl}/records/`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-cache')).toBe('BYPASS');

    redis = await startRedis({ port: ports.redis, name: `redis-e2e-${ports.redis}` });
    await eventually(allUp, 30_000);
  }, 60_000);

  it('RabbitMQ: every service stays ready (events wait) and names rabbitmq as down, then all is up again', async () => {
    await rabbit.stop();
    await eventually(async () => Object.values(await readiness()).every((r) => r.down.includes('rabbitmq')), 20_000);
    expect(Object.values(await readiness()).map((r) => r.status)).toEqual(Object.values(stack.services).map(() => 200));
    // Writes still succeed while the broker is away; their events wait.
    const created = await fetch(`${stack.gatewayUrl}/records/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ option_type: 'o', description: 'while the broker is away', status: 'active' }),
    });
    expect(created.status).toBe(201);
    rabbit = await startRabbitMq({ port: ports.rabbit, name: `rabbitmq-e2e-${ports.rabbit}`, harness: true });
    await eventually(allUp, 45_000);
  }, 120_000);

  it('MongoDB: its users answer 503 naming mongodb, record routes 503 within 2 s, then all work again', async () => {
    await mongo.stop();
    await eventually(async () => {
      const r = await readiness();
      return ['auth', 'records', 'qa', 'qa-worker'].every((name) => r[name]!.status === 503 && r[name]!.down.includes('mongodb'));
    }, 15_000);
    const started = Date.now();
    const response = await fetch(`${stack.gatewayUrl}/records/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ option_type: 'o', description: 'd', status: 'active' }),
    });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('service_unavailable');

    mongo = await startFerretDb({ port: ports.mongo, name: `ferretdb-e2e-${ports.mongo}` });
    await eventually(allUp, 30_000);
    const again = await fetch(`${stack.gatewayUrl}/records/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ option_type: 'o', description: 'after the database came back', status: 'active' }),
    });
    expect(again.status).toBe(201);
  }, 60_000);

  it('a stopped service: once its retry bound has passed the gateway answers 502 JSON on its routes, the others keep working', async () => {
    await stack.services.records.stop();
    const started = Date.now();
    const response = await fetch(`${stack.gatewayUrl}/records/1`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('bad_gateway');
    expect((await fetch(`${stack.gatewayUrl}/auth/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    stack.services.records.start();
    await stack.services.records.waitReady();
    expect((await fetch(`${stack.gatewayUrl}/records/?limit=1`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  }, 60_000);
});
