import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { createLogger, createMetrics, createServiceApp, dependency, startProcess, type RunningProcess } from '@app/common';
import { REDIS_URL } from '@app/testkit/servers';
import { TcpProxy } from '@app/testkit/tcp-proxy';
import { waitFor } from '@app/testkit/wait';

type Line = Record<string, unknown> & { msg: string; level: number };

/** A process with one required and one degradable Redis, each behind a forwarder the test can cut. */
async function startWithTwoRedis(managementPort?: number) {
  const target = new URL(REDIS_URL);
  const required = new TcpProxy(Number(target.port) || 6379, target.hostname);
  const degradable = new TcpProxy(Number(target.port) || 6379, target.hostname);
  await Promise.all([required.open(), degradable.open()]);
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n')) if (text) lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  const logger = createLogger('readiness-test', 'info', stream);
  const metrics = createMetrics('readiness-test');
  const running: RunningProcess = await startProcess({ logger, shutdownMs: 2000, managementPort }, async (setup) => {
    const options = { maxRetriesPerRequest: 1, retryStrategy: () => 100 };
    const store = setup.ownRedis(new Redis(`redis://127.0.0.1:${required.port}`, options), 'store');
    const cache = setup.ownRedis(new Redis(`redis://127.0.0.1:${degradable.port}`, options), 'cache');
    const app = createServiceApp({
      service: 'readiness-test',
      logger,
      metrics,
      dependencies: [dependency.redis(store, 'required', 'store'), dependency.redis(cache, 'degradable', 'cache')],
      routes: (a) => {
        a.get('/work', (_req, res) => {
          res.json({ ok: true });
        });
      },
    });
    await setup.listen(app, 0, '127.0.0.1');
    return {};
  });
  return {
    running,
    required,
    degradable,
    lines,
    close: async () => {
      await running.stop();
      await Promise.all([required.close(), degradable.close()]);
    },
  };
}

const readyOf = async (url: string) => {
  const response = await fetch(`${url}/ready`);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
};

describe('readiness: required and degradable dependencies', () => {
  let t: Awaited<ReturnType<typeof startWithTwoRedis>>;
  beforeAll(async () => {
    t = await startWithTwoRedis();
    await waitFor('both to be up', async () => ((await readyOf(t.running.url)).body.status === 'ready' ? true : undefined));
  });
  afterAll(async () => {
    await t.close();
  });

  it('when a degradable one goes down, then /ready stays 200 naming it, one warning is logged, and one line says when it is back', async () => {
    const from = t.lines.length;
    await t.degradable.close();
    const down = await waitFor('the cache to show as down', async () => {
      const answer = await readyOf(t.running.url);
      return answer.body.checks?.cache === 'down' ? answer : undefined;
    });
    expect(down.status).toBe(200);
    expect(down.body).toMatchObject({ status: 'degraded', checks: { store: 'up', cache: 'down' }, degraded: ['cache'] });
    // Asked again while still down: no second line.
    await readyOf(t.running.url);
    const warnings = t.lines.slice(from).filter((l) => l.dependency === 'cache' && l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ need: 'degradable', msg: 'cache is down: serving without it (degraded)' });

    await t.degradable.open();
    await waitFor('the cache to be back', async () => ((await readyOf(t.running.url)).body.status === 'ready' ? true : undefined), 10_000);
    expect(t.lines.slice(from).filter((l) => l.dependency === 'cache' && l.msg === 'cache is back')).toHaveLength(1);
  });

  it('when a required one goes down, then /ready is 503 naming it and /health stays 200', async () => {
    await t.required.close();
    try {
      const down = await waitFor('the store to show as down', async () => {
        const answer = await readyOf(t.running.url);
        return answer.status === 503 ? answer : undefined;
      });
      expect(down.body.error).toMatchObject({ code: 'not_ready', message: 'Not ready: store unavailable', details: { checks: { store: 'down' } } });
      expect((await fetch(`${t.running.url}/health`)).status).toBe(200);
      const metrics = await (await fetch(`${t.running.url}/metrics`)).text();
      expect(metrics).toMatch(/dependency_up\{dependency="store",need="required",service="readiness-test"\} 0/);
      expect(t.lines.some((l) => l.dependency === 'store' && l.msg === 'store is down: not ready')).toBe(true);
    } finally {
      await t.required.open();
    }
    await waitFor('the store to be back', async () => ((await readyOf(t.running.url)).status === 200 ? true : undefined), 10_000);
  });
});

describe('a management port (MANAGEMENT_PORT)', () => {
  it('when set, then /ready and /metrics answer there only, /health on both, and the service routes on the main port only', async () => {
    const t = await startWithTwoRedis(0);
    try {
      const { running } = t;
      expect(running.managementPort).toBeGreaterThan(0);
      expect(running.managementPort).not.toBe(running.port);
      const management = `http://127.0.0.1:${running.managementPort}`;
      await waitFor('ready on the management port', async () => ((await fetch(`${management}/ready`)).status === 200 ? true : undefined));
      expect((await fetch(`${management}/metrics`)).status).toBe(200);
      expect((await fetch(`${management}/health`)).status).toBe(200);
      expect((await fetch(`${management}/work`)).status).toBe(404);

      for (const path of ['/ready', '/metrics']) expect((await fetch(`${running.url}${path}`)).status).toBe(404);
      expect((await fetch(`${running.url}/health`)).status).toBe(200);
      expect((await fetch(`${running.url}/work`)).status).toBe(200);
    } finally {
      await t.close();
    }
    await expect(fetch(`http://127.0.0.1:${t.running.managementPort}/health`)).rejects.toThrow();
  });

  it('when unset, then there is no second listener and everything answers on the main port', async () => {
    const t = await startWithTwoRedis();
    try {
      expect(t.running.managementPort).toBeUndefined();
      await waitFor('ready', async () => ((await fetch(`${t.running.url}/ready`)).status === 200 ? true : undefined));
      expect((await fetch(`${t.running.url}/metrics`)).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
