import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brokerDefinitions, type BrokerUser } from './broker-users';
import { ROOT } from './paths';

/** Every secret docker-compose.yml requires (it refuses to start without them: `${NAME:?…}`). */
export const COMPOSE_SECRETS = [
  'IDENTITY_SECRET',
  'MONGO_ROOT_PASSWORD',
  'MONGO_AUTH_PASSWORD',
  'MONGO_RECORDS_PASSWORD',
  'MONGO_QA_PASSWORD',
  'REDIS_PASSWORD',
  'REDIS_CACHE_PASSWORD',
  'RABBITMQ_AUTH_PASSWORD',
  'RABBITMQ_RECORDS_PASSWORD',
  'RABBITMQ_QA_PASSWORD',
  'RABBITMQ_GATEWAY_PASSWORD',
] as const;

const BROKER_PASSWORDS: Record<Exclude<BrokerUser, 'harness'>, (typeof COMPOSE_SECRETS)[number]> = {
  auth: 'RABBITMQ_AUTH_PASSWORD',
  records: 'RABBITMQ_RECORDS_PASSWORD',
  qa: 'RABBITMQ_QA_PASSWORD',
  gateway: 'RABBITMQ_GATEWAY_PASSWORD',
};

export const COMPOSE_FILES = {
  env: '.env',
  jwtKey: join('deploy', 'compose', 'secrets', 'jwt-private.pem'),
  definitions: join('deploy', 'compose', 'rabbitmq', 'definitions.json'),
};

function parseEnv(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match) values.set(match[1]!, match[2]!.replace(/^(['"])(.*)\1$/, '$2'));
  }
  return values;
}

/**
 * Writes what compose needs and nobody may know: random values for the secrets missing from
 * `.env` (existing ones are kept, so running it again changes nothing), an ES256 signing key, and
 * the broker's definitions (one user per service, no guest) hashed from the `.env` passwords.
 */
export function writeComposeSecrets(root: string): { added: string[] } {
  const envPath = join(root, COMPOSE_FILES.env);
  const existing = existsSync(envPath) ? readFileSync(envPath, 'utf8') : '';
  const values = parseEnv(existing);
  const added = COMPOSE_SECRETS.filter((name) => !values.get(name));
  if (added.length > 0) {
    const lines = added.map((name) => {
      const value = randomBytes(32).toString('base64url');
      values.set(name, value);
      return `${name}=${value}`;
    });
    const header = existing ? (existing.endsWith('\n') ? '' : '\n') : '# Written by `npm run secrets`; keep it out of version control.\n';
    writeFileSync(envPath, `${existing}${header}${lines.join('\n')}\n`, { mode: 0o600 });
  }
  chmodSync(envPath, 0o600);

  const keyPath = join(root, COMPOSE_FILES.jwtKey);
  mkdirSync(join(keyPath, '..'), { recursive: true, mode: 0o700 });
  if (!existsSync(keyPath)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    // Readable inside the container (another uid); the folder keeps other local users out.
    writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o644 });
  }

  const definitionsPath = join(root, COMPOSE_FILES.definitions);
  mkdirSync(join(definitionsPath, '..'), { recursive: true });
  const passwords = Object.fromEntries(Object.entries(BROKER_PASSWORDS).map(([user, name]) => [user, values.get(name)!]));
  // Salted hashes only; the broker runs as its own user, so the file must be readable by it.
  writeFileSync(definitionsPath, `${JSON.stringify(brokerDefinitions(passwords), null, 2)}\n`, { mode: 0o644 });
  return { added };
}

if (require.main === module) {
  const { added } = writeComposeSecrets(ROOT);
  process.stdout.write(
    added.length > 0
      ? `Wrote ${added.length} new secret(s) to .env, ${COMPOSE_FILES.jwtKey} and ${COMPOSE_FILES.definitions}.\nNow: docker compose up --build\n`
      : `.env already holds every secret; ${COMPOSE_FILES.definitions} refreshed from it.\n`,
  );
}
