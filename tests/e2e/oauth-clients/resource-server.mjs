// A resource server of its own that trusts the gateway's tokens without calling it per request: it
// finds the JWKS through the issuer's RFC 8414 metadata and checks each token with jose (signature,
// iss, aud, exp, and RFC 9068's typ). Prints its port, then serves until it is stopped.
import { createServer } from 'node:http';
import { URL } from 'node:url';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const { ISSUER, AUDIENCE } = process.env;
const metadata = await (await fetch(`${ISSUER}/.well-known/oauth-authorization-server`)).json();
const keys = createRemoteJWKSet(new URL(metadata.jwks_uri));

const server = createServer(async (req, res) => {
  const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
  try {
    if (!token) throw new Error('no token');
    const { payload } = await jwtVerify(token, keys, { issuer: metadata.issuer, audience: AUDIENCE, typ: 'at+jwt' });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ sub: payload.sub, username: payload.username, client_id: payload.client_id, scope: payload.scope }));
  } catch {
    res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' });
    res.end(JSON.stringify({ error: 'invalid_token' }));
  }
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
