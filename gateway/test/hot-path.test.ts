import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { startRedis, type NativeServer } from '@app/infra';
import { freePort } from '@app/launcher/stack';
import { bearer } from '@app/testkit/http';
import { signToken, startHarness, type Harness } from './support';

interface Seen {
  server: 'main' | 'cache';
  command: string;
}

/** Records every command both Redis servers receive while `run` runs, through MONITOR. */
async function commandsDuring(servers: Record<'main' | 'cache', string>, run: () => Promise<void>): Promise<Seen[]> {
  const seen: Seen[] = [];
  const monitors = await Promise.all(
    (Object.entries(servers) as Array<['main' | 'cache', string]>).map(async ([server, url]) => {
      const client = new Redis(url);
      const monitor = await client.monitor();
      // Calls made inside a script show up with the source "lua": they are not commands a client sent.
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        if (source !== 'lua') seen.push({ server, command: `${args[0]}`.toUpperCase() });
      });
      return { client, monitor };
    }),
  );
  // MONITOR takes effect when its reply comes back; a round trip on each makes sure it has.
  await Promise.all(monitors.map(({ client }) => client.ping()));
  await run();
  await new Promise((r) => setTimeout(r, 100));
  for (const { client, monitor } of monitors) {
    monitor.disconnect();
    client.disconnect();
  }
  return seen.filter((s) => s.command !== 'PING');
}

describe('the hot path', () => {
  let main: NativeServer;
  let cache: NativeServer;
  let h: Harness;
  beforeAll(async () => {
    const [mainPort, cachePort] = [await freePort(), await freePort()];
    main = await startRedis({ port: mainPort, name: `redis-test-${mainPort}`, policy: 'noeviction', maxMemory: '32mb' });
    cache = await startRedis({ port: cachePort, name: `redis-test-${cachePort}`, policy: 'allkeys-lru', maxMemory: '32mb' });
    // The harness has its own exchange, so no other test's events cause commands on these servers while they are counted.
    h = await startHarness({ REDIS_URL: main.url, REDIS_CACHE_URL: cache.url });
  }, 30_000);
  afterAll(async () => {
    await h.close();
    await Promise.all([main.stop(), cache.stop()]);
  });

  it.each(['/cached-data', '/records/?limit=5', '/auth/me'])(
    'when %s is a cache HIT, then it costs at most two Redis commands across both servers',
    async (path) => {
      const token = signToken(h.key, { sub: `user-${randomUUID()}` });
      expect((await fetch(`${h.url}${path}`, { headers: bearer(token) })).headers.get('x-cache')).toBe('MISS');
      expect((await fetch(`${h.url}${path}`, { headers: bearer(token) })).headers.get('x-cache')).toBe('HIT');

      const hits = 10;
      const seen = await commandsDuring({ main: main.url, cache: cache.url }, async () => {
        for (let i = 0; i < hits; i++) {
          const response = await fetch(`${h.url}${path}`, { headers: bearer(token) });
          expect(response.headers.get('x-cache')).toBe('HIT');
          await response.arrayBuffer();
        }
      });
      expect(seen.length).toBeLessThanOrEqual(2 * hits);
      // One script on each server per request: admission on the main Redis, the lookup on the cache's.
      expect(seen.filter((s) => s.server === 'main')).toHaveLength(hits);
      expect(seen.filter((s) => s.server === 'cache')).toHaveLength(hits);
      expect(new Set(seen.map((s) => s.command))).toEqual(new Set(['EVALSHA']));
    },
  );

  it('when a request is proxied without caching, then it costs one Redis command', async () => {
    const token = signToken(h.key);
    await fetch(`${h.url}/qa/jobs/1`, { headers: bearer(token) });
    const seen = await commandsDuring({ main: main.url, cache: cache.url }, async () => {
      for (let i = 0; i < 5; i++) await (await fetch(`${h.url}/qa/jobs/1`, { headers: bearer(token) })).arrayBuffer();
    });
    expect(seen).toHaveLength(5);
    expect(seen.every((s) => s.server === 'main')).toBe(true);
  });
});
