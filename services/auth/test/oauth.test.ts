import { revokedJtiKey } from '@app/common';
import { withRedis } from '@app/testkit/servers';
import { loadAuthConfig } from '../src/config';
import { call, decodeJwt, register, startAuth, uniqueIp, uniqueName, type TestAuth } from './support';

// Two configured clients: a confidential web app and a resource server that may introspect.
const WEB = { id: 'reports-web', secret: 'reports-web-secret-0123456789abcdefghij' };
const RESOURCE = { id: 'records-api', secret: 'records-api-secret-0123456789abcdefghij' };
const ISSUER = 'https://api.example.test';

let auth: TestAuth;
beforeAll(async () => {
  auth = await startAuth({
    JWT_ISSUER: ISSUER,
    OAUTH_SCOPES: 'api,records:read',
    OAUTH_CLIENTS: JSON.stringify([WEB, { ...RESOURCE, introspect: true }]),
  });
});
afterAll(async () => {
  await auth.cleanup();
});

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
  call(auth.url, 'POST', path, { form: new URLSearchParams(form).toString(), headers, caller: { clientIp: uniqueIp() } });
const token = (form: Record<string, string>, headers: Record<string, string> = {}) => post('/auth/token', form, headers);
const introspect = (value: string, headers = { authorization: basic(RESOURCE.id, RESOURCE.secret) }) =>
  post('/auth/introspect', { token: value }, headers);

async function passwordGrant(extra: Record<string, string> = {}, headers: Record<string, string> = {}) {
  const user = await register(auth.url, uniqueName());
  const res = await token({ grant_type: 'password', username: user.username, password: 'correct-horse-battery', ...extra }, headers);
  return { user, res };
}

describe('authorization server metadata (RFC 8414)', () => {
  it('when a client reads the metadata, then it names the issuer the tokens carry and every endpoint below it', async () => {
    const res = await call(auth.url, 'GET', '/.well-known/oauth-authorization-server', { caller: false });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      issuer: ISSUER,
      token_endpoint: `${ISSUER}/auth/token`,
      revocation_endpoint: `${ISSUER}/auth/revoke`,
      introspection_endpoint: `${ISSUER}/auth/introspect`,
      jwks_uri: `${ISSUER}/auth/.well-known/jwks.json`,
      grant_types_supported: ['password', 'refresh_token'],
      response_types_supported: [],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
      revocation_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: ['api', 'records:read'],
      service_documentation: `${ISSUER}/docs`,
    });
    const { res: issued } = await passwordGrant();
    expect(decodeJwt(issued.body.access_token).payload.iss).toBe(ISSUER);
  });
});

describe('POST /auth/token (RFC 6749)', () => {
  it('when a public client asks for the password grant with a scope, then the token carries its client_id and the scope, echoed', async () => {
    const { res } = await passwordGrant({ client_id: 'mobile-app', scope: 'records:read' });
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('records:read');
    expect(res.headers.get('pragma')).toBe('no-cache');
    const { header, payload } = decodeJwt(res.body.access_token);
    expect(header.typ).toBe('at+jwt');
    expect(payload).toMatchObject({ client_id: 'mobile-app', scope: 'records:read', iss: ISSUER, aud: 'api-gateway' });
  });

  it('when grant_type is missing here, unknown, or the scope unknown, then the OAuth 2.0 error of each', async () => {
    const missing = await token({ username: 'anurag', password: 'x' });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: 'invalid_request', error_description: 'Missing required field: grant_type' });
    expect(missing.headers.get('cache-control')).toBe('no-store');
    const unknown = await token({ grant_type: 'client_credentials' });
    expect(unknown.body.error).toBe('unsupported_grant_type');
    const { res: scope } = await passwordGrant({ scope: 'api admin' });
    expect(scope.status).toBe(400);
    expect(scope.body.error).toBe('invalid_scope');
  });

  it('when the refresh grant comes to the same URL form-encoded with client_id, then the pair rotates; reuse still ends the family', async () => {
    const { res: first } = await passwordGrant({ client_id: 'mobile-app' });
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token, client_id: 'mobile-app' });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.scope).toBe('api records:read');
    expect(decodeJwt(refreshed.body.access_token).payload.client_id).toBe('mobile-app');
    const replay = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token, client_id: 'mobile-app' });
    expect(replay.body.error).toBe('invalid_grant');
    const descendant = await token({ grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token, client_id: 'mobile-app' });
    expect(descendant.body.error).toBe('invalid_grant');
  });

  it('when another client presents the refresh token, then unauthorized_client and the token still works for its own client', async () => {
    const { res: first } = await passwordGrant({ client_id: 'mobile-app' });
    const other = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token, client_id: 'someone-else' });
    expect(other.status).toBe(400);
    expect(other.body.error).toBe('unauthorized_client');
    const own = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token, client_id: 'mobile-app' });
    expect(own.status).toBe(200);
  });

  it('when a refresh narrows the scope, then the new access token has less; widening it is invalid_scope and costs the token nothing', async () => {
    const { res: first } = await passwordGrant({ scope: 'records:read' });
    const wider = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token, scope: 'api' });
    expect(wider.body.error).toBe('invalid_scope');
    const same = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token });
    expect(same.status).toBe(200);
    expect(same.body.scope).toBe('records:read');

    const { res: full } = await passwordGrant();
    const narrowed = await token({ grant_type: 'refresh_token', refresh_token: full.body.refresh_token, scope: 'records:read' });
    expect(narrowed.body.scope).toBe('records:read');
    // The session keeps its original grant: the next refresh may ask for all of it again.
    const again = await token({ grant_type: 'refresh_token', refresh_token: narrowed.body.refresh_token });
    expect(again.body.scope).toBe('api records:read');
  });
});

describe('confidential clients', () => {
  it('when a configured client authenticates with HTTP Basic or client_secret_post, then it gets tokens bound to it', async () => {
    const { res: viaBasic } = await passwordGrant({}, { authorization: basic(WEB.id, WEB.secret) });
    expect(viaBasic.status).toBe(200);
    expect(decodeJwt(viaBasic.body.access_token).payload.client_id).toBe(WEB.id);
    const { res: viaPost } = await passwordGrant({ client_id: WEB.id, client_secret: WEB.secret });
    expect(viaPost.status).toBe(200);
    const refreshed = await token(
      { grant_type: 'refresh_token', refresh_token: viaPost.body.refresh_token },
      { authorization: basic(WEB.id, WEB.secret) },
    );
    expect(refreshed.status).toBe(200);
  });

  it('when its secret is wrong or missing, then 401 invalid_client, with a Basic challenge when Basic was used', async () => {
    const { res: wrongBasic } = await passwordGrant({}, { authorization: basic(WEB.id, 'not-the-secret') });
    expect(wrongBasic.status).toBe(401);
    expect(wrongBasic.body).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' });
    expect(wrongBasic.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    const { res: missing } = await passwordGrant({ client_id: WEB.id });
    expect(missing.status).toBe(401);
    expect(missing.body.error).toBe('invalid_client');
    expect(missing.headers.get('www-authenticate')).toBeNull();
    // A public client cannot take over a configured client's refresh token either.
    const { res: issued } = await passwordGrant({ client_id: WEB.id, client_secret: WEB.secret });
    const stolen = await token({ grant_type: 'refresh_token', refresh_token: issued.body.refresh_token });
    expect(stolen.body.error).toBe('unauthorized_client');
  });

  it('when a public client names itself in Basic with an empty password, then it is that public client; a configured one is refused so', async () => {
    const { res } = await passwordGrant({}, { authorization: basic('mobile-app', '') });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.access_token).payload.client_id).toBe('mobile-app');
    const { res: configured } = await passwordGrant({}, { authorization: basic(WEB.id, '') });
    expect(configured.status).toBe(401);
    expect(configured.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
  });

  it('when the Basic credentials are empty on both sides (Swagger UI without a client), then no client is named: the public one', async () => {
    const { res } = await passwordGrant({}, { authorization: `Basic ${Buffer.from(':').toString('base64')}` });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.access_token).payload.client_id).toBe('public');
  });

  it('when a request uses two authentication methods at once, then invalid_request', async () => {
    const { res } = await passwordGrant({ client_secret: WEB.secret }, { authorization: basic(WEB.id, WEB.secret) });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });
});

describe('POST /auth/revoke (RFC 7009)', () => {
  it('when an access token is revoked, then its jti is revoked in Redis until it expires and introspection says inactive', async () => {
    const { res } = await passwordGrant({ client_id: 'mobile-app' });
    expect((await introspect(res.body.access_token)).body.active).toBe(true);
    const revoked = await post('/auth/revoke', { token: res.body.access_token, token_type_hint: 'access_token', client_id: 'mobile-app' });
    expect(revoked.status).toBe(200);
    expect(revoked.headers.get('cache-control')).toBe('no-store');
    const { jti, sub } = decodeJwt(res.body.access_token).payload as { jti: string; sub: string };
    expect(await withRedis((redis) => redis.ttl(revokedJtiKey(sub, jti)))).toBeGreaterThan(1100);
    expect((await introspect(res.body.access_token)).body).toEqual({ active: false });
  });

  it('when a refresh token is revoked (even with the wrong hint), then it no longer refreshes and its access token is revoked too', async () => {
    const { res } = await passwordGrant();
    expect((await post('/auth/revoke', { token: res.body.refresh_token, token_type_hint: 'access_token' })).status).toBe(200);
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: res.body.refresh_token });
    expect(refreshed.body.error).toBe('invalid_grant');
    expect((await introspect(res.body.access_token)).body).toEqual({ active: false });
  });

  it('when the token is unknown or malformed, then 200 all the same; when it is missing, invalid_request', async () => {
    expect((await post('/auth/revoke', { token: 'A'.repeat(43) })).status).toBe(200);
    expect((await post('/auth/revoke', { token: 'not.a.jwt', token_type_hint: 'something-else' })).status).toBe(200);
    const missing = await post('/auth/revoke', {});
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_request');
  });

  it("when a client revokes another client's token, then unauthorized_client and the token lives on", async () => {
    const { res } = await passwordGrant({ client_id: 'mobile-app' });
    const refused = await post('/auth/revoke', { token: res.body.refresh_token, client_id: 'someone-else' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('unauthorized_client');
    expect((await token({ grant_type: 'refresh_token', refresh_token: res.body.refresh_token, client_id: 'mobile-app' })).status).toBe(200);
  });
});

describe('POST /auth/introspect (RFC 7662)', () => {
  it('when the resource server asks about a live access token, then every claim a resource server needs', async () => {
    const { user, res } = await passwordGrant({ client_id: 'mobile-app', scope: 'records:read' });
    const answer = await introspect(res.body.access_token);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const { payload } = decodeJwt(res.body.access_token);
    expect(answer.body).toEqual({
      active: true,
      scope: 'records:read',
      client_id: 'mobile-app',
      username: user.username,
      token_type: 'Bearer',
      exp: payload.exp,
      iat: payload.iat,
      sub: user.id,
      aud: 'api-gateway',
      iss: ISSUER,
      jti: payload.jti,
    });
  });

  it('when it asks about a refresh token, then active until it is used; unknown and foreign tokens are inactive', async () => {
    const { user, res } = await passwordGrant();
    const live = await post('/auth/introspect', {
      token: res.body.refresh_token,
      token_type_hint: 'refresh_token',
      client_id: RESOURCE.id,
      client_secret: RESOURCE.secret,
    });
    expect(live.body).toMatchObject({
      active: true,
      token_type: 'refresh_token',
      sub: user.id,
      username: user.username,
      client_id: 'public',
      scope: 'api records:read',
    });
    await token({ grant_type: 'refresh_token', refresh_token: res.body.refresh_token });
    expect((await introspect(res.body.refresh_token)).body).toEqual({ active: false });
    expect((await introspect('A'.repeat(43))).body).toEqual({ active: false });
    expect((await introspect('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.')).body).toEqual({ active: false });
  });

  it('when the caller is not an authenticated resource server, then 401 invalid_client with a Basic challenge', async () => {
    const { res } = await passwordGrant();
    const anonymous = await introspect(res.body.access_token, {} as never);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toBe('invalid_client');
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic /);
    const notAResourceServer = await introspect(res.body.access_token, { authorization: basic(WEB.id, WEB.secret) });
    expect(notAResourceServer.status).toBe(401);
    expect(notAResourceServer.body.error).toBe('invalid_client');
    const wrongSecret = await introspect(res.body.access_token, { authorization: basic(RESOURCE.id, 'wrong') });
    expect(wrongSecret.status).toBe(401);
  });
});

describe('configuration', () => {
  it('when OAUTH_CLIENTS or JWT_ISSUER is malformed, then the service refuses to start and says why', () => {
    const base = { ...auth.env };
    expect(() => loadAuthConfig({ ...base, OAUTH_CLIENTS: '[{"id":"x","secret":"short"}]' })).toThrow(
      /OAUTH_CLIENTS is invalid: 0.secret must be at least 32/,
    );
    expect(() => loadAuthConfig({ ...base, OAUTH_CLIENTS: 'not json' })).toThrow(/OAUTH_CLIENTS is invalid: not JSON/);
    expect(() => loadAuthConfig({ ...base, JWT_ISSUER: 'api-gateway-auth' })).toThrow(/JWT_ISSUER is invalid: must be the public http\(s\) origin/);
    expect(() => loadAuthConfig({ ...base, JWT_ISSUER: 'https://api.example.test/' })).toThrow(/JWT_ISSUER/);
  });
});
