import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createApiClient, startQa, unwrap } from '@app/client';
import { registerAndLogin, useE2EStack } from '@app/testkit/e2e-stack';
import { bearer } from '@app/testkit/http';
import { alertRules, dashboardExpressions, dashboards, metricNames } from '@app/testkit/monitoring';
import { waitFor } from '@app/testkit/wait';

// A small per-user limit, so that passing it takes a few dozen requests.
const PER_USER = 30;
const stack = useE2EStack({ env: { RATE_LIMIT_PER_USER_PER_MINUTE: String(PER_USER) } }, 120_000);

const PROCESSES = ['gateway', 'auth', 'records', 'qa', 'qa-worker'] as const;
type ProcessName = (typeof PROCESSES)[number];

async function scrape(name: ProcessName): Promise<string> {
  const url = name === 'gateway' ? stack.gatewayUrl : stack.services[name].url;
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function seriesOf(text: string): Series[] {
  const series: Series[] = [];
  for (const match of text.matchAll(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/gm)) {
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    series.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return series;
}

/** The sum of every series of `name` whose labels include `labels`. */
function total(text: string, name: string, labels: Record<string, string> = {}): number {
  return seriesOf(text)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/**
 * The names a process exposes: its series, and what its `# TYPE` lines declare (a labelled counter
 * with no series yet still says so), with a histogram's _bucket, _sum and _count.
 */
function declaredNames(text: string): Set<string> {
  const names = new Set(seriesOf(text).map((s) => s.name));
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name! + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name! + suffix);
  }
  return names;
}

describe('the metrics an operator reads, on the running processes', () => {
  it('when a user misses then hits the cache, creates and reads a record, and passes the rate limit, then the counters and histograms move under route templates', async () => {
    const before = { gateway: await scrape('gateway'), records: await scrape('records') };
    const user = await registerAndLogin(stack.gatewayUrl, 'metrics');
    const list = () => fetch(`${stack.gatewayUrl}/records/`, { headers: bearer(user.token) });
    expect((await list()).headers.get('x-cache')).toBe('MISS');
    expect((await list()).headers.get('x-cache')).toBe('HIT');
    const created = await fetch(`${stack.gatewayUrl}/records/`, {
      method: 'POST',
      headers: { ...bearer(user.token), 'content-type': 'application/json' },
      body: JSON.stringify({ option_type: 'lead', description: 'metered', status: 'active' }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: number };
    expect((await fetch(`${stack.gatewayUrl}/records/${id}`, { headers: bearer(user.token) })).status).toBe(200);
    let refused = 0;
    // The limit counts per fixed minute: a minute that turns mid-loop starts the count again, hence twice the limit.
    for (let i = 0; i < 2 * PER_USER + 5 && refused === 0; i++) {
      const response = await fetch(`${stack.gatewayUrl}/records/${id}`, { headers: bearer(user.token) });
      await response.arrayBuffer();
      if (response.status === 429) refused += 1;
    }
    expect(refused).toBe(1);

    const gateway = await scrape('gateway');
    const moved = (text: string, old: string, name: string, labels: Record<string, string>) => total(text, name, labels) - total(old, name, labels);
    // The cache's outcomes, by the rule that matched.
    const cacheRoutes = seriesOf(gateway)
      .filter((s) => s.name === 'gateway_cache_requests_total')
      .map((s) => s.labels.route);
    expect(cacheRoutes.every((route) => route?.startsWith('cache:'))).toBe(true);
    expect(moved(gateway, before.gateway, 'gateway_cache_requests_total', { result: 'miss' })).toBeGreaterThanOrEqual(1);
    expect(moved(gateway, before.gateway, 'gateway_cache_requests_total', { result: 'hit' })).toBeGreaterThanOrEqual(1);
    // Requests by gateway route and status: the create, and the refusal counted under its route, not as unmatched.
    expect(moved(gateway, before.gateway, 'http_request_duration_seconds_count', { method: 'POST', route: 'proxy:records', status: '201' })).toBe(1);
    expect(moved(gateway, before.gateway, 'http_request_duration_seconds_count', { method: 'GET', route: 'proxy:records', status: '429' })).toBe(1);
    expect(moved(gateway, before.gateway, 'gateway_rate_limited_total', { route: 'proxy:records', scope: 'user' })).toBe(1);
    // Its Redis round trips (rate limit, cache) are timed.
    expect(
      moved(gateway, before.gateway, 'store_request_duration_seconds_count', { store: 'redis', client: 'gateway', outcome: 'ok' }),
    ).toBeGreaterThan(0);

    const records = await scrape('records');
    const routes = new Set(
      seriesOf(records)
        .filter((s) => s.name === 'http_request_duration_seconds_count')
        .map((s) => s.labels.route!),
    );
    // Route templates only: the record's id is never a label value (bounded cardinality).
    expect([...routes].filter((route) => route.split('/').includes(String(id)))).toEqual([]);
    const recordRoute = [...routes].find((route) => route.includes(':'));
    expect(recordRoute).toBeDefined();
    // The reads the gateway's cache did not answer reached the service, counted under the template.
    expect(
      moved(records, before.records, 'http_request_duration_seconds_count', { method: 'GET', route: recordRoute!, status: '200' }),
    ).toBeGreaterThanOrEqual(1);
    expect(moved(records, before.records, 'http_request_duration_seconds_count', { method: 'POST', status: '201' })).toBe(1);
    expect(
      moved(records, before.records, 'store_request_duration_seconds_count', { store: 'mongodb', client: 'mongoose', operation: 'insert' }),
    ).toBeGreaterThan(0);
    // The outbox publishes record.created; the broker's confirm is timed, and the gateway consumes it to invalidate its cache.
    await waitFor('the record event to be confirmed and consumed', async () => {
      const [now, gatewayNow] = [await scrape('records'), await scrape('gateway')];
      return (
        moved(now, before.records, 'store_request_duration_seconds_count', { store: 'rabbitmq', operation: 'publish', outcome: 'ok' }) >= 1 &&
        moved(gatewayNow, before.gateway, 'events_consumed_total', { outcome: 'acked' }) >= 1
      );
    });
  }, 60_000);

  it('when an analysis job runs, then the worker observes its stages, its duration and its store round trips', async () => {
    const { token } = await registerAndLogin(stack.gatewayUrl, 'metrics-qa');
    const client = createApiClient({ baseUrl: stack.gatewayUrl, token });
    const pair = join(__dirname, '..', '..', 'packages', 'resume-analysis', 'fixtures', 'labelled', '02-data-analyst');
    const pdf = async (name: string) => ({ name, content: new Uint8Array(await readFile(join(pair, name))) });
    const job = await startQa(client, { resume: await pdf('resume.pdf'), jd: await pdf('jd.pdf') }, 30);
    const done = await waitFor(
      'the job to finish',
      async () => {
        const current = unwrap(await client.GET('/qa/jobs/{id}', { params: { path: { id: job.id } } }));
        return current.status === 'completed' && current;
      },
      // At most one read a second: this user is under the small per-user limit too.
      { timeoutMs: 30_000, intervalMs: 1000 },
    );
    expect(done.status).toBe('completed');
    const worker = await scrape('qa-worker');
    for (const stage of ['parse-resume', 'parse-jd', 'analyse']) {
      expect({ stage, count: total(worker, 'qa_job_stage_duration_seconds_count', { stage }) }).toEqual({ stage, count: 1 });
      expect(total(worker, 'qa_job_stage_duration_seconds_sum', { stage })).toBeGreaterThan(0);
    }
    expect(total(worker, 'qa_job_duration_seconds_count', { outcome: 'completed' })).toBe(1);
    expect(total(worker, 'store_request_duration_seconds_count', { store: 'mongodb' })).toBeGreaterThan(0);
    expect(total(worker, 'store_request_duration_seconds_count', { store: 'redis', client: 'changes' })).toBeGreaterThan(0);
    expect(seriesOf(worker).some((s) => s.name === 'qa_queue_jobs' && s.labels.state === 'waiting')).toBe(true);
    // The API's upload went through its queue's Redis (duplicates, usage limits, the job itself).
    expect(total(await scrape('qa'), 'store_request_duration_seconds_count', { store: 'redis', client: 'queue', outcome: 'ok' })).toBeGreaterThan(0);
  }, 60_000);

  it('when the alert rules and the dashboards are read, then every metric they name is exposed by a process of the stack, and every service they filter on exists', async () => {
    const texts = await Promise.all(PROCESSES.map(scrape));
    const exposed = new Set(texts.flatMap((text) => [...declaredNames(text)]));
    const services = new Set(texts.flatMap((text) => seriesOf(text).map((s) => s.labels.service)));
    expect([...services].sort()).toEqual([...PROCESSES].sort());
    const queries = [
      ...alertRules().map((rule) => ({ where: `alert ${rule.alert}`, expr: rule.expr })),
      ...Object.entries(dashboards()).flatMap(([name, dashboard]) =>
        dashboardExpressions(dashboard).map((e) => ({ where: `${name}: ${e.panel}`, expr: e.expr })),
      ),
    ];
    expect(queries.length).toBeGreaterThan(80);
    const missing = queries.flatMap(({ where, expr }) =>
      metricNames(expr)
        .filter((name) => !exposed.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(missing).toEqual([]);
    const filtered = queries.flatMap(({ expr }) => [...expr.matchAll(/service=~?"([^"]+)"/g)].flatMap((m) => m[1]!.split('|')));
    expect(filtered.filter((name) => !services.has(name))).toEqual([]);
  }, 30_000);
});
