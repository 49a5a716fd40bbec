import { AMQP_URL, REDIS_URL } from '@app/testkit/servers';
import { bearer } from '@app/testkit/http';
import { TcpProxy } from '@app/testkit/tcp-proxy';
import { waitFor } from '@app/testkit/wait';
import { signToken, startHarness, type Harness } from './support';

interface ReadyBody {
  status?: string;
  checks?: Record<string, string>;
  degraded?: string[];
  error?: { code: string; details: { checks: Record<string, string>; degraded: string[] } };
}

async function ready(url: string): Promise<{ status: number; body: ReadyBody }> {
  const response = await fetch(`${url}/ready`);
  return { status: response.status, body: (await response.json()) as ReadyBody };
}

function through(proxy: TcpProxy, url: string): string {
  const target = new URL(url);
  target.host = `127.0.0.1:${proxy.port}`;
  return target.toString();
}

const portOf = (url: string, fallback: number) => Number(new URL(url).port) || fallback;

describe('the gateway when a degradable store goes away', () => {
  // Forwarders in front of the shared servers: cutting one is this gateway's outage alone.
  const cache = new TcpProxy(portOf(REDIS_URL, 6379), new URL(REDIS_URL).hostname);
  const queue = new TcpProxy(portOf(REDIS_URL, 6379), new URL(REDIS_URL).hostname);
  const broker = new TcpProxy(portOf(AMQP_URL, 5672), new URL(AMQP_URL).hostname);
  let h: Harness;

  beforeAll(async () => {
    await Promise.all([cache.open(), queue.open(), broker.open()]);
    h = await startHarness({
      REDIS_URL: through(queue, REDIS_URL),
      REDIS_CACHE_URL: through(cache, REDIS_URL),
      AMQP_URL: through(broker, AMQP_URL),
      CACHE_REDIS_TIMEOUT_MS: '200',
    });
    await waitFor('the gateway to be ready', async () => ((await ready(h.url)).status === 200 ? true : undefined), 15_000);
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all([cache.close(), queue.close(), broker.close()]);
  });

  it('when everything is up, then /ready is 200 "ready" and every dependency has a gauge at 1', async () => {
    const { status, body } = await ready(h.url);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ready', checks: { redis: 'up', 'redis-cache': 'up', rabbitmq: 'up', 'auth-jwks': 'up' }, degraded: [] });
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/dependency_up\{dependency="redis-cache",need="degradable",service="gateway"\} 1/);
    expect(metrics).toMatch(/dependency_up\{dependency="auth-jwks",need="required",service="gateway"\} 1/);
  });

  it('when the cache Redis is cut, then /ready stays 200 listing it down, the gauge says 0, and requests are still served', async () => {
    await cache.close();
    try {
      const { status, body } = await waitFor(
        'the cache Redis to show as down',
        async () => {
          const answer = await ready(h.url);
          return answer.body.checks?.['redis-cache'] === 'down' ? answer : undefined;
        },
        10_000,
      );
      expect(status).toBe(200);
      expect(body).toMatchObject({ status: 'degraded', degraded: ['redis-cache'], checks: { redis: 'up', 'auth-jwks': 'up' } });
      const metrics = await (await fetch(`${h.url}/metrics`)).text();
      expect(metrics).toMatch(/dependency_up\{dependency="redis-cache",need="degradable",service="gateway"\} 0/);
      const response = await fetch(`${h.url}/records/`, { headers: bearer(signToken(h.key)) });
      expect(response.status).toBe(200);
    } finally {
      await cache.open();
    }
    await waitFor('the cache Redis to be back', async () => ((await ready(h.url)).body.status === 'ready' ? true : undefined), 15_000);
  });

  it('when the queue Redis and the broker are cut as well, then /ready is still 200 and names all three', async () => {
    await Promise.all([cache.close(), queue.close(), broker.close()]);
    try {
      const { status, body } = await waitFor(
        'the three to show as down',
        async () => {
          const answer = await ready(h.url);
          return answer.body.degraded?.length === 3 ? answer : undefined;
        },
        10_000,
      );
      expect(status).toBe(200);
      expect([...body.degraded!].sort()).toEqual(['rabbitmq', 'redis', 'redis-cache']);
      expect(body.checks!['auth-jwks']).toBe('up');
      expect((await fetch(`${h.url}/records/`, { headers: bearer(signToken(h.key)) })).status).toBe(200);
    } finally {
      await Promise.all([cache.open(), queue.open(), broker.open()]);
    }
  });
});

describe('the gateway when a required dependency is away', () => {
  it('when auth cannot give it signing keys, then /ready is 503 naming auth-jwks, while /health stays 200', async () => {
    // Nothing listens on port 1: auth is down and the gateway has never had its keys.
    const h = await startHarness({ AUTH_URL: 'http://127.0.0.1:1' });
    try {
      const { status, body } = await ready(h.url);
      expect(status).toBe(503);
      expect(body.error).toMatchObject({ code: 'not_ready', details: { checks: { 'auth-jwks': 'down', redis: 'up' }, degraded: [] } });
      expect(body.error!.details.checks['auth-jwks']).toBe('down');
      const health = await fetch(`${h.url}/health`);
      expect(health.status).toBe(200);
    } finally {
      await h.close();
    }
  });
});

describe('the gateway with a management port (as the chart runs it)', () => {
  it('when /ready and /metrics are asked on the public port, then they are unknown there; on the management port they answer', async () => {
    const h = await startHarness({ MANAGEMENT_PORT: '0' });
    try {
      const management = `http://127.0.0.1:${h.gateway.managementPort}`;
      expect(h.gateway.managementPort).toBeGreaterThan(0);
      // Answered as any path the gateway does not have: 401 without a token, 404 with one.
      const unknown = await fetch(`${h.url}/no-such-path`);
      for (const path of ['/ready', '/metrics']) {
        expect([path, (await fetch(`${h.url}${path}`)).status]).toEqual([path, unknown.status]);
        const withToken = await fetch(`${h.url}${path}`, { headers: bearer(signToken(h.key)) });
        expect([path, withToken.status]).toEqual([path, 404]);
        expect(((await withToken.json()) as { error: { code: string } }).error.code).toBe('not_found');
      }
      expect((await fetch(`${h.url}/health`)).status).toBe(200);
      expect((await ready(management)).status).toBe(200);
      expect(await (await fetch(`${management}/metrics`)).text()).toContain('dependency_up{dependency="auth-jwks"');
      // The services' routes stay on the public port only.
      expect((await fetch(`${h.url}/records/`, { headers: bearer(signToken(h.key)) })).status).toBe(200);
      expect((await fetch(`${management}/records/`, { headers: bearer(signToken(h.key)) })).status).toBe(404);
    } finally {
      await h.close();
    }
  });
});
