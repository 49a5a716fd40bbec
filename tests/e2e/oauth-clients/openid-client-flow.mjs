// openid-client (Node), configured from the issuer alone through RFC 8414 discovery: password grant,
// refresh, introspection by a resource server's client, revocation. Prints one JSON object of what
// each step saw; the test asserts on it.
import { URL } from 'node:url';
import * as client from 'openid-client';

const { ISSUER, USERNAME, PASSWORD, RESOURCE_ID, RESOURCE_SECRET, RESOURCE_SERVER_URL } = process.env;
// The gateway is plain HTTP on a test machine; production issuers are https.
const options = { algorithm: 'oauth2', execute: [client.allowInsecureRequests] };

const app = await client.discovery(new URL(ISSUER), 'node-openid-client', undefined, client.None(), options);
const resourceServer = await client.discovery(new URL(ISSUER), RESOURCE_ID, undefined, client.ClientSecretBasic(RESOURCE_SECRET), options);
const callResourceServer = (token) => fetch(RESOURCE_SERVER_URL, { headers: { authorization: `Bearer ${token}` } });
const result = { metadata: app.serverMetadata() };

try {
  await client.genericGrantRequest(app, 'password', { username: USERNAME, password: 'not-the-password' });
  result.wrongPasswordError = 'accepted';
} catch (err) {
  result.wrongPasswordError = err.error;
}

const tokens = await client.genericGrantRequest(app, 'password', { username: USERNAME, password: PASSWORD, scope: 'api' });
result.grant = { tokenType: tokens.token_type, scope: tokens.scope, expiresIn: tokens.expiresIn() };
const atResourceServer = await callResourceServer(tokens.access_token);
result.resourceServer = { status: atResourceServer.status, body: await atResourceServer.json() };

const refreshed = await client.refreshTokenGrant(app, tokens.refresh_token);
result.refreshRotated = refreshed.refresh_token !== tokens.refresh_token;
result.introspectedLive = await client.tokenIntrospection(resourceServer, refreshed.access_token);

await client.tokenRevocation(app, refreshed.access_token, { token_type_hint: 'access_token' });
result.introspectedRevoked = await client.tokenIntrospection(resourceServer, refreshed.access_token);
const atGateway = await fetch(`${ISSUER}/auth/me`, { headers: { authorization: `Bearer ${refreshed.access_token}` } });
result.gatewayAfterRevoke = { status: atGateway.status, challenge: atGateway.headers.get('www-authenticate') };

await client.tokenRevocation(app, refreshed.refresh_token, { token_type_hint: 'refresh_token' });
try {
  await client.refreshTokenGrant(app, refreshed.refresh_token);
  result.refreshAfterRevoke = 'accepted';
} catch (err) {
  result.refreshAfterRevoke = err.error;
}
const forged = await callResourceServer(`${tokens.access_token.slice(0, -4)}AAAA`);
result.resourceServerForged = { status: forged.status, challenge: forged.headers.get('www-authenticate') };

process.stdout.write(JSON.stringify(result));
