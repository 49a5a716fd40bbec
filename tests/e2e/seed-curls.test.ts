import { seedGatewayPort, shell, startE2EStack, type E2EStack } from '@app/testkit/e2e-stack';

// The seed's curl examples, verbatim (../shared/SEED.md); only the port changes when 8000 is taken.
const SEED = {
  me: 'curl -X GET http://127.0.0.1:8000/auth/me',
  meFake: 'curl -X GET http://127.0.0.1:8000/auth/me -H "Authorization: Bearer fake_token"',
  login:
    'curl -X POST "http://127.0.0.1:8000/auth/login" -H "Content-Type: application/x-www-form-urlencoded" -d "username=anurag&password=password123"',
  cached: 'curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8000/cached-data',
  create: `curl -X POST "http://127.0.0.1:8000/records/" -H "Content-Type: application/json" -H "Authorization: Bearer <TOKEN>" -d '{"option_type":"opportunity","description":"test","status":"active"}'`,
  list: 'curl -H "Authorization: Bearer <TOKEN>" "http://127.0.0.1:8000/records/"',
  get: 'curl -H "Authorization: Bearer <TOKEN>" "http://127.0.0.1:8000/records/1"',
  update: `curl -X PUT "http://127.0.0.1:8000/records/1" -H "Content-Type: application/json" -H "Authorization: Bearer <TOKEN>" -d '{"description":"updated"}'`,
  remove: 'curl -X DELETE -H "Authorization: Bearer <TOKEN>" "http://127.0.0.1:8000/records/1"',
};

let stack: E2EStack;
let port: number;
beforeAll(async () => {
  port = await seedGatewayPort();
  stack = await startE2EStack({ gatewayPort: port });
}, 90_000);
afterAll(async () => {
  await stack?.stop();
});

/** Runs a seed command with `-s -w` added so the status can be read, the token filled in where the seed leaves a placeholder. */
async function curl(command: string, token = '') {
  const typed = command.replaceAll('127.0.0.1:8000', `127.0.0.1:${port}`).replaceAll('<TOKEN>', token);
  const { stdout } = await shell(typed.replace(/^curl /, `curl -s -w '\\n%{http_code}' `), { TOKEN: token });
  const lines = stdout.split('\n');
  const status = Number(lines.pop());
  const text = lines.join('\n');
  return { status, text, json: text ? (JSON.parse(text) as Record<string, any>) : undefined };
}

describe("the seed's curl examples against the gateway", () => {
  let token: string;

  it('GET /auth/me without a token → 401 with a JSON error', async () => {
    const result = await curl(SEED.me);
    expect(result.status).toBe(401);
    expect(result.json!.error.code).toBe('missing_token');
  });

  it('GET /auth/me with "fake_token" → 401', async () => {
    const result = await curl(SEED.meFake);
    expect(result.status).toBe(401);
  });

  it('the login curl → a bearer token valid for 20 minutes', async () => {
    const result = await curl(SEED.login);
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({ token_type: 'bearer', expires_in: 1200 });
    token = result.json!.access_token;
    expect(token.split('.')).toHaveLength(3);
  });

  it('GET /auth/me with the token → the user', async () => {
    const result = await curl(SEED.me + ' -H "Authorization: Bearer $TOKEN"', token);
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({ username: 'anurag' });
  });

  it('the two caching curls within 2 minutes → the same timestamp', async () => {
    const first = await curl(SEED.cached, token);
    const second = await curl(SEED.cached, token);
    expect(first.status).toBe(200);
    expect(first.json!.username).toBe('anurag');
    expect(second.json!.timestamp).toBe(first.json!.timestamp);
  });

  it('the record curls in order → created, listed, fetched, updated, deleted', async () => {
    const created = await curl(SEED.create, token);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: 1, option_type: 'opportunity', description: 'test', status: 'active' });

    const listed = await curl(SEED.list, token);
    expect(listed.status).toBe(200);
    expect(listed.json!.items.map((r: { id: number }) => r.id)).toContain(1);

    const fetched = await curl(SEED.get, token);
    expect(fetched.status).toBe(200);
    expect(fetched.json).toMatchObject({ id: 1, description: 'test' });

    const updated = await curl(SEED.update, token);
    expect(updated.status).toBe(200);
    expect(updated.json).toMatchObject({ id: 1, description: 'updated', option_type: 'opportunity', status: 'active' });

    const refetched = await curl(SEED.get, token);
    expect(refetched.json).toMatchObject({ description: 'updated' });

    const removed = await curl(SEED.remove, token);
    expect(removed.status).toBe(204);
    expect((await curl(SEED.get, token)).status).toBe(404);
  });
});
