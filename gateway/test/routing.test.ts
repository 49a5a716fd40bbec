import { bearer } from '@app/testkit/http';
import { signToken, startHarness, type Harness } from './support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ UPSTREAM_TIMEOUT_MS: '400', BODY_LIMIT_BYTES: '1024', CORS_ORIGINS: '*' });
});
afterAll(async () => {
  await h.close();
});

interface ErrorBody {
  error: { code: string; message: string; requestId: string };
}

describe('routing to the services', () => {
  it('when a path belongs to a service, then the gateway forwards it unchanged with its query', async () => {
    const token = signToken(h.key);
    const response = await fetch(`${h.url}/qa/jobs/abc?x=1`, { headers: bearer(token) });
    expect(response.status).toBe(200);
    expect(h.qa.seen.at(-1)!.url).toBe('/qa/jobs/abc?x=1');
  });

  it('when a body is posted, then it reaches the service byte for byte', async () => {
    const body = JSON.stringify({ option_type: 'opportunity', description: 'ünïcødé', status: 'active' });
    const response = await fetch(`${h.url}/records/`, {
      method: 'POST',
      headers: { ...bearer(signToken(h.key)), 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(200);
    expect(h.records.seen.at(-1)!.body).toBe(body);
  });

  it('when the declared body is over the limit, then 413 and the service sees nothing', async () => {
    const before = h.records.seen.length;
    const response = await fetch(`${h.url}/records/`, {
      method: 'POST',
      headers: { ...bearer(signToken(h.key)), 'content-type': 'application/json' },
      body: JSON.stringify({ description: 'x'.repeat(5000) }),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as ErrorBody).error.code).toBe('payload_too_large');
    expect(h.records.seen.length).toBe(before);
  });

  it('when the service is slower than the timeout, then 504 with the JSON error', async () => {
    h.auth.handler = () => ({ delayMs: 1500 });
    try {
      const started = Date.now();
      const response = await fetch(`${h.url}/auth/me`, { headers: bearer(signToken(h.key)) });
      expect(response.status).toBe(504);
      expect(((await response.json()) as ErrorBody).error.code).toBe('upstream_timeout');
      expect(Date.now() - started).toBeLessThan(1400);
    } finally {
      h.auth.handler = undefined;
    }
  });

  it('when a service is down, then its routes answer 502 once the retry bound has passed, while the others keep working', async () => {
    const down = await startHarness({ GATEWAY_UPSTREAM_RETRY_MS: '300' });
    await down.qa.close();
    try {
      const token = signToken(down.key);
      const started = Date.now();
      const response = await fetch(`${down.url}/qa/jobs`, { headers: bearer(token) });
      const elapsed = Date.now() - started;
      expect(response.status).toBe(502);
      const body = (await response.json()) as ErrorBody;
      expect(body.error).toMatchObject({ code: 'bad_gateway', message: 'The qa service is unavailable' });
      expect(body.error.requestId).toBe(response.headers.get('x-request-id'));
      expect(elapsed).toBeLessThan(1000);
      expect((await fetch(`${down.url}/records/1`, { headers: bearer(token) })).status).toBe(200);
    } finally {
      await down.close();
    }
  });

  it('when a service answers an error, then the gateway passes it on untouched', async () => {
    h.records.handler = () => ({ status: 404, body: { error: { code: 'not_found', message: 'Record 9 not found' } } });
    try {
      const response = await fetch(`${h.url}/records/9`, { method: 'DELETE', headers: bearer(signToken(h.key)) });
      expect(response.status).toBe(404);
      expect(((await response.json()) as ErrorBody).error.message).toBe('Record 9 not found');
    } finally {
      h.records.handler = undefined;
    }
  });
});

describe('edge headers', () => {
  it('when a browser preflights, then CORS allows it without a token', async () => {
    const response = await fetch(`${h.url}/records/`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(response.status).toBeLessThan(300);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('when any answer leaves the gateway, then it carries the security headers', async () => {
    const response = await fetch(`${h.url}/health`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-powered-by')).toBeNull();
  });
});

describe('platform routes', () => {
  it('when /ready is asked, then it lists the dependencies', async () => {
    const response = await fetch(`${h.url}/ready`);
    expect(response.status).toBe(200);
    const { checks } = (await response.json()) as { checks: Record<string, string> };
    // redis-cache is listed too when the cache has its own Redis (REDIS_CACHE_URL).
    expect(checks).toMatchObject({ redis: 'up', rabbitmq: 'up', 'auth-jwks': 'up' });
    expect(Object.values(checks).every((state) => state === 'up')).toBe(true);
  });

  it('when /openapi.json is asked, then it merges every service with the OAuth2 password flow', async () => {
    const doc = (await (await fetch(`${h.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { securitySchemes: Record<string, { flows: { password: { tokenUrl: string } } }> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/auth/thing', '/records/thing', '/qa/thing', '/health']));
    expect(doc.components.securitySchemes.OAuth2PasswordBearer!.flows.password.tokenUrl).toBe('/auth/login');
  });

  it('when /docs is asked without a token, then Swagger UI is served', async () => {
    const response = await fetch(`${h.url}/docs/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('swagger-ui');
  });

  it('when /metrics is asked, then Prometheus text comes back', async () => {
    await fetch(`${h.url}/qa/jobs`, { headers: bearer(signToken(h.key)) });
    const text = await (await fetch(`${h.url}/metrics`)).text();
    expect(text).toMatch(/http_request_duration_seconds_count\{[^}]*route="proxy:qa"[^}]*\} \d+/);
  });
});

describe('rate limits', () => {
  it('when a user goes over the per-minute limit, then 429 with Retry-After and the service sees no more', async () => {
    const limited = await startHarness({ RATE_LIMIT_PER_USER_PER_MINUTE: '3', RATE_LIMIT_KEY_PREFIX: `gw:rate:test:${Date.now()}` });
    try {
      const token = signToken(limited.key);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await fetch(`${limited.url}/qa/jobs`, { headers: bearer(token) })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const refused = await fetch(`${limited.url}/qa/jobs`, { headers: bearer(token) });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await refused.json()) as ErrorBody).error.code).toBe('too_many_requests');
      expect(limited.qa.seen).toHaveLength(3);
      // Another user has their own allowance.
      expect((await fetch(`${limited.url}/qa/jobs`, { headers: bearer(signToken(limited.key)) })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('when Redis is unreachable, then each gateway still counts the limit in memory and refuses past it', async () => {
    const cut = await startHarness({ REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_PER_USER_PER_MINUTE: '3', CACHE_REDIS_TIMEOUT_MS: '100' });
    try {
      const token = signToken(cut.key);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await fetch(`${cut.url}/qa/jobs`, { headers: bearer(token) })).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      expect(cut.qa.seen).toHaveLength(3);
    } finally {
      await cut.close();
    }
  });

  it('when anonymous calls to a public route go over the per-address limit, then 429', async () => {
    const limited = await startHarness({ RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '2', RATE_LIMIT_KEY_PREFIX: `gw:rate:test:${Date.now()}` });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(`${limited.url}/auth/login`, { method: 'POST' })).status);
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await limited.close();
    }
  });
});
