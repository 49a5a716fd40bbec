import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { startRedisCluster, startRedisSentinel, type RedisTopology } from '@app/infra/redis-topologies';
import { registerAndLogin, startE2EStack, type E2EStack } from '@app/testkit/e2e-stack';
import { bearer } from '@app/testkit/http';
import { waitFor } from '@app/testkit/wait';

// The services against Redis as production scales it: a Redis Cluster of three masters, and a
// master with a replica behind three sentinels, each started here from Debian's redis-server.

const examples = join(__dirname, '..', '..', 'examples');
let resume: Buffer;
let jd: Buffer;
beforeAll(async () => {
  [resume, jd] = await Promise.all([readFile(join(examples, 'S_Sangeetha.pdf')), readFile(join(examples, 'Data_Quality_Analyst.pdf'))]);
});

/**
 * A describe block's Redis topology, started before its tests with every service on it (queue, cache,
 * rate limits, revocations alike), and both stopped after them. What it returns stands for them from
 * beforeAll on.
 */
function useStackOn<T extends RedisTopology>(startTopology: () => Promise<T>): { topology: T; stack: E2EStack } {
  const on = {} as { topology: T; stack: E2EStack };
  beforeAll(async () => {
    on.topology = await startTopology();
    // Every upload its own job: the runs below count jobs.
    on.stack = await startE2EStack({
      infra: { REDIS_URL: on.topology.url, REDIS_CACHE_URL: on.topology.url },
      env: { QA_DEDUP_WINDOW_SECONDS: '0', QA_MAX_ACTIVE_JOBS_PER_USER: '1000' },
    });
  }, 180_000);
  afterAll(async () => {
    await on.stack?.stop();
    await on.topology?.stop();
  }, 60_000);
  return on;
}

async function upload(gateway: string, token: string, wait = 0): Promise<Response> {
  const form = new FormData();
  form.append('resume', new Blob([new Uint8Array(resume)], { type: 'application/pdf' }), 'resume.pdf');
  form.append('jd', new Blob([new Uint8Array(jd)], { type: 'application/pdf' }), 'jd.pdf');
  return fetch(`${gateway}/qa/generate`, { method: 'POST', headers: { ...bearer(token), ...(wait ? { prefer: `wait=${wait}` } : {}) }, body: form });
}

async function addRecord(gateway: string, token: string, description: string): Promise<Response> {
  return fetch(`${gateway}/records/`, {
    method: 'POST',
    headers: { ...bearer(token), 'content-type': 'application/json' },
    body: JSON.stringify({ option_type: 'opportunity', description, status: 'active' }),
  });
}

describe('Redis Cluster (three masters)', () => {
  const on = useStackOn(startRedisCluster);

  it('when a user reads, reads again and writes, then MISS, HIT, and the read after the write shows it', async () => {
    const user = await registerAndLogin(on.stack.gatewayUrl, 'cluster');
    const list = () => fetch(`${on.stack.gatewayUrl}/records/?limit=50`, { headers: bearer(user.token) });
    const first = await list();
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('MISS');
    const second = await list();
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(await second.text()).toBe(await first.text());
    expect((await addRecord(on.stack.gatewayUrl, user.token, 'written on a cluster')).status).toBe(201);
    const after = await list();
    expect(after.headers.get('x-cache')).toBe('MISS');
    expect(await after.text()).toContain('written on a cluster');
  });

  it('when a QA upload is sent, then its job is queued on the cluster under the {bull} hash tag and the worker completes it', async () => {
    const user = await registerAndLogin(on.stack.gatewayUrl, 'cluster-qa');
    const answer = await upload(on.stack.gatewayUrl, user.token, 60);
    expect(answer.status).toBe(200);
    const job = (await answer.json()) as { id: string; status: string };
    expect(job.status).toBe('completed');
    // BullMQ's keys all live in the slot of {bull}: its multi-key scripts run on one node.
    const client = new Cluster(on.topology.ports.map((port) => ({ host: '127.0.0.1', port })));
    try {
      const slot = await client.cluster('KEYSLOT', '{bull}');
      const keys = (await Promise.all(client.nodes('master').map((node) => node.keys('*bull*')))).flat();
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        expect(key.startsWith('{bull}:')).toBe(true);
        expect(await client.cluster('KEYSLOT', key)).toBe(slot);
      }
    } finally {
      client.disconnect();
    }
  }, 90_000);
});

describe('Redis through Sentinel (a master, a replica, three sentinels)', () => {
  const on = useStackOn(startRedisSentinel);

  it('when the master fails over in the middle of a run, then no accepted job and no invalidation is lost', async () => {
    const gateway = on.stack.gatewayUrl;
    const user = await registerAndLogin(gateway, 'sentinel');
    const accepted: string[] = [];
    const stale: string[] = [];
    let failedOver = false;
    let acceptedBefore = 0;
    let refused = 0;
    let failoverError: Error | undefined;
    const failover = (async () => {
      await new Promise((r) => setTimeout(r, 1500));
      await on.topology.failover();
      failedOver = true;
    })().catch((err: unknown) => {
      failoverError = err instanceof Error ? err : new Error(String(err));
    });
    let round = 0;
    let roundsAfter = 0;
    // Rounds go on through the failover and for a while after it: each uploads a job, writes a
    // record and reads the cached list, which must show the record once the write was answered.
    while (roundsAfter < 20) {
      round += 1;
      if (failedOver) roundsAfter += 1;
      const job = await upload(gateway, user.token);
      // A refused upload (503 while Redis moves) was not accepted: the client was told to retry.
      if (job.status === 202) {
        accepted.push(((await job.json()) as { id: string }).id);
        if (!failedOver) acceptedBefore += 1;
      } else {
        expect(job.status).toBe(503);
        refused += 1;
      }
      const description = `round ${round}`;
      const written = await addRecord(gateway, user.token, description);
      if (written.status !== 201) continue;
      const read = await fetch(`${gateway}/records/?limit=5&sort=-createdAt`, { headers: bearer(user.token) });
      if (read.status === 200 && !(await read.text()).includes(`"${description}"`)) stale.push(`${description}: ${read.headers.get('x-cache')}`);
      if (failoverError) throw failoverError;
    }
    await failover;
    expect(stale).toEqual([]);
    // Jobs were accepted on both sides of the failover; few uploads were refused while it ran.
    expect(acceptedBefore).toBeGreaterThan(0);
    expect(accepted.length - acceptedBefore).toBeGreaterThanOrEqual(15);
    expect(refused).toBeLessThan(20);
    // Every accepted job is done, by the worker that lived through the failover.
    await waitFor(
      'every accepted job to complete',
      async () => {
        const states = await Promise.all(
          accepted.map(
            async (id) => ((await (await fetch(`${gateway}/qa/jobs/${id}`, { headers: bearer(user.token) })).json()) as { status: string }).status,
          ),
        );
        return states.every((state) => state === 'completed') ? states : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
  }, 240_000);
});
