import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { registerAndLogin, shell, useE2EStack, type Account } from '@app/testkit/e2e-stack';
import { ensurePythonOAuthClients } from '@app/testkit/python-oauth-clients';

// Standard OAuth 2.0 clients, configured with nothing but the issuer (the gateway's URL), against the
// whole stack as real processes: Python's requests-oauthlib and authlib, Node's openid-client, and a
// resource server that checks tokens itself with jose's remote JWKS found through discovery.

// Installing the Python clients the first time takes a while.
jest.setTimeout(5 * 60_000);

const CONFIDENTIAL = { id: 'reports-web', secret: 'reports-web-secret-0123456789abcdefghij' };
const RESOURCE = { id: 'records-api', secret: 'records-api-secret-0123456789abcdefghij', introspect: true };
const stack = useE2EStack({ env: { OAUTH_CLIENTS: JSON.stringify([CONFIDENTIAL, RESOURCE]) } });
const scripts = join(__dirname, 'oauth-clients');
const node = process.execPath;

let account: Account;
beforeAll(async () => {
  account = await registerAndLogin(stack.gatewayUrl, 'oauth');
});

describe('discovery', () => {
  it('when a client reads /.well-known/oauth-authorization-server through the gateway, then it is public and its issuer is the URL it came from', async () => {
    const response = await fetch(`${stack.gatewayUrl}/.well-known/oauth-authorization-server`);
    expect(response.status).toBe(200);
    const metadata = (await response.json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer: stack.gatewayUrl,
      token_endpoint: `${stack.gatewayUrl}/auth/token`,
      jwks_uri: `${stack.gatewayUrl}/auth/.well-known/jwks.json`,
    });
    // Every endpoint it names answers through the gateway without a bearer token.
    expect((await fetch(metadata.jwks_uri as string)).status).toBe(200);
    for (const endpoint of ['token_endpoint', 'revocation_endpoint', 'introspection_endpoint']) {
      const answer = await fetch(metadata[endpoint] as string, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
      });
      expect([400, 401]).toContain(answer.status);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(((await answer.json()) as { error: string }).error).toMatch(/^invalid_(request|client)$/);
    }
  });

  it("when the seed's login curl runs unchanged, then it still gets a token pair", async () => {
    const port = new URL(stack.gatewayUrl).port;
    const { stdout } = await shell(
      `curl -s -X POST "http://127.0.0.1:${port}/auth/login" -H "Content-Type: application/x-www-form-urlencoded" -d "username=${account.username}&password=${account.password}"`,
    );
    expect(JSON.parse(stdout)).toMatchObject({ token_type: 'bearer', expires_in: 1200, scope: 'api', access_token: expect.any(String) });
  });
});

describe('Python clients', () => {
  it('when requests-oauthlib and authlib log in, refresh and revoke as their documentation shows, then every step works', async () => {
    const python = await ensurePythonOAuthClients();
    const { stdout } = await shell(`"${python}" "${join(scripts, 'python_clients.py')}"`, {
      ISSUER: stack.gatewayUrl,
      USERNAME: account.username,
      PASSWORD: account.password,
      CONFIDENTIAL_ID: CONFIDENTIAL.id,
      CONFIDENTIAL_SECRET: CONFIDENTIAL.secret,
      // Both refuse plain HTTP unless told: the test gateway has no TLS.
      OAUTHLIB_INSECURE_TRANSPORT: '1',
      AUTHLIB_INSECURE_TRANSPORT: '1',
    });
    const result = JSON.parse(stdout);
    expect(result.metadata_issuer).toBe(stack.gatewayUrl);
    expect(result.requests_oauthlib).toEqual({
      wrong_password_error: 'invalid_grant',
      token_type: 'bearer',
      scope: ['api'],
      me_status: 200,
      me_username: account.username,
      refresh_rotated: true,
      access_rotated: true,
      after_refresh_status: 200,
    });
    for (const flow of [result.authlib_public, result.authlib_confidential]) {
      expect(flow).toEqual({
        scope: 'api',
        me_status: 200,
        refresh_rotated: true,
        revoke_status: 200,
        after_revoke_status: 401,
        after_revoke_challenge: expect.stringMatching(/^Bearer error="invalid_token"/),
        refresh_after_revoke: 'invalid_grant',
      });
    }
  });
});

describe('openid-client and a resource server on jose', () => {
  let resourceServer: ChildProcess | undefined;
  afterAll(() => {
    resourceServer?.kill('SIGTERM');
  });

  /** Starts the resource server; resolves to its URL once it has read the metadata and listens. */
  function startResourceServer(): Promise<string> {
    const child = spawn(node, [join(scripts, 'resource-server.mjs')], {
      env: { ...process.env, ISSUER: stack.gatewayUrl, AUDIENCE: 'api-gateway' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    resourceServer = child;
    return new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the resource server exited with ${code}`)));
      child.stdout.once('data', (chunk: Buffer) => resolve(`http://127.0.0.1:${chunk.toString().trim()}/`));
    });
  }

  it('when openid-client discovers the issuer, then grant, refresh, introspection and revocation work, and the resource server verifies tokens alone', async () => {
    const resourceServerUrl = await startResourceServer();
    const { stdout } = await shell(`"${node}" "${join(scripts, 'openid-client-flow.mjs')}"`, {
      ISSUER: stack.gatewayUrl,
      USERNAME: account.username,
      PASSWORD: account.password,
      RESOURCE_ID: RESOURCE.id,
      RESOURCE_SECRET: RESOURCE.secret,
      RESOURCE_SERVER_URL: resourceServerUrl,
    });
    const result = JSON.parse(stdout);
    expect(result.metadata.issuer).toBe(stack.gatewayUrl);
    expect(result.wrongPasswordError).toBe('invalid_grant');
    expect(result.grant).toEqual({ tokenType: 'bearer', scope: 'api', expiresIn: expect.any(Number) });
    expect(result.resourceServer).toEqual({
      status: 200,
      body: { sub: expect.any(String), username: account.username, client_id: 'node-openid-client', scope: 'api' },
    });
    expect(result.refreshRotated).toBe(true);
    expect(result.introspectedLive).toMatchObject({
      active: true,
      client_id: 'node-openid-client',
      username: account.username,
      token_type: 'Bearer',
      iss: stack.gatewayUrl,
      aud: 'api-gateway',
    });
    expect(result.introspectedRevoked).toEqual({ active: false });
    expect(result.gatewayAfterRevoke).toEqual({ status: 401, challenge: 'Bearer error="invalid_token", error_description="Token has been revoked"' });
    expect(result.refreshAfterRevoke).toBe('invalid_grant');
    expect(result.resourceServerForged).toEqual({ status: 401, challenge: 'Bearer error="invalid_token"' });
  });
});
