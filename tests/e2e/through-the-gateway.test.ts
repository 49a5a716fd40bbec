import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createApiClient, login, startQa, unwrap } from '@app/client';
import { mergedDocument } from '@app/api/generate-client-types';
import { registerAndLogin, useE2EStack } from '@app/testkit/e2e-stack';
import { bearer } from '@app/testkit/http';
import { connectDatabase } from '@app/testkit/servers';
import { waitFor } from '@app/testkit/wait';

const stack = useE2EStack({}, 90_000);

const clientFor = (token?: string) => createApiClient({ baseUrl: stack.gatewayUrl, ...(token ? { token } : {}) });
const json = (token: string) => ({ ...bearer(token), 'content-type': 'application/json' });

describe('records and the cache through the gateway', () => {
  it('200 concurrent creates from 10 users give each user the ids 1 to 20, and each user lists exactly their own', async () => {
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
    for (const user of users) {
      const ids = created.filter((c) => c.user === user.username).map((c) => c.id);
      expect(ids.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    }
    for (const user of users) {
      const response = await fetch(`${stack.gatewayUrl}/records/?limit=100`, { headers: bearer(user.token) });
      const body = (await response.json()) as { items: Array<{ id: number; description: string }>; total: number };
      const mine = created
        .filter((c) => c.user === user.username)
        .map((c) => c.id)
        .sort((a, b) => a - b);
      expect(body.items.map((r) => r.id).sort((a, b) => a - b)).toEqual(mine);
      expect(body.items.every((r) => r.description.startsWith(user.username))).toBe(true);
    }
  }, 120_000);

  it('list, create, list again: the second list has the new record with MISS, then HIT', async () => {
    const { token } = await registerAndLogin(stack.gatewayUrl, 'cache');
    const first = await fetch(`${stack.gatewayUrl}/records/`, { headers: bearer(token) });
    expect(first.headers.get('x-cache')).toBe('MISS');
    expect((await fetch(`${stack.gatewayUrl}/records/`, { headers: bearer(token) })).headers.get('x-cache')).toBe('HIT');
    const created = (await (
      await fetch(`${stack.gatewayUrl}/records/`, {
        method: 'POST',
        headers: json(token),
        body: JSON.stringify({ option_type: 'lead', description: 'fresh', status: 'active' }),
      })
    ).json()) as { id: number };
    const second = await fetch(`${stack.gatewayUrl}/records/`, { headers: bearer(token) });
    expect(second.headers.get('x-cache')).toBe('MISS');
    expect(((await second.json()) as { items: Array<{ id: number }> }).items.map((r) => r.id)).toContain(created.id);
    // The write invalidates at once; the record's event, arriving a moment later, invalidates again, so
    // the list that follows it may be one more MISS before the entry stays.
    const hit = await waitFor('the list to be served from the cache', async () => {
      const again = await fetch(`${stack.gatewayUrl}/records/`, { headers: bearer(token) });
      return again.headers.get('x-cache') === 'HIT' && ((await again.json()) as { items: Array<{ id: number }> });
    });
    expect(hit.items.map((r) => r.id)).toContain(created.id);
  });

  it("a second user gets 404 on every route for the first user's record", async () => {
    const [owner, other] = await Promise.all([registerAndLogin(stack.gatewayUrl, 'owner'), registerAndLogin(stack.gatewayUrl, 'other')]);
    const [mine, theirs] = [clientFor(owner.token), clientFor(other.token)];
    const { id } = unwrap(await mine.POST('/records/', { body: { option_type: 'o', description: 'mine', status: 'active' } }));
    const path = { params: { path: { id } } };
    expect((await theirs.GET('/records/{id}', path)).response.status).toBe(404);
    expect((await theirs.PUT('/records/{id}', { ...path, body: { description: 'x' } })).response.status).toBe(404);
    expect((await theirs.PATCH('/records/{id}', { ...path, body: { description: 'x' } })).response.status).toBe(404);
    const deleted = await theirs.DELETE('/records/{id}', path);
    expect(deleted.response.status).toBe(404);
    expect(deleted.error).toMatchObject({ error: { code: 'not_found', requestId: expect.any(String) } });
    expect(unwrap(await mine.GET('/records/{id}', path)).description).toBe('mine');
  });
});

describe('sessions through the gateway', () => {
  it('after logout the old access token is refused', async () => {
    const { token } = await registerAndLogin(stack.gatewayUrl, 'logout');
    const client = clientFor(token);
    expect((await client.GET('/auth/me')).response.status).toBe(200);
    expect((await client.POST('/auth/logout', { body: {} })).response.status).toBe(204);
    const after = await client.GET('/auth/me');
    expect(after.response.status).toBe(401);
    expect(after.error?.error.code).toBe('token_revoked');
  });

  it('a replayed refresh token kills its family', async () => {
    const username = `family_${Date.now()}`;
    const password = 'correct horse battery';
    await fetch(`${stack.gatewayUrl}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    const login = (await (
      await fetch(`${stack.gatewayUrl}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `username=${username}&password=${encodeURIComponent(password)}`,
      })
    ).json()) as { refresh_token: string };
    const refresh = (token: string) =>
      fetch(`${stack.gatewayUrl}/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh_token: token }),
      });
    const rotated = await refresh(login.refresh_token);
    expect(rotated.status).toBe(200);
    const next = ((await rotated.json()) as { refresh_token: string }).refresh_token;
    const replay = await refresh(login.refresh_token);
    expect(replay.status).toBe(400); // RFC 6749 section 5.2
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await refresh(next)).status).toBe(400); // the whole family is dead
  });

  it('a forged identity header sent to the gateway changes nothing', async () => {
    const [alice, mallory] = await Promise.all([registerAndLogin(stack.gatewayUrl, 'alice'), registerAndLogin(stack.gatewayUrl, 'mallory')]);
    const aliceId = ((await (await fetch(`${stack.gatewayUrl}/auth/me`, { headers: bearer(alice.token) })).json()) as { id: string }).id;
    const me = await fetch(`${stack.gatewayUrl}/auth/me`, {
      headers: { ...bearer(mallory.token), 'x-user-id': aliceId, 'x-user-name': alice.username },
    });
    expect(((await me.json()) as { username: string }).username).toBe(mallory.username);
  });

  it('a forged identity header sent straight to a service gets a 401', async () => {
    const response = await fetch(`${stack.services.records.url}/records/`, { headers: { 'x-user-id': 'someone', 'x-user-name': 'someone' } });
    expect(response.status).toBe(401);
    const direct = await fetch(`${stack.services.auth.url}/auth/me`, {
      headers: {
        'x-user-id': 'someone',
        'x-user-name': 'someone',
        'x-identity-timestamp': String(Math.floor(Date.now() / 1000)),
        'x-identity-signature': 'forged',
      },
    });
    expect(direct.status).toBe(401);
  });
});

describe('the typed client and the contract', () => {
  it('the document the client types are generated from offline is the one the gateway serves', async () => {
    const served = (await (await fetch(`${stack.gatewayUrl}/openapi.json`)).json()) as Record<string, unknown>;
    expect(served).toEqual(mergedDocument());
  });

  it("when a user deletes their account, then user.deleted removes their records and QA jobs, and nobody else's", async () => {
    const [leaving, staying] = await Promise.all([registerAndLogin(stack.gatewayUrl, 'leaving'), registerAndLogin(stack.gatewayUrl, 'staying')]);
    const [gone, kept] = [clientFor(leaving.token), clientFor(staying.token)];
    const userId = unwrap(await gone.GET('/auth/me')).id;
    for (const client of [gone, kept]) {
      unwrap(await client.POST('/records/', { body: { option_type: 'o', description: 'd', status: 's' } }));
    }
    const pair = join(__dirname, '..', '..', 'packages', 'resume-analysis', 'fixtures', 'labelled', '02-data-analyst');
    const pdf = async (name: string) => ({ name, content: new Uint8Array(await readFile(join(pair, name))) });
    await startQa(gone, { resume: await pdf('resume.pdf'), jd: await pdf('jd.pdf') });

    expect((await gone.DELETE('/auth/me', { body: { password: leaving.password } })).response.status).toBe(204);
    expect((await gone.GET('/auth/me')).response.status).toBe(401);

    const [records, qa] = await Promise.all([connectDatabase(`${stack.namespace}-records`), connectDatabase(`${stack.namespace}-qa`)]);
    try {
      const left = async () =>
        (await records.collection('records').countDocuments({ owner: userId })) +
        (await records.collection('record_ids').countDocuments({ owner: userId })) +
        (await qa.collection('qajobs').countDocuments({ owner: userId }));
      await waitFor("the deleted user's data to go", async () => (await left()) === 0, { timeoutMs: 15_000, intervalMs: 100 });
    } finally {
      await Promise.all([records.close(), qa.close()]);
    }
    expect(unwrap(await kept.GET('/records/')).total).toBe(1);
    // The seed user still logs in: the deletion touched one account only.
    await expect(login(clientFor(), 'anurag', 'password123')).resolves.toMatchObject({ token_type: 'bearer' });
  });
});
