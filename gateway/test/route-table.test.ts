import { randomUUID } from 'node:crypto';
import { ConfigError, EventBus, createLogger, domainEvents, eventTypes, eventTypesMatching, verifyIdentityProof } from '@app/common';
import { start } from '../src/main';
import { defaultRoutes, RouteTable, type RouteEntry } from '../src/routes/route-table';
import { bearer } from '@app/testkit/http';
import { AMQP_URL, REDIS_URL } from '@app/testkit/servers';
import { IDENTITY_SECRET, routesFor, signToken, startFakeService, startHarness, type FakeService, type Harness } from './support';

const defaults = () =>
  defaultRoutes({
    AUTH_URL: 'http://127.0.0.1:8001',
    RECORDS_URL: 'http://127.0.0.1:8002',
    QA_URL: 'http://127.0.0.1:8003',
    UPSTREAM_TIMEOUT_MS: 15_000,
    QA_UPSTREAM_TIMEOUT_MS: 70_000,
    QA_MAX_HELD_UPSTREAM_REQUESTS: 200,
    BODY_LIMIT_BYTES: 1024,
    QA_BODY_LIMIT_BYTES: 4096,
  });

describe('the route table', () => {
  it("when the default routes' invalidating events are listed, then the event catalogue names the gateway among each one's consumers", () => {
    const heard = new Set([...new RouteTable(defaults()).invalidationKeys(), 'token.revoked'].flatMap(eventTypesMatching));
    const listed = eventTypes.filter((type) => (domainEvents[type].consumers as readonly string[]).includes('gateway'));
    expect([...heard].sort()).toEqual([...listed].sort());
  });

  it('when built from the defaults, then it reproduces the routes: public auth paths, cache rules, invalidating events', () => {
    const table = new RouteTable(defaults());
    expect(table.match('/auth/login')?.public).toBe(true);
    expect(table.match('/auth/.well-known/jwks.json')?.public).toBe(true);
    // OAuth 2.0: clients reach the token, revocation and introspection endpoints and the metadata without a bearer token.
    for (const path of ['/auth/token', '/auth/revoke', '/auth/introspect', '/.well-known/oauth-authorization-server']) {
      expect(table.match(path)).toMatchObject({ service: 'auth', public: true });
    }
    expect(table.match('/.well-known/other')).toBeUndefined();
    expect(table.match('/auth/me')?.public).toBe(false);
    expect(table.match('/auth/logout')?.public).toBe(false);
    expect(table.match('/records')?.upstream.origin).toBe('http://127.0.0.1:8002');
    expect(table.match('/recordsx')).toBeUndefined();
    expect(table.match('/qa/generate')?.bodyLimitBytes).toBe(4096);
    expect(table.match('/qa/generate')?.timeoutMs).toBe(70_000);
    const records = table.match('/records/5')!;
    expect(table.cacheRule(records, 'GET', '/records/5')?.ttlSeconds).toBe(60);
    expect(table.cacheRule(records, 'GET', '/records/')?.ttlSeconds).toBe(60);
    expect(table.cacheRule(records, 'GET', '/records/5/x')).toBeUndefined();
    expect(table.cacheRule(records, 'POST', '/records')).toBeUndefined();
    expect(table.cacheRule(table.match('/cached-data')!, 'GET', '/cached-data')?.ttlSeconds).toBe(120);
    expect(table.cacheRule(table.match('/auth/me')!, 'GET', '/auth/me')?.ttlSeconds).toBe(60);
    expect(table.match('/qa/jobs/1')!.cache).toEqual([]);
    expect(table.match('/qa/jobs/1/events')!.held?.max).toBe(200);
    expect(table.match('/records')!.held).toBeUndefined();
    expect(table.groupsInvalidatedBy('record.created')).toEqual([records.upstream.group]);
    expect(table.groupsInvalidatedBy('qa.job.completed')).toEqual([table.match('/qa')!.upstream.group]);
    expect(table.groupsInvalidatedBy('user.deleted')).toHaveLength(3);
    expect(table.groupsInvalidatedBy('token.revoked')).toEqual([]);
  });

  const broken: Array<[string, (routes: RouteEntry[]) => unknown, RegExp]> = [
    [
      'an upstream with a path',
      (r) => r.map((e) => (e.name === 'records' ? { ...e, upstream: 'http://127.0.0.1:8002/api' } : e)),
      /route 9 "records".*origin only/,
    ],
    [
      'an upstream with credentials',
      (r) => r.map((e) => (e.name === 'qa' ? { ...e, upstream: 'http://u:p@127.0.0.1:8003' } : e)),
      /"qa".*origin only/,
    ],
    ['a non-HTTP upstream', (r) => r.map((e) => (e.name === 'qa' ? { ...e, upstream: 'file:///etc/passwd' } : e)), /"qa".*origin only/],
    ['a prefix that is not canonical', (r) => r.map((e) => (e.name === 'qa' ? { ...e, prefix: '/qa/../auth' } : e)), /"qa".*prefix/],
    ['a prefix with a trailing slash', (r) => r.map((e) => (e.name === 'qa' ? { ...e, prefix: '/qa/' } : e)), /"qa".*prefix/],
    ['the same prefix twice', (r) => [...r, { ...r[0]!, name: 'again' }], /"again".*already the prefix of route "auth-login"/],
    ['the same name twice', (r) => [...r, { ...r[0]!, prefix: '/other' }], /"auth-login".*same name/],
    [
      'a cache pattern outside the prefix',
      (r) => r.map((e) => (e.name === 'qa' ? { ...e, cache: [{ pattern: '/records/:id', ttlSeconds: 5 }] } : e)),
      /"qa".*cache pattern/,
    ],
    ['a misspelt field', (r) => r.map((e) => (e.name === 'qa' ? { ...e, publik: true } : e)), /"qa".*publik/],
    ['a missing timeout', (r) => r.map((e) => (e.name === 'qa' ? { ...e, timeoutMs: undefined } : e)), /"qa".*timeoutMs/],
    [
      'a negative TTL',
      (r) => r.map((e) => (e.name === 'records' ? { ...e, cache: [{ pattern: '/records', ttlSeconds: -1 }] } : e)),
      /"records".*ttlSeconds/,
    ],
    ['an event that is not a routing key', (r) => r.map((e) => (e.name === 'qa' ? { ...e, invalidatedBy: ['qa job'] } : e)), /"qa".*routing key/],
    ['no routes at all', () => [], /non-empty/],
    [
      'a bound on held requests the upstream sockets cannot leave room beside',
      (r) => r.map((e) => (e.name === 'qa' ? { ...e, held: { max: 256, patterns: [] } } : e)),
      /"qa".*held\.max/,
    ],
    [
      'a held pattern outside the prefix',
      (r) => r.map((e) => (e.name === 'qa' ? { ...e, held: { max: 10, patterns: ['/records/:id'] } } : e)),
      /"qa".*held pattern/,
    ],
  ];

  it.each(broken)('when an entry has %s, then the table is refused with a message naming the entry', (_name, change, message) => {
    expect(() => new RouteTable(change(defaults()))).toThrow(message);
  });

  it('when GATEWAY_ROUTES is wrong, then the gateway does not start and says which entry', async () => {
    const env = {
      AUTH_URL: 'http://127.0.0.1:1',
      RECORDS_URL: 'http://127.0.0.1:1',
      QA_URL: 'http://127.0.0.1:1',
      REDIS_URL,
      AMQP_URL,
      IDENTITY_SECRET,
      LOG_LEVEL: 'silent',
    };
    await expect(start({ ...env, GATEWAY_ROUTES: '[{"name":' })).rejects.toThrow(/GATEWAY_ROUTES is invalid: not JSON/);
    const wrong = JSON.stringify([{ name: 'billing', prefix: '/billing', upstream: 'http://127.0.0.1:9/x', timeoutMs: 1000, bodyLimitBytes: 10 }]);
    const error = await start({ ...env, GATEWAY_ROUTES: wrong }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toMatch(/GATEWAY_ROUTES is invalid: route 0 "billing"/);
  });
});

describe('adding a service is one entry', () => {
  let h: Harness;
  let billing: FakeService;
  beforeAll(async () => {
    billing = await startFakeService('billing');
    h = await startHarness((urls) => ({
      GATEWAY_ROUTES: routesFor(urls, (routes) => [
        ...routes,
        {
          name: 'billing',
          prefix: '/billing',
          upstream: billing.url,
          timeoutMs: 2000,
          bodyLimitBytes: 100,
          cache: [{ pattern: '/billing/summary', ttlSeconds: 30 }],
          // An event of the contract (packages/common's catalogue): a new service adds its own there.
          invalidatedBy: ['qa.job.completed'],
        },
      ]),
    }));
  });
  afterAll(async () => {
    await h.close();
    await billing.close();
  });

  it('when the entry is added, then its paths are forwarded with the identity, bodies bounded, reads cached, events invalidate', async () => {
    const sub = `user-${randomUUID()}`;
    const token = signToken(h.key, { sub });
    const first = await fetch(`${h.url}/billing/summary?year=2026`, { headers: bearer(token) });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('MISS');
    const seen = billing.seen.at(-1)!;
    expect(seen.url).toBe('/billing/summary?year=2026');
    expect(verifyIdentityProof(IDENTITY_SECRET, seen.method, seen.url, seen.headers)).toMatchObject({ ok: true, identity: { userId: sub } });
    expect((await fetch(`${h.url}/billing/summary?year=2026`, { headers: bearer(token) })).headers.get('x-cache')).toBe('HIT');

    const tooBig = await fetch(`${h.url}/billing/pay`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: 'x'.repeat(200),
    });
    expect(tooBig.status).toBe(413);

    const bus = new EventBus({ url: AMQP_URL, exchange: h.exchange, service: 'test', logger: createLogger('test', 'silent') });
    await bus.start();
    await bus.publish('qa.job.completed', { userId: sub, jobId: randomUUID() });
    await bus.close();
    let state = 'HIT';
    for (let i = 0; i < 50 && state === 'HIT'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = (await fetch(`${h.url}/billing/summary?year=2026`, { headers: bearer(token) })).headers.get('x-cache') ?? '';
    }
    expect(state).toBe('MISS');
  });

  it('when the docs are asked for, then the new service is in the merged document and public routes need no token', async () => {
    const doc = (await (await fetch(`${h.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    expect(doc.paths['/billing/thing']).toBeDefined();
    expect(doc.paths['/records/thing']).toBeDefined();
    expect(doc.paths['/auth/thing']?.get?.security).toBeUndefined();
  });
});
