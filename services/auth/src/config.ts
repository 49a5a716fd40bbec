import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, env, loadConfig, outboxShape, serviceShape } from '@app/common';
import { passwordRule, usernameRule } from './domain/account-rules';
import type { SeedUser } from './domain/accounts';
import { DEFAULT_CLIENT_ID, SCOPE_TOKEN, type OAuthClient } from './domain/clients';
import type { SigningKeySource } from './domain/signing-keys';

// src/ and dist/ sit at the same depth, so the repository root is three levels up from either.
const REPO_ROOT = resolve(__dirname, '..', '..', '..');
const DEV_SEED_USERS = 'anurag:password123';

const shape = {
  ...serviceShape({ port: 8001, database: 'auth' }),
  ...outboxShape,
  REDIS_URL: env.redisUrl(),

  // The public URL clients reach the gateway at: the tokens' `iss` and the RFC 8414 metadata's `issuer`.
  JWT_ISSUER: env.issuer('http://127.0.0.1:8000'),
  JWT_AUDIENCE: z.string().min(1).default('api-gateway'),
  ACCESS_TOKEN_TTL_SECONDS: env.int(1200, 60, 24 * 3600),
  REFRESH_TOKEN_TTL_SECONDS: env.int(14 * 24 * 3600, 300, 365 * 24 * 3600),
  JWT_KEYS_DIR: z.string().min(1).optional(),
  JWT_PRIVATE_KEY: z.string().min(1).optional(),
  JWT_PRIVATE_KEY_FILE: z.string().min(1).optional(),
  JWT_PREVIOUS_PUBLIC_KEYS: z.string().min(1).optional(),
  JWT_PREVIOUS_PUBLIC_KEYS_FILE: z.string().min(1).optional(),

  SEED_USERS: z.string().optional(),

  // OAuth 2.0 clients that must authenticate (confidential ones, resource servers that introspect), as
  // JSON; any other client_id is a public client. The scopes a token may carry.
  OAUTH_CLIENTS: z.string().optional(),
  OAUTH_SCOPES: env
    .list('api')
    .pipe(z.array(z.string().regex(SCOPE_TOKEN, 'each scope must be printable ASCII without spaces, quotes or backslashes')).min(1)),

  // Per account, whatever the address: this many failures pass, then each next attempt waits
  // LOGIN_ACCOUNT_DELAY_SECONDS doubled per further failure, up to LOGIN_ACCOUNT_MAX_DELAY_SECONDS.
  LOGIN_ACCOUNT_FREE_FAILURES: env.int(5, 1, 1000),
  LOGIN_ACCOUNT_DELAY_SECONDS: env.int(2, 1, 3600),
  LOGIN_ACCOUNT_MAX_DELAY_SECONDS: env.int(900, 1, 24 * 3600),
  // Per address (IPv6 by /64): a slow-down, never a long lockout of everyone behind one NAT.
  LOGIN_ADDRESS_FREE_FAILURES: env.int(100, 1, 1_000_000),
  LOGIN_ADDRESS_DELAY_SECONDS: env.int(1, 1, 3600),
  LOGIN_ADDRESS_MAX_DELAY_SECONDS: env.int(60, 1, 3600),
  // Failures are forgotten after this long without any attempt.
  LOGIN_FAILURE_MEMORY_SECONDS: env.int(24 * 3600, 60, 30 * 24 * 3600),
  REGISTER_ADDRESS_FREE: env.int(20, 1, 1_000_000),
  REGISTER_ADDRESS_DELAY_SECONDS: env.int(5, 1, 3600),
  REGISTER_ADDRESS_MAX_DELAY_SECONDS: env.int(600, 1, 24 * 3600),
  REGISTER_MEMORY_SECONDS: env.int(3600, 60, 7 * 24 * 3600),
  LOGIN_LIMIT_KEY_PREFIX: z.string().min(1).default('auth:login-fail'),
};

export type AuthConfig = ReturnType<typeof loadAuthConfig>;

/** The auth service's settings, validated once; cross-variable rules raise the same ConfigError as missing ones. */
export function loadAuthConfig(overrides: NodeJS.ProcessEnv = {}) {
  const raw = loadConfig(shape, { ...process.env, ...overrides });
  const problems: string[] = [];

  let keys: SigningKeySource;
  if (raw.JWT_PRIVATE_KEY && raw.JWT_PRIVATE_KEY_FILE) {
    problems.push('JWT_PRIVATE_KEY and JWT_PRIVATE_KEY_FILE are both set; set only one');
  }
  if (raw.JWT_PREVIOUS_PUBLIC_KEYS && raw.JWT_PREVIOUS_PUBLIC_KEYS_FILE) {
    problems.push('JWT_PREVIOUS_PUBLIC_KEYS and JWT_PREVIOUS_PUBLIC_KEYS_FILE are both set; set only one');
  }
  if (raw.JWT_PRIVATE_KEY || raw.JWT_PRIVATE_KEY_FILE) {
    keys = {
      kind: 'pem',
      privateKeyPem: raw.JWT_PRIVATE_KEY,
      privateKeyFile: raw.JWT_PRIVATE_KEY_FILE,
      previousPublicKeysPem: raw.JWT_PREVIOUS_PUBLIC_KEYS,
      previousPublicKeysFile: raw.JWT_PREVIOUS_PUBLIC_KEYS_FILE,
    };
  } else if (raw.NODE_ENV === 'production') {
    // A generated key would differ per replica and vanish with the container: tokens would fail at random.
    problems.push('JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE is required when NODE_ENV=production (a PEM RSA or P-256 private key)');
    keys = { kind: 'directory', dir: '' };
  } else if (raw.JWT_KEYS_DIR) {
    keys = { kind: 'directory', dir: resolve(raw.JWT_KEYS_DIR) };
  } else if (raw.NODE_ENV === 'development') {
    keys = { kind: 'directory', dir: resolve(REPO_ROOT, '.data', 'auth-keys') };
  } else {
    problems.push('JWT_KEYS_DIR is required when NODE_ENV=test (a temporary directory for the generated signing key)');
    keys = { kind: 'directory', dir: '' };
  }

  if (raw.LOGIN_ACCOUNT_MAX_DELAY_SECONDS < raw.LOGIN_ACCOUNT_DELAY_SECONDS) {
    problems.push('LOGIN_ACCOUNT_MAX_DELAY_SECONDS must not be less than LOGIN_ACCOUNT_DELAY_SECONDS');
  }
  if (raw.LOGIN_ADDRESS_MAX_DELAY_SECONDS < raw.LOGIN_ADDRESS_DELAY_SECONDS) {
    problems.push('LOGIN_ADDRESS_MAX_DELAY_SECONDS must not be less than LOGIN_ADDRESS_DELAY_SECONDS');
  }
  if (raw.REGISTER_ADDRESS_MAX_DELAY_SECONDS < raw.REGISTER_ADDRESS_DELAY_SECONDS) {
    problems.push('REGISTER_ADDRESS_MAX_DELAY_SECONDS must not be less than REGISTER_ADDRESS_DELAY_SECONDS');
  }
  const seedUsers = parseSeedUsers(raw.NODE_ENV, raw.SEED_USERS, problems);
  const oauthClients = parseOAuthClients(raw.OAUTH_CLIENTS, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  const memory = raw.LOGIN_FAILURE_MEMORY_SECONDS * 1000;
  const throttle = {
    account: {
      free: raw.LOGIN_ACCOUNT_FREE_FAILURES,
      baseMs: raw.LOGIN_ACCOUNT_DELAY_SECONDS * 1000,
      maxMs: raw.LOGIN_ACCOUNT_MAX_DELAY_SECONDS * 1000,
      idleMs: memory,
    },
    address: {
      free: raw.LOGIN_ADDRESS_FREE_FAILURES,
      baseMs: raw.LOGIN_ADDRESS_DELAY_SECONDS * 1000,
      maxMs: raw.LOGIN_ADDRESS_MAX_DELAY_SECONDS * 1000,
      idleMs: memory,
    },
    registration: {
      free: raw.REGISTER_ADDRESS_FREE,
      baseMs: raw.REGISTER_ADDRESS_DELAY_SECONDS * 1000,
      maxMs: raw.REGISTER_ADDRESS_MAX_DELAY_SECONDS * 1000,
      idleMs: raw.REGISTER_MEMORY_SECONDS * 1000,
    },
  };
  return { ...raw, keys, seedUsers, oauthClients, throttle, seedUsersIgnored: raw.NODE_ENV === 'production' && Boolean(raw.SEED_USERS) };
}

function parseSeedUsers(nodeEnv: string, value: string | undefined, problems: string[]): SeedUser[] {
  // Demo accounts with known passwords must never exist in production, whatever the environment says.
  if (nodeEnv === 'production') return [];
  const list = value ?? (nodeEnv === 'development' ? DEV_SEED_USERS : '');
  const users: SeedUser[] = [];
  for (const entry of list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const colon = entry.indexOf(':');
    if (colon <= 0) {
      problems.push(`SEED_USERS is invalid: '${entry.slice(0, 40)}' must be username:password`);
      continue;
    }
    const username = entry.slice(0, colon);
    const password = entry.slice(colon + 1);
    const bad = [usernameRule.safeParse(username), passwordRule.safeParse(password)].find((r) => !r.success);
    if (bad) {
      problems.push(`SEED_USERS is invalid: '${username}' ${bad.error.issues[0]?.message ?? 'is not a valid account'}`);
      continue;
    }
    users.push({ username, password });
  }
  return users;
}

const oauthClientEntry = z.strictObject({
  id: z.string().regex(/^[\x21-\x7e]{1,128}$/, 'must be 1-128 printable ASCII characters without spaces'),
  secret: z.string().min(32, 'must be at least 32 characters (generate one with: openssl rand -base64 32)').max(512),
  // A resource server may ask what a token means (RFC 7662); other clients may not.
  introspect: z.boolean().default(false),
});

function parseOAuthClients(value: string | undefined, problems: string[]): OAuthClient[] {
  if (!value?.trim()) return [];
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (err) {
    problems.push(`OAUTH_CLIENTS is invalid: not JSON (${(err as Error).message})`);
    return [];
  }
  const parsed = z.array(oauthClientEntry).safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    problems.push(
      `OAUTH_CLIENTS is invalid: ${issue?.path.join('.') || 'value'} ${issue?.message ?? ''}; expected [{"id":"…","secret":"…","introspect":false}]`,
    );
    return [];
  }
  const ids = parsed.data.map((c) => c.id);
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated) problems.push(`OAUTH_CLIENTS is invalid: client "${repeated}" is listed twice`);
  if (ids.includes(DEFAULT_CLIENT_ID))
    problems.push(`OAUTH_CLIENTS is invalid: "${DEFAULT_CLIENT_ID}" is the id of clients that name none; choose another`);
  return parsed.data;
}
