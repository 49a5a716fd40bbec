import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt, { type SignOptions } from 'jsonwebtoken';
import { AMQP_URL, REDIS_URL, uniqueId } from '@app/testkit/servers';
import { start, type RunningGateway } from '../src/main';
import { defaultRoutes, type RouteEntry } from '../src/routes/route-table';

export const IDENTITY_SECRET = 'test-identity-secret-0123456789abcdef';
// The default JWT_ISSUER: the gateway's public URL.
export const ISSUER = 'http://127.0.0.1:8000';
export const AUDIENCE = 'api-gateway';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicPem: string;
}

export function makeKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid: randomUUID(), privateKey, publicKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** A token of exactly `claims` (none added), from the gateway's issuer to its audience, under key id `kid`. */
export function signClaims(privateKey: KeyObject, kid: string, claims: jwt.JwtPayload, options: SignOptions = {}): string {
  const signOptions: SignOptions = { algorithm: 'RS256', keyid: kid, expiresIn: 1200, issuer: ISSUER, audience: AUDIENCE, ...options };
  if ('exp' in claims) delete signOptions.expiresIn;
  return jwt.sign(claims, privateKey, signOptions);
}

export function signToken(key: SigningKey, claims: Record<string, unknown> = {}, options: SignOptions = {}): string {
  // A fresh user per token unless a test names one, so cached answers never leak between runs.
  return signClaims(key.privateKey, key.kid, { sub: `user-${randomUUID()}`, username: 'ann', jti: randomUUID(), ...claims }, options);
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP service that records what reached it; `handler` may shape the answer. */
export interface FakeService {
  url: string;
  seen: SeenRequest[];
  handler?: (req: SeenRequest) => { status?: number; headers?: Record<string, string>; body?: unknown; delayMs?: number } | undefined;
  close(): Promise<void>;
}

export async function startFakeService(name: string, jwksKeys?: () => SigningKey[]): Promise<FakeService> {
  const seen: SeenRequest[] = [];
  const service: FakeService = { url: '', seen, close: async () => undefined };
  let counter = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      if (jwksKeys && req.url === '/auth/.well-known/jwks.json') {
        const keys = jwksKeys().map((k) => ({ ...k.publicKey.export({ format: 'jwk' }), kid: k.kid, alg: 'RS256', use: 'sig' }));
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys }));
        return;
      }
      if (req.url === '/openapi.json') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ paths: { [`/${name}/thing`]: { get: { summary: `${name} thing` } } } }));
        return;
      }
      seen.push(request);
      counter += 1;
      const shaped = service.handler?.(request);
      if (shaped?.delayMs) await new Promise((r) => setTimeout(r, shaped.delayMs));
      res.statusCode = shaped?.status ?? 200;
      res.setHeader('content-type', 'application/json');
      for (const [k, v] of Object.entries(shaped?.headers ?? {})) res.setHeader(k, v);
      res.end(
        JSON.stringify(
          shaped?.body ?? {
            service: name,
            url: req.url,
            userId: req.headers['x-user-id'],
            n: counter,
            at: new Date().toISOString(),
            body: request.body,
          },
        ),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  service.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  service.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return service;
}

export interface Harness {
  gateway: RunningGateway;
  url: string;
  /** This harness's own event exchange: events published there reach this gateway and no other. */
  exchange: string;
  key: SigningKey;
  keys: SigningKey[];
  auth: FakeService;
  records: FakeService;
  qa: FakeService;
  close(): Promise<void>;
}

export interface ServiceUrls {
  auth: string;
  records: string;
  qa: string;
}

/**
 * The default route table for the fake services, with `change` applied to it: what a test
 * passes as GATEWAY_ROUTES to vary one route.
 */
export function routesFor(urls: ServiceUrls, change: (routes: RouteEntry[]) => RouteEntry[] = (r) => r): string {
  return JSON.stringify(
    change(
      defaultRoutes({
        AUTH_URL: urls.auth,
        RECORDS_URL: urls.records,
        QA_URL: urls.qa,
        UPSTREAM_TIMEOUT_MS: 15_000,
        QA_UPSTREAM_TIMEOUT_MS: 70_000,
        QA_MAX_HELD_UPSTREAM_REQUESTS: 200,
        BODY_LIMIT_BYTES: 1024 * 1024,
        QA_BODY_LIMIT_BYTES: 12 * 1024 * 1024,
      }),
    ),
  );
}

/** The real gateway in-process, in front of real HTTP services that record what reaches them. */
export async function startHarness(env: Record<string, string> | ((urls: ServiceUrls) => Record<string, string>) = {}): Promise<Harness> {
  const key = makeKey();
  const keys = [key];
  const auth = await startFakeService('auth', () => keys);
  const records = await startFakeService('records');
  const qa = await startFakeService('qa');
  const extra = typeof env === 'function' ? env({ auth: auth.url, records: records.url, qa: qa.url }) : env;
  // Gateways share their cache-invalidation queue; on one exchange, another test's gateway could take this one's events.
  const exchange = extra.EVENTS_EXCHANGE ?? uniqueId('test-gateway');
  const gateway = await start({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    AUTH_URL: auth.url,
    RECORDS_URL: records.url,
    QA_URL: qa.url,
    REDIS_URL,
    AMQP_URL,
    IDENTITY_SECRET,
    // Production waits 10 s between refetches for unknown kids; tests rotate keys at once.
    JWKS_MIN_REFETCH_SECONDS: '0',
    // A loaded test machine can take longer than production's 150 ms; tests that want a BYPASS set their own.
    CACHE_REDIS_TIMEOUT_MS: '1000',
    ...extra,
    EVENTS_EXCHANGE: exchange,
  });
  return {
    gateway,
    url: gateway.url,
    exchange,
    key,
    keys,
    auth,
    records,
    qa,
    close: async () => {
      await gateway.stop();
      await Promise.all([auth.close(), records.close(), qa.close()]);
    },
  };
}
