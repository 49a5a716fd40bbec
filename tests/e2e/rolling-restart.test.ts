import { randomUUID } from 'node:crypto';
import type { ServiceName } from '@app/launcher/stack';
import { Supervisor } from '@app/launcher/supervisor';
import { registerAndLogin, useE2EStack, type Account } from '@app/testkit/e2e-stack';
import { bearer } from '@app/testkit/http';
import { makePdf } from '@app/testkit/pdf';
import { waitFor } from '@app/testkit/wait';

// Every request of the load is its own user's, far under any limit that would answer 429.
const stack = useE2EStack(
  {
    env: {
      RATE_LIMIT_PER_USER_PER_MINUTE: '1000000',
      RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '1000000',
      // The bound must cover a restart: on a shared two-core test machine a service takes seconds to start.
      GATEWAY_UPSTREAM_RETRY_MS: '60000',
    },
  },
  120_000,
);

type Operation = 'read' | 'list' | 'create' | 'update' | 'qa-status' | 'login';
/** What each operation of the load is served by, and the only statuses it may answer. */
const OPERATIONS: Record<Operation, { service: ServiceName; expected: number[] }> = {
  read: { service: 'records', expected: [200] },
  list: { service: 'records', expected: [200] },
  create: { service: 'records', expected: [201] },
  update: { service: 'records', expected: [200] },
  'qa-status': { service: 'qa', expected: [200] },
  login: { service: 'auth', expected: [200] },
};
const MIX: Operation[] = ['read', 'create', 'read', 'qa-status', 'list', 'update', 'read', 'login'];

interface Answer {
  operation: Operation;
  status: number | string;
  cache?: string | null;
}

interface Fixture {
  account: Account;
  recordId: number;
  jobId: string;
}

/** A few clients sending the mix in a loop through the gateway until `stop()`; every answer is kept. */
function steadyLoad(fixture: Fixture, clients: number) {
  const answers: Answer[] = [];
  const created: Array<{ key: string; description: string; id: number }> = [];
  let running = true;
  let sequence = 0;
  const url = stack.gatewayUrl;
  const auth = bearer(fixture.account.token);
  const json = { ...auth, 'content-type': 'application/json' };

  const send = async (operation: Operation): Promise<Answer> => {
    const n = sequence++;
    switch (operation) {
      case 'read': {
        const response = await fetch(`${url}/records/${fixture.recordId}`, { headers: auth });
        await response.arrayBuffer();
        return { operation, status: response.status, cache: response.headers.get('x-cache') };
      }
      case 'list': {
        const response = await fetch(`${url}/records/?limit=5`, { headers: auth });
        await response.arrayBuffer();
        return { operation, status: response.status, cache: response.headers.get('x-cache') };
      }
      case 'create': {
        // The key a careful client sends, so that a create it sends again is made once.
        const key = randomUUID();
        const description = `load ${n}`;
        const response = await fetch(`${url}/records/`, {
          method: 'POST',
          headers: { ...json, 'idempotency-key': key },
          body: JSON.stringify({ option_type: 'load', description, status: 'active' }),
        });
        const body = (await response.json()) as { id?: number };
        if (response.status === 201 && body.id !== undefined) created.push({ key, description, id: body.id });
        return { operation, status: response.status };
      }
      case 'update': {
        const response = await fetch(`${url}/records/${fixture.recordId}`, {
          method: 'PUT',
          headers: json,
          body: JSON.stringify({ description: `updated ${n}` }),
        });
        await response.arrayBuffer();
        return { operation, status: response.status };
      }
      case 'qa-status': {
        const response = await fetch(`${url}/qa/jobs/${fixture.jobId}`, { headers: auth });
        await response.arrayBuffer();
        return { operation, status: response.status };
      }
      case 'login': {
        const response = await fetch(`${url}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ username: fixture.account.username, password: fixture.account.password }).toString(),
        });
        await response.arrayBuffer();
        return { operation, status: response.status };
      }
    }
  };

  const client = async (offset: number) => {
    for (let i = offset; running; i++) {
      const operation = MIX[i % MIX.length]!;
      try {
        answers.push(await send(operation));
      } catch (err) {
        answers.push({ operation, status: `connection error: ${String((err as Error).cause ?? err)}` });
      }
    }
  };
  const done = Promise.all(Array.from({ length: clients }, (_, i) => client(i * 3)));
  return {
    answers,
    created,
    /** Answers so far from operations served by `service`. */
    servedBy: (service: ServiceName) => answers.filter((a) => OPERATIONS[a.operation].service === service).length,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

/** The gateway's retry counter, by reason, from its /metrics. */
async function gatewayRetries(): Promise<Record<string, number>> {
  const text = await (await fetch(`${stack.gatewayUrl}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^gateway_upstream_retries_total\{([^}]*)\} (\d+)/gm)) {
    const labels = match[1]!;
    const upstream = /upstream="([^"]+)"/.exec(labels)?.[1];
    const reason = /reason="([^"]+)"/.exec(labels)?.[1];
    counts[`${upstream} ${reason}`] = Number(match[2]);
  }
  return counts;
}

describe('restarting each service in turn under steady load through the gateway', () => {
  it('when auth, records, qa and the worker are each stopped with SIGTERM and started again by the launcher, then every answer is an expected one and no create is lost or doubled', async () => {
    const account = await registerAndLogin(stack.gatewayUrl, 'rollout');
    const record = await fetch(`${stack.gatewayUrl}/records/`, {
      method: 'POST',
      headers: { ...bearer(account.token), 'content-type': 'application/json' },
      body: JSON.stringify({ option_type: 'load', description: 'read and updated by the load', status: 'active' }),
    });
    expect(record.status).toBe(201);
    const recordId = ((await record.json()) as { id: number }).id;
    const submitJob = async (label: string) => {
      const form = new FormData();
      for (const part of ['resume', 'jd'] as const) {
        const pdf = await makePdf([`${label} ${part}`, 'TypeScript, Node.js, MongoDB, Redis, RabbitMQ.']);
        form.append(part, new Blob([pdf], { type: 'application/pdf' }), `${part}.pdf`);
      }
      const response = await fetch(`${stack.gatewayUrl}/qa/generate`, { method: 'POST', headers: bearer(account.token), body: form });
      expect(response.status).toBe(202);
      return ((await response.json()) as { id: string }).id;
    };
    const jobId = await submitJob('status');

    // The launcher's own supervisor restarts a service that exits without having been asked to.
    const supervisor = new Supervisor(
      Object.values(stack.services),
      { backoffMs: 500, backoffMaxMs: 500, maxCrashes: 100, windowMs: 60_000 },
      {
        log: () => undefined,
        gaveUp: () => undefined,
      },
    );
    const load = steadyLoad({ account, recordId, jobId }, 4);
    const restarted: Array<{ service: ServiceName; readyAfterMs: number; answersMeanwhile: number }> = [];
    let workerJob: string | undefined;
    try {
      await waitFor('the load to run', () => load.answers.length >= 40, 60_000);
      for (const name of ['auth', 'records', 'qa', 'qa-worker'] as const) {
        const service = stack.services[name];
        const pid = service.pid!;
        // A job in the queue while the worker restarts: it is finished before the stop or handed back, once.
        if (name === 'qa-worker') workerJob = await submitJob('worker restart');
        const answersBefore = load.answers.length;
        const stopped = Date.now();
        process.kill(pid, 'SIGTERM');
        await waitFor(`${name} started again`, () => service.pid !== pid && service.running, 60_000);
        await service.waitReady(60_000, name === 'qa-worker' ? '/health' : '/ready', { whileRestarted: true });
        const readyAfterMs = Date.now() - stopped;
        // Counted, not timed: the restarted service has served a good number of the load's requests.
        const served = name === 'qa-worker' ? 0 : load.servedBy(name);
        if (name !== 'qa-worker') await waitFor(`answers from the new ${name}`, () => load.servedBy(name) >= served + 20, 60_000);
        restarted.push({ service: name, readyAfterMs, answersMeanwhile: load.answers.length - answersBefore });
      }
    } finally {
      await load.stop();
      supervisor.stop();
    }

    const byStatus: Record<string, number> = {};
    for (const answer of load.answers) {
      const key = `${answer.operation} ${answer.status}${answer.cache ? ` ${answer.cache}` : ''}`;
      byStatus[key] = (byStatus[key] ?? 0) + 1;
    }
    const retries = await gatewayRetries();
    console.info(JSON.stringify({ answers: load.answers.length, byStatus, retries, restarted }, null, 1));

    const unexpected = load.answers.filter((a) => !OPERATIONS[a.operation].expected.includes(a.status as number));
    expect(unexpected).toEqual([]);
    expect(restarted.map((r) => r.service)).toEqual(['auth', 'records', 'qa', 'qa-worker']);
    // The restarts were covered by retries, and both cached and uncached reads were served throughout.
    expect(Object.values(retries).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(byStatus['read 200 HIT']).toBeGreaterThan(0);
    expect(byStatus['read 200 MISS'] ?? 0).toBeGreaterThan(0);

    // Every create answered 201 is stored once: the records of the user are the fixture and those creates.
    const stored: Array<{ id: number; description: string }> = [];
    for (let page = 1; ; page++) {
      const response = await fetch(`${stack.gatewayUrl}/records/?limit=100&page=${page}`, {
        headers: { ...bearer(account.token), 'cache-control': 'no-cache' },
      });
      const body = (await response.json()) as { items: Array<{ id: number; description: string }> };
      stored.push(...body.items);
      if (body.items.length < 100) break;
    }
    const loadRecords = stored.filter((r) => r.id !== recordId);
    expect(loadRecords.map((r) => r.id).sort((a, b) => a - b)).toEqual(load.created.map((c) => c.id).sort((a, b) => a - b));
    expect(new Set(loadRecords.map((r) => r.description)).size).toBe(loadRecords.length);

    // The job queued across the worker's restart completes, once.
    const job = await waitFor(
      'the job queued across the worker restart to complete',
      async () => {
        const body = (await (await fetch(`${stack.gatewayUrl}/qa/jobs/${workerJob}`, { headers: bearer(account.token) })).json()) as {
          status: string;
          attempts?: number;
        };
        return ['completed', 'failed'].includes(body.status) ? body : undefined;
      },
      120_000,
    );
    expect(job.status).toBe('completed');
  }, 600_000);
});
