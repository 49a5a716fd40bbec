import { registerAndLogin, startE2EStack, type E2EStack } from '../support/e2e-stack';

let stack: E2EStack;
beforeAll(async () => {
  stack = await startE2EStack();
}, 90_000);
afterAll(async () => {
  await stack?.stop();
});

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const json = (token: string) => ({ ...auth(token), 'content-type': 'application/json' });

describe('records and the cache through the gateway', () => {
  it('200 concurrent creates from 10 users give 200 distinct ids, and each user lists exactly their own', async () => {
    const users = await Promise.all(Array.from({ length: 10 }, (_, i) => registerAndLogin(stack.gatewayUrl, `bulk${i}`)));
    const created = await Promise.all(
      users.flatMap((user) =>
        Array.from({ length: 20 }, async (_, n) => {
          const response = await fetch(`${stack.gatewayUrl}/records/`, {
            method: 'POST',
            headers: json(user.token),
            body: JSON.stringify({ option_type: 'opportunity', description: `${user.username} #${n}`, status: 'active' }),
          });
          expect(response.status).toBe(201);
          return { user: user.username, id: ((await response.json()) as { id: number }).id };
        }),
      ),
    );
    expect(new Set(created.map((c) => c.id)).size).toBe(200);
    for (const user of users) {
      const response = await fetch(`${stack.gatewayUrl}/records/?limit=100`, { headers: auth(user.token) });
      const body = (await response.json()) as { items: Array<{ id: number; description: string }>; total: number };
      const mine = created.filter((c) => c.user === user.username).map((c) => c.id).sort((a, b) => a - b);
      expect(body.items.map((r) => r.id).sort((a, b) => a - b)).toEqual(mine);
      expect(body.items.every((r) => r.description.startsWith(user.username))).toBe(true);
    }
  }, 120_000);

  it('list, create, list again: the second list has the new record with MISS, then HIT', async () => {
    const { token } = await registerAndLogin(stack.gatewayUrl, 'cache');
    const first = await fetch(`${stack.gatewayUrl}/records/`, { headers: auth(token) });
    expect(first.headers.get('x-cache')).toBe('MISS');
    expect((await fetch(`${stack.gatewayUrl}/records/`, { headers: auth(token) })).headers.get('x-cache')).toBe('HIT');
    const created = (await (
      await fetch(`${stack.gatewayUrl}/records/`, {
        method: 'POST',
        headers: json(token),
        body: JSON.stringify({ option_type: 'lead', description: 'fresh', status: 'active' }),
      })
    ).json()) as { id: number };
    const second = await fetch(`${stack.gatewayUrl}/records/`, { headers: auth(token) });
    expect(second.headers.get('x-cache')).toBe('MISS');
    expect(((await second.json()) as { items: Array<{ id: number }> }).items.map((r) => r.id)).toContain(created.id);
    expect((await fetch(`${stack.gatewayUrl}/records/`, { headers: auth(token) })).headers.get('x-cache')).toBe('HIT');
  });

  it("a second user gets 404 on every route for the first user's record", async () => {
    const [owner, other] = await Promise.all([registerAndLogin(stack.gatewayUrl, 'owner'), registerAndLogin(stack.gatewayUrl, 'other')]);
    const { id } = (await (
      await fetch(`${stack.gatewayUrl}/records/`, { method: 'POST', headers: json(owner.token), body: JSON.stringify({ option_type: 'o', description: 'mine', status: 'active' }) })
    ).json()) as { id: number };
    const url = `${stack.gatewayUrl}/records/${id}`;
    expect((await fetch(url, { headers: auth(other.token) })).status).toBe(404);
    expect((await fetch(url, { method: 'PUT', headers: json(other.token), body: '{"description":"x"}' })).status).toBe(404);
    expect((await fetch(url, { method: 'PATCH', headers: json(other.token), body: '{"description":"x"}' })).status).toBe(404);
    expect((await fetch(url, { method: 'DELETE', headers: auth(other.token) })).status).toBe(404);
    expect(((await (await fetch(url, { headers: auth(owner.token) })).json()) as { description: string }).description).toBe('mine');
  });
});

describe('sessions through the gateway', () => {
  it('after logout the old access token is refused', async () => {
    const { token } = await registerAndLogin(stack.gatewayUrl, 'logout');
    expect((await fetch(`${stack.gatewayUrl}/auth/me`, { headers: auth(token) })).status).toBe(200);
    expect((await fetch(`${stack.gatewayUrl}/auth/logout`, { method: 'POST', headers: auth(token) })).status).toBe(204);
    const after = await fetch(`${stack.gatewayUrl}/auth/me`, { headers: auth(token) });
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { code: string } }).error.code).toBe('token_revoked');
  });

  it('a replayed refresh token kills its family', async () => {
    const username = `family_${Date.now()}`;
    const password = 'correct horse battery';
    await fetch(`${stack.gatewayUrl}/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    const login = (await (
      await fetch(`${stack.gatewayUrl}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `username=${username}&password=${encodeURIComponent(password)}` })
    ).json()) as { refresh_token: string };
    const refresh = (token: string) =>
      fetch(`${stack.gatewayUrl}/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: token }) });
    const rotated = await refresh(login.refresh_token);
    expect(rotated.status).toBe(200);
    const next = ((await rotated.json()) as { refresh_token: string }).refresh_token;
    expect((await refresh(login.refresh_token)).status).toBe(401); // the replay
    expect((await refresh(next)).status).toBe(401); // the whole family is dead
  });

  it('a forged identity header sent to the gateway changes nothing', async () => {
    const [alice, mallory] = await Promise.all([registerAndLogin(stack.gatewayUrl, 'alice'), registerAndLogin(stack.gatewayUrl, 'mallory')]);
    const aliceId = ((await (await fetch(`${stack.gatewayUrl}/auth/me`, { headers: auth(alice.token) })).json()) as { id: string }).id;
    const me = await fetch(`${stack.gatewayUrl}/auth/me`, { headers: { ...auth(mallory.token), 'x-user-id': aliceId, 'x-user-name': alice.username } });
    expect(((await me.json()) as { username: string }).username).toBe(mallory.username);
  });

  it('a forged identity header sent straight to a service gets a 401', async () => {
    const response = await fetch(`${stack.services.records.url}/records/`, { headers: { 'x-user-id': 'someone', 'x-user-name': 'someone' } });
    expect(response.status).toBe(401);
    const direct = await fetch(`${stack.services.auth.url}/auth/me`, {
      headers: { 'x-user-id': 'someone', 'x-user-name': 'someone', 'x-identity-timestamp': String(Math.floor(Date.now() / 1000)), 'x-identity-signature': 'forged' },
    });
    expect(direct.status).toBe(401);
  });
});
