import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { startInfrastructure } from './infra';
import { ROOT } from './servers';

// `npm run bench:gateway`: what the gateway costs per request, against the same upstream called directly.
// Figures, not a pass/fail: the machine and its load decide the absolute numbers; the ratios travel.

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 4000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const UPSTREAM_WORK_MS = Number(process.env.BENCH_UPSTREAM_MS ?? 5);

async function upstream() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  const server = createServer((req, res) => {
    if (req.url === '/auth/.well-known/jwks.json') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] }));
      return;
    }
    // Stands in for a service doing a small database read.
    setTimeout(() => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ username: 'bench', timestamp: new Date().toISOString(), items: Array.from({ length: 20 }, (_, i) => ({ id: i })) }));
    }, UPSTREAM_WORK_MS);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const claims: jwt.JwtPayload = { sub: `bench-${randomUUID()}`, username: 'bench', jti: randomUUID() };
  const token = jwt.sign(claims, privateKey, {
    algorithm: 'RS256',
    keyid: kid,
    expiresIn: 1200,
    issuer: 'api-gateway-auth',
    audience: 'api-gateway',
  });
  return { url, token, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function load(url: string, headers: Record<string, string>) {
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        next += 1;
        const t0 = performance.now();
        const response = await fetch(url, { headers });
        await response.arrayBuffer();
        if (!response.ok) failures += 1;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
  return { rps: REQUESTS / seconds, p50: pct(50), p95: pct(95), p99: pct(99), failures };
}

async function main() {
  const infra = await startInfrastructure();
  const up = await upstream();
  // The built gateway, as `npm start` runs it, loaded by path.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { start } = require(join(ROOT, 'gateway/dist/main.js')) as {
    start: (env: Record<string, string>) => Promise<{ url: string; stop(): Promise<void> }>;
  };
  const gateway = await start({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    AUTH_URL: up.url,
    RECORDS_URL: up.url,
    QA_URL: up.url,
    IDENTITY_SECRET: 'bench-identity-secret-0123456789abcdef',
    CACHE_ROUTES: '/cached-data=120',
    ...infra.env,
  });
  const auth = { authorization: `Bearer ${up.token}` };
  try {
    await load(`${up.url}/records/`, {}); // warm-up
    const rows = {
      'upstream directly': await load(`${up.url}/records/`, {}),
      'gateway, proxied (JWT + identity proof)': await load(`${gateway.url}/records/1/x`, auth),
      'gateway, cache HIT': await load(`${gateway.url}/cached-data`, auth),
    };
    const baseline = rows['upstream directly'];
    process.stdout.write(`\n${REQUESTS} requests, ${CONCURRENCY} at a time, upstream work ${UPSTREAM_WORK_MS} ms\n\n`);
    process.stdout.write('| path | req/s | p50 ms | p95 ms | p99 ms | failures | req/s vs direct |\n|---|---|---|---|---|---|---|\n');
    for (const [name, r] of Object.entries(rows)) {
      process.stdout.write(
        `| ${name} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p95.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.failures} | ${(r.rps / baseline.rps).toFixed(2)}x |\n`,
      );
    }
  } finally {
    await gateway.stop();
    await up.close();
    await infra.stop();
  }
}

void main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
