import type { ManagedProcess } from '@app/launcher/stack';
import { registerAndLogin, startExtraGateway, useE2EStack } from '@app/testkit/e2e-stack';
import { bearer } from '@app/testkit/http';

const RATE_LIMIT = 40;

const gatewayEnv = {
  RATE_LIMIT_PER_USER_PER_MINUTE: String(RATE_LIMIT),
  RATE_LIMIT_KEY_PREFIX: `gw:rate:${Date.now()}`,
  // Shared machines can be slow; past this bound a gateway decides from memory, which is not what is tested here.
  CACHE_REDIS_TIMEOUT_MS: '2000',
};
const stack = useE2EStack({ env: gatewayEnv });
let second: ManagedProcess;
let one: string;
let two: string;
beforeAll(async () => {
  // A second gateway process on the same Redis servers, exchange and services: what scaling out looks like.
  second = await startExtraGateway(stack, gatewayEnv, `${stack.namespace}-gateway-2.log`);
  one = stack.gatewayUrl;
  two = second.url;
}, 120_000);
afterAll(async () => {
  await second?.stop();
});

/** A new account's username and password. */
async function account() {
  const { username, password } = await registerAndLogin(one, 'revoke');
  return { username, password };
}

describe('two gateways on one Redis', () => {
  it('when an entry is filled through one gateway, then it is a HIT on the other', async () => {
    const user = await registerAndLogin(one, 'twogw');
    for (const path of ['/cached-data', '/auth/me', '/records/?limit=5']) {
      const filled = await fetch(`${one}${path}`, { headers: bearer(user.token) });
      expect(filled.headers.get('x-cache')).toBe('MISS');
      const other = await fetch(`${two}${path}`, { headers: bearer(user.token) });
      expect(other.status).toBe(200);
      expect(other.headers.get('x-cache')).toBe('HIT');
      expect(await other.text()).toBe(await filled.text());
    }
  });

  it('when a record is written through one gateway, then the other serves fresh data at once', async () => {
    const user = await registerAndLogin(one, 'twogw');
    await fetch(`${two}/records/`, { headers: bearer(user.token) });
    expect((await fetch(`${two}/records/`, { headers: bearer(user.token) })).headers.get('x-cache')).toBe('HIT');
    const created = await fetch(`${one}/records/`, {
      method: 'POST',
      headers: { ...bearer(user.token), 'content-type': 'application/json' },
      body: JSON.stringify({ option_type: 'opportunity', description: 'through one', status: 'active' }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: number };
    const after = await fetch(`${two}/records/`, { headers: bearer(user.token) });
    expect(after.headers.get('x-cache')).toBe('MISS');
    const body = (await after.json()) as { items: Array<{ id: number }> };
    expect(body.items.map((r) => r.id)).toContain(id);
  });

  it('when a user logs out through one gateway, then the other refuses the token within a second, cached answers included', async () => {
    const user = await registerAndLogin(one, 'twogw');
    await fetch(`${two}/auth/me`, { headers: bearer(user.token) });
    expect((await fetch(`${two}/auth/me`, { headers: bearer(user.token) })).headers.get('x-cache')).toBe('HIT');
    const out = await fetch(`${one}/auth/logout`, {
      method: 'POST',
      headers: { ...bearer(user.token), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(out.status).toBe(204);
    const loggedOutAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - loggedOutAt < 1000) {
      status = (await fetch(`${two}/auth/me`, { headers: bearer(user.token) })).status;
    }
    expect(status).toBe(401);
    expect(Date.now() - loggedOutAt).toBeLessThan(1000);
    const refused = await fetch(`${two}/cached-data`, { headers: bearer(user.token) });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('token_revoked');
  });

  it('when a client revokes its access token through one gateway (RFC 7009), then the other refuses it within a second', async () => {
    const login = await fetch(`${one}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', client_id: 'two-gateways', ...(await account()) }).toString(),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    expect((await fetch(`${two}/auth/me`, { headers: bearer(token) })).status).toBe(200);
    const revoked = await fetch(`${one}/auth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, token_type_hint: 'access_token', client_id: 'two-gateways' }).toString(),
    });
    expect(revoked.status).toBe(200);
    const revokedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 1000) status = (await fetch(`${two}/auth/me`, { headers: bearer(token) })).status;
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
  });

  it('when one user spreads requests over both gateways, then the shared limit holds exactly while Redis is up', async () => {
    const user = await registerAndLogin(one, 'twogw');
    const statuses: number[] = [];
    for (let i = 0; i < RATE_LIMIT + 20; i++) {
      const response = await fetch(`${i % 2 ? two : one}/cached-data`, { headers: bearer(user.token) });
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(RATE_LIMIT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
    const limited = await fetch(`${two}/cached-data`, { headers: bearer(user.token) });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
