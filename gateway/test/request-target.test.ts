import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { verifyIdentityProof } from '@app/common';
import { canonicalTarget } from '../src/routes/request-target';
import { bearer } from '@app/testkit/http';
import { IDENTITY_SECRET, signToken, startHarness, type Harness } from './support';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends bytes as they are over a plain socket (fetch cannot send these request lines) and reads the answer. */
function raw(url: string, requestLine: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const parsed: Record<string, string> = {};
      for (const line of lines) {
        const at = line.indexOf(':');
        parsed[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers: parsed, body });
    });
    const all = { host: `${hostname}:${port}`, connection: 'close', ...headers };
    socket.write(
      `${requestLine}\r\n${Object.entries(all)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\r\n')}\r\n\r\n`,
    );
  });
}

let h: Harness;
let trap: Server;
let trapPort: number;
let trapConnections = 0;
beforeAll(async () => {
  h = await startHarness();
  // Any connection here means the gateway let a client choose where it connects.
  trap = createServer((_req, res) => res.end('internal secret'));
  trap.on('connection', () => (trapConnections += 1));
  await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
  trapPort = (trap.address() as AddressInfo).port;
});
afterAll(async () => {
  await h.close();
  trap.closeAllConnections();
  await new Promise<void>((r) => trap.close(() => r()));
});

const seenByServices = () => h.auth.seen.length + h.records.seen.length + h.qa.seen.length;

describe('the request target at the edge', () => {
  const refused: Array<[string, string]> = [
    ['absolute-form to another port, with dot segments', 'GET http://127.0.0.1:TRAP/records/..?x=1 HTTP/1.1'],
    ['absolute-form to another port', 'GET http://127.0.0.1:TRAP/cached-data HTTP/1.1'],
    ['absolute-form to the upstream path', 'GET http://127.0.0.1:TRAP/records/1 HTTP/1.1'],
    ['a scheme-relative path', 'GET //127.0.0.1:TRAP/cached-data HTTP/1.1'],
    ['asterisk-form', 'OPTIONS * HTTP/1.1'],
    ['authority-form with CONNECT', 'CONNECT 127.0.0.1:TRAP HTTP/1.1'],
    ['a dot-dot segment', 'GET /records/../auth/me HTTP/1.1'],
    ['an encoded dot-dot segment', 'GET /records/%2e%2e/auth/me HTTP/1.1'],
    ['a half-encoded dot-dot segment', 'GET /records/.%2E/auth/me HTTP/1.1'],
    ['a dot segment', 'GET /records/./1 HTTP/1.1'],
    ['an encoded slash', 'GET /records/1%2f..%2fx HTTP/1.1'],
    ['an encoded backslash', 'GET /records/1%5c..%5cx HTTP/1.1'],
    ['a raw backslash', 'GET /records\\..\\auth/me HTTP/1.1'],
    ['repeated slashes', 'GET /records//1 HTTP/1.1'],
    ['a malformed percent-encoding', 'GET /records/1%zz HTTP/1.1'],
    ['a malformed percent-encoding in the query', 'GET /records/1?x=%g1 HTTP/1.1'],
  ];

  it.each(refused)('when the target is %s, then 400 before authentication and nothing is connected to', async (_name, line) => {
    const before = seenByServices();
    const trapBefore = trapConnections;
    const withToken = await raw(h.url, line.replace('TRAP', String(trapPort)), bearer(signToken(h.key)));
    const withoutToken = await raw(h.url, line.replace('TRAP', String(trapPort)));
    for (const answer of [withToken, withoutToken]) {
      expect(answer.status).toBe(400);
      const body = JSON.parse(answer.body) as { error: { code: string; requestId: string } };
      expect(body.error.code).toMatch(/^(invalid_request_target|bad_request)$/);
    }
    expect(JSON.parse(withoutToken.body).error.code).not.toBe('missing_token');
    expect(seenByServices()).toBe(before);
    expect(trapConnections).toBe(trapBefore);
  });

  it('when the target is longer than the bound, then 414', async () => {
    const answer = await raw(h.url, `GET /records/${'a'.repeat(5000)} HTTP/1.1`, bearer(signToken(h.key)));
    expect(answer.status).toBe(414);
    expect(JSON.parse(answer.body).error.code).toBe('uri_too_long');
  });

  it('when unreserved characters are percent-encoded, then the service gets the decoded canonical target, signed as such', async () => {
    const answer = await raw(h.url, 'GET /qa/jobs/%61bc%7E?b=%7e&a=1&c=%c3%a9%2f HTTP/1.1', bearer(signToken(h.key)));
    expect(answer.status).toBe(200);
    const seen = h.qa.seen.at(-1)!;
    expect(seen.url).toBe('/qa/jobs/abc~?b=~&a=1&c=%C3%A9%2F');
    const proof = verifyIdentityProof(IDENTITY_SECRET, seen.method, seen.url, seen.headers);
    expect(proof.ok).toBe(true);
  });

  it('when the same cacheable path is spelt two ways, then both are one cache entry', async () => {
    const token = signToken(h.key);
    const first = await raw(h.url, 'GET /cached-data HTTP/1.1', bearer(token));
    const second = await raw(h.url, 'GET /%63ached-%64ata HTTP/1.1', bearer(token));
    expect(first.headers['x-cache']).toBe('MISS');
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.body).toBe(first.body);
  });

  it('when the client sends a Host naming another server, then the request still goes to the configured upstream', async () => {
    const trapBefore = trapConnections;
    const answer = await raw(h.url, 'GET /cached-data-scope HTTP/1.1', { ...bearer(signToken(h.key)), host: `127.0.0.1:${trapPort}` });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).service).toBe('records');
    expect(trapConnections).toBe(trapBefore);
  });
});

describe('methods a path does not have', () => {
  const send = (method: string, path: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; allow?: string; body: string }>((resolve, reject) => {
      const req = request(`${h.url}${path}`, { method, headers }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow, body }));
      });
      req.on('error', reject);
      req.end();
    });

  it.each([
    ['PATCH', '/health'],
    ['POST', '/ready'],
    ['DELETE', '/metrics'],
    ['PUT', '/openapi.json'],
    ['POST', '/docs/'],
  ])('when %s %s is asked of the gateway itself, then 405 with Allow, without a token', async (method, path) => {
    const answer = await send(method, path);
    expect(answer.status).toBe(405);
    expect(answer.allow).toBe('GET, HEAD, OPTIONS');
    expect(JSON.parse(answer.body).error.code).toBe('method_not_allowed');
  });

  it('when TRACE is asked of a service path, then 405 with the forwarded methods, and the service sees nothing', async () => {
    const before = seenByServices();
    const answer = await send('TRACE', '/records/1', bearer(signToken(h.key)));
    expect(answer.status).toBe(405);
    expect(answer.allow).toBe('GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
    expect(seenByServices()).toBe(before);
  });

  it('when CONNECT names a known path, then 405 with Allow; an unknown path is 404', async () => {
    const known = await raw(h.url, 'CONNECT /cached-data HTTP/1.1', bearer(signToken(h.key)));
    expect(known.status).toBe(405);
    expect(known.headers.allow).toBe('GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
    expect(JSON.parse(known.body).error.code).toBe('method_not_allowed');
    const unknown = await raw(h.url, 'CONNECT /nowhere HTTP/1.1');
    expect(unknown.status).toBe(404);
  });

  it('when TRACE or a made-up method names an unknown path, then 404', async () => {
    expect((await send('TRACE', '/nowhere')).status).toBe(404);
    expect((await send('PROPFIND', '/nowhere')).status).toBe(404);
  });

  it('when a method the gateway never forwards names a service path, then 405', async () => {
    const answer = await send('PROPFIND', '/records/1', bearer(signToken(h.key)));
    expect(answer.status).toBe(405);
    expect(answer.allow).toContain('GET');
  });

  it('when an unknown path is asked with a token, then 404', async () => {
    const answer = await send('GET', '/nowhere', bearer(signToken(h.key)));
    expect(answer.status).toBe(404);
  });
});

describe('canonicalTarget', () => {
  it.each([
    ['/records/', '/records/'],
    ['/records?', '/records'],
    ['/a%2db', '/a-b'],
    ['/a%3ab', '/a%3Ab'],
    ['/a b'.replace(' ', '%20'), '/a%20b'],
    ['/x/"<>', '/x/%22%3C%3E'],
    ['/x?q=a+b&r=%2f', '/x?q=a+b&r=%2F'],
    ['/x/...', '/x/...'],
    ['/x/.well-known', '/x/.well-known'],
  ])('when given %s, then the canonical target is %s', (input, expected) => {
    const checked = canonicalTarget(input);
    expect(checked.ok && checked.value.target).toBe(expected);
  });

  it.each(['', '*', 'x', 'http://a/b', 'a:80', '//a/b', '/a/..', '/a/%2E', '/a/%2F', '/a%5Cb', '/a\u00e9', '/a#b', '/a\tb'])(
    'when given %j, then it is refused',
    (input) => {
      expect(canonicalTarget(input).ok).toBe(false);
    },
  );
});
