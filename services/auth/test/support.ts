import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkAnswersFrom } from '@app/testkit/contract';
import { readAnswer, type Answer } from '@app/testkit/http';
import { identityHeaders, type Caller } from '@app/testkit/identity';
import { AMQP_URL, MONGO_URL, REDIS_URL, deleteKeys, dropDatabase } from '@app/testkit/servers';
import { start, type RunningService } from '../src/main';

export const SECRET = 'auth-tests-identity-secret-0123456789abcdef';

export interface TestAuth {
  service: RunningService;
  url: string;
  db: string;
  keysDir: string;
  limitPrefix: string;
  env: NodeJS.ProcessEnv;
  /** Restarts on the same database and key folder. */
  restart(overrides?: NodeJS.ProcessEnv): Promise<void>;
  cleanup(): Promise<void>;
}

/** Starts the service in-process on its own database, key folder and rate-limit key prefix. */
export async function startAuth(overrides: NodeJS.ProcessEnv = {}): Promise<TestAuth> {
  const id = randomUUID();
  const db = `test-${id}`;
  const keysDir = mkdtempSync(join(tmpdir(), 'auth-keys-'));
  const limitPrefix = `test-${id}:login-fail`;
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    IDENTITY_SECRET: SECRET,
    MONGO_URL,
    MONGO_DB: db,
    REDIS_URL,
    AMQP_URL,
    JWT_KEYS_DIR: keysDir,
    LOGIN_LIMIT_KEY_PREFIX: limitPrefix,
    ...overrides,
  };
  const service = await start(env);
  checkAnswersFrom(service.url);
  const auth: TestAuth = {
    service,
    get url() {
      return this.service.url;
    },
    db,
    keysDir,
    limitPrefix,
    env,
    async restart(more = {}) {
      await this.service.stop();
      this.service = await start({ ...env, ...more });
      checkAnswersFrom(this.service.url);
    },
    async cleanup() {
      await this.service.stop();
      await dropDatabase(db);
      await deleteKeys(`${limitPrefix}:*`);
      rmSync(keysDir, { recursive: true, force: true });
    },
  };
  return auth;
}

/** The headers the gateway would add for this request. */
export function gatewayHeaders(method: string, path: string, caller: Caller = {}): Record<string, string> {
  // Each request from its own address unless a test says otherwise, so per-address limits never meet.
  return identityHeaders(SECRET, method, path, { ...caller, clientIp: caller.clientIp ?? uniqueIp() });
}

/** A random documentation-range address, so tests' per-address limits never meet. */
export function uniqueIp(): string {
  const byte = () => Math.floor(Math.random() * 254) + 1;
  return `198.51.${byte()}.${byte()}`;
}

export function uniqueName(prefix = 'u'): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
}

/** A request through an imaginary gateway: identity headers signed for this method and path. */
export async function call(
  base: string,
  method: string,
  path: string,
  options: { json?: unknown; form?: string; body?: string; headers?: Record<string, string>; caller?: Caller | false } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {
    ...(options.caller === false ? {} : gatewayHeaders(method, path, options.caller)),
    ...(options.json !== undefined ? { 'content-type': 'application/json' } : {}),
    ...(options.form !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    ...options.headers,
  };
  const body = options.json !== undefined ? JSON.stringify(options.json) : (options.form ?? options.body);
  return readAnswer(await fetch(base + path, { method, headers, body }));
}

export async function register(base: string, username: string, password = 'correct-horse-battery') {
  const res = await call(base, 'POST', '/auth/register', { json: { username, password } });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; username: string; createdAt: string };
}

export async function login(base: string, username: string, password = 'correct-horse-battery', clientIp = uniqueIp()) {
  return call(base, 'POST', '/auth/login', { json: { username, password }, caller: { clientIp } });
}

/** Registers and logs in a new user; returns the user and its tokens. */
export async function newSession(base: string) {
  const user = await register(base, uniqueName());
  const res = await login(base, user.username);
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { user, tokens: res.body as { access_token: string; refresh_token: string; expires_in: number; token_type: string } };
}

export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header!, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')),
  };
}
