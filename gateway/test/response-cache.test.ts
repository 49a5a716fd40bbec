import { randomUUID } from 'node:crypto';
import { EventBus, createLogger } from '@app/common';
import { startRedis, type NativeServer } from '@app/infra';
import { freePort } from '@app/launcher/stack';
import { bearer } from '@app/testkit/http';
import { AMQP_URL } from '@app/testkit/servers';
import { routesFor, signToken, startHarness, type Harness } from './support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const userToken = (sub = `user-${randomUUID()}`, username = 'ann') => signToken(h.key, { sub, username });
const upstreamCalls = (path: string) => h.records.seen.filter((r) => r.url.startsWith(path)).length;

describe('the per-user response cache', () => {
  it('when the same user asks twice, then the second answer is a HIT with the same body and never reaches the service', async () => {
    const token = userToken();
    const first = await fetch(`${h.url}/cached-data`, { headers: bearer(token) });
    const firstBody = await first.text();
    expect(first.headers.get('x-cache')).toBe('MISS');
    const calls = h.records.seen.length;
    const second = await fetch(`${h.url}/cached-data`, { headers: bearer(token) });
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(await second.text()).toBe(firstBody);
    expect(h.records.seen.length).toBe(calls);
    expect(second.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
    expect(second.headers.get('age')).toMatch(/^\d+$/);
    const etag = second.headers.get('etag')!;
    expect(etag).toBeTruthy();
    const conditional = await fetch(`${h.url}/cached-data`, { headers: { ...bearer(token), 'if-none-match': etag } });
    expect(conditional.status).toBe(304);
  });

  it('when two users ask at the same moment, then each gets their own entry', async () => {
    const [a, b] = await Promise.all([
      fetch(`${h.url}/cached-data`, { headers: bearer(userToken()) }).then((r) => r.json() as Promise<{ userId: string }>),
      fetch(`${h.url}/cached-data`, { headers: bearer(userToken()) }).then((r) => r.json() as Promise<{ userId: string }>),
    ]);
    expect(a.userId).not.toBe(b.userId);
  });

  it("when a client forges x-user-id, then it cannot read another user's entry", async () => {
    const victim = `user-${randomUUID()}`;
    await fetch(`${h.url}/cached-data`, { headers: bearer(userToken(victim)) });
    const attacker = await fetch(`${h.url}/cached-data`, { headers: { ...bearer(userToken()), 'x-user-id': victim } });
    expect(attacker.headers.get('x-cache')).toBe('MISS');
    expect(((await attacker.json()) as { userId: string }).userId).not.toBe(victim);
  });

  it('when the query is the same in another order, then it is the same entry', async () => {
    const token = userToken();
    await fetch(`${h.url}/records/?status=active&limit=5`, { headers: bearer(token) });
    const again = await fetch(`${h.url}/records?limit=5&status=active`, { headers: bearer(token) });
    expect(again.headers.get('x-cache')).toBe('HIT');
  });

  it('when the user writes through the gateway, then the next read is a MISS with fresh data, then a HIT', async () => {
    const token = userToken();
    expect((await fetch(`${h.url}/records/`, { headers: bearer(token) })).headers.get('x-cache')).toBe('MISS');
    expect((await fetch(`${h.url}/records/`, { headers: bearer(token) })).headers.get('x-cache')).toBe('HIT');
    const created = await fetch(`${h.url}/records/`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(created.status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    const after = await fetch(`${h.url}/records/`, { headers: bearer(token) });
    expect(after.headers.get('x-cache')).toBe('MISS');
    expect((await fetch(`${h.url}/records/`, { headers: bearer(token) })).headers.get('x-cache')).toBe('HIT');
  });

  it("when a record event arrives from RabbitMQ, then that user's entries are invalidated", async () => {
    const sub = `user-${randomUUID()}`;
    const token = userToken(sub);
    await fetch(`${h.url}/records/7`, { headers: bearer(token) });
    expect((await fetch(`${h.url}/records/7`, { headers: bearer(token) })).headers.get('x-cache')).toBe('HIT');
    const bus = new EventBus({ url: AMQP_URL, exchange: h.exchange, service: 'test', logger: createLogger('test', 'silent') });
    await bus.start();
    await bus.publish('record.updated', { userId: sub, recordId: 7 });
    await bus.close();
    let state = 'HIT';
    for (let i = 0; i < 50 && state === 'HIT'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = (await fetch(`${h.url}/records/7`, { headers: bearer(token) })).headers.get('x-cache') ?? '';
    }
    expect(state).toBe('MISS');
  });

  it('when the service answers other than 200 or says no-store, then nothing is kept', async () => {
    const token = userToken();
    h.records.handler = (req) =>
      req.url === '/records/404' ? { status: 404 } : req.url === '/records/555' ? { headers: { 'cache-control': 'no-store' } } : undefined;
    try {
      for (const path of ['/records/404', '/records/555']) {
        await fetch(h.url + path, { headers: bearer(token) });
        const before = upstreamCalls(path);
        const again = await fetch(h.url + path, { headers: bearer(token) });
        expect(again.headers.get('x-cache')).toBe('MISS');
        expect(upstreamCalls(path)).toBe(before + 1);
      }
    } finally {
      h.records.handler = undefined;
    }
  });

  it('when 100 requests miss the same cold key at once, then the service is called exactly once', async () => {
    const token = userToken();
    h.records.handler = (req) => (req.url === '/records/99' ? { delayMs: 200 } : undefined);
    try {
      const before = upstreamCalls('/records/99');
      const answers = await Promise.all(
        Array.from({ length: 100 }, () =>
          fetch(`${h.url}/records/99`, { headers: bearer(token) }).then(async (r) => ({ status: r.status, body: await r.text() })),
        ),
      );
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect(new Set(answers.map((a) => a.body)).size).toBe(1);
      expect(upstreamCalls('/records/99') - before).toBe(1);
    } finally {
      h.records.handler = undefined;
    }
  });

  it('when counters are read, then hits, misses and bypasses are in /metrics', async () => {
    const text = await (await fetch(`${h.url}/metrics`)).text();
    expect(text).toMatch(/gateway_cache_requests_total\{result="hit"[^}]*\} \d+/);
    expect(text).toMatch(/gateway_cache_requests_total\{result="miss"[^}]*\} \d+/);
  });
});

describe('the cache with its Redis away', () => {
  let redis: NativeServer;
  let g: Harness;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis({ port, name: `redis-test-${port}`, policy: 'allkeys-lru', maxMemory: '32mb' });
    g = await startHarness((urls) => ({
      REDIS_CACHE_URL: redis.url,
      CACHE_REDIS_TIMEOUT_MS: '100',
      GATEWAY_ROUTES: routesFor(urls, (routes) =>
        routes.map((r) => (r.name === 'cached-data-scope' ? { ...r, cache: [{ pattern: '/cached-data-scope', ttlSeconds: 1 }] } : r)),
      ),
    }));
  }, 30_000);
  afterAll(async () => {
    await g.close();
    await redis.stop();
  });

  it('when the TTL runs out, then a new answer is fetched', async () => {
    const token = signToken(g.key);
    expect((await fetch(`${g.url}/cached-data-scope`, { headers: bearer(token) })).headers.get('x-cache')).toBe('MISS');
    expect((await fetch(`${g.url}/cached-data-scope`, { headers: bearer(token) })).headers.get('x-cache')).toBe('HIT');
    await new Promise((r) => setTimeout(r, 1300));
    expect((await fetch(`${g.url}/cached-data-scope`, { headers: bearer(token) })).headers.get('x-cache')).toBe('MISS');
  });

  it('when the cache Redis stops, then answers keep coming as BYPASS, and HITs return once it is back', async () => {
    const token = signToken(g.key);
    await fetch(`${g.url}/cached-data`, { headers: bearer(token) });
    expect((await fetch(`${g.url}/cached-data`, { headers: bearer(token) })).headers.get('x-cache')).toBe('HIT');

    await redis.stop();
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const response = await fetch(`${g.url}/cached-data`, { headers: bearer(token) });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-cache')).toBe('BYPASS');
      expect(Date.now() - started).toBeLessThan(2000);
    }

    redis = await startRedis({ port, name: `redis-test-${port}`, policy: 'allkeys-lru', maxMemory: '32mb' });
    let state = '';
    for (let i = 0; i < 60 && state !== 'HIT'; i++) {
      await new Promise((r) => setTimeout(r, 250));
      state = (await fetch(`${g.url}/cached-data`, { headers: bearer(token) })).headers.get('x-cache') ?? '';
    }
    expect(state).toBe('HIT');
  }, 30_000);
});
