import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { COMPOSE_FILES, COMPOSE_SECRETS, writeComposeSecrets } from '@app/infra/compose-secrets';

const ROOT = resolve(__dirname, '..', '..');
const composeText = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as {
  services: Record<string, { environment?: Record<string, string>; restart?: string; image?: string }>;
};

describe('docker-compose.yml', () => {
  it('when a secret is referenced, then it has no default: compose refuses to start without it', () => {
    for (const name of COMPOSE_SECRETS) {
      const uses = composeText.match(new RegExp(`\\$\\{${name}(?![A-Z0-9_])[^}]*\\}`, 'g')) ?? [];
      expect(uses.length).toBeGreaterThan(0);
      for (const use of uses) expect(use).toMatch(new RegExp(`^\\$\\{${name}:\\?`));
    }
    expect(composeText).not.toMatch(/guest/);
    expect(composeText).not.toMatch(/change-me/);
  });

  it('when the QA worker starts, then it gets no IDENTITY_SECRET; every other service does', () => {
    expect(compose.services['qa-worker']!.environment).not.toHaveProperty('IDENTITY_SECRET');
    for (const name of ['gateway', 'auth', 'records', 'qa']) expect(compose.services[name]!.environment).toHaveProperty('IDENTITY_SECRET');
  });

  it('when the services reach the stores and the broker, then each uses credentials, the broker its own user per service', () => {
    for (const name of ['auth', 'records', 'qa', 'qa-worker', 'gateway']) {
      const env = compose.services[name]!.environment!;
      expect(env.AMQP_URL).toMatch(new RegExp(`^amqp://${name === 'qa-worker' ? 'qa' : name}:\\$\\{RABBITMQ_`));
      expect(composeText).toContain('&redis-url redis://:${REDIS_PASSWORD:?');
      if (name !== 'gateway') expect(env.MONGO_URL).toMatch(/^mongodb:\/\/\w+:\$\{MONGO_\w+_PASSWORD:\?/);
    }
  });
});

describe('docker-compose.yml as an operator runs it', () => {
  it('when a container stops on its own, then compose starts it again (every service has a restart policy)', () => {
    for (const [name, service] of Object.entries(compose.services)) expect([name, service.restart]).toEqual([name, 'unless-stopped']);
  });

  it('when the shell has NODE_ENV=development, then the services still run in production (it is not taken from the shell)', () => {
    expect(composeText).not.toMatch(/\$\{NODE_ENV/);
    for (const name of ['gateway', 'auth', 'records', 'qa', 'qa-worker']) expect(compose.services[name]!.environment!.NODE_ENV).toBe('production');
  });

  it('when the broker is pulled, then it is a RabbitMQ 4 release (3.13 is past community support)', () => {
    expect(compose.services.rabbitmq!.image).toMatch(/^rabbitmq:4\.\d+(-|$)/);
  });

  it('when IDENTITY_SECRET is rotated, then the services that check the proof get the previous key, optional', () => {
    for (const name of ['auth', 'records', 'qa'])
      expect(compose.services[name]!.environment!.IDENTITY_SECRET_PREVIOUS).toBe('${IDENTITY_SECRET_PREVIOUS:-}');
  });
});

describe('npm run secrets', () => {
  it('when run on a fresh clone (nothing installed), then it installs before it builds', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.presecrets).toMatch(/^npm (install|ci)\b[^&]*&& npm run build/);
  });

  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'compose-secrets-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('when run twice, then it writes random secrets once and keeps them; .env is private', () => {
    writeFileSync(join(dir, '.env'), 'GATEWAY_PORT=9000\nREDIS_PASSWORD=chosen-by-the-operator\n');
    expect(writeComposeSecrets(dir).added).toHaveLength(COMPOSE_SECRETS.length - 1);
    const first = readFileSync(join(dir, COMPOSE_FILES.env), 'utf8');
    expect(first).toContain('GATEWAY_PORT=9000');
    expect(first).toContain('REDIS_PASSWORD=chosen-by-the-operator');
    expect(first).toMatch(/^IDENTITY_SECRET=[A-Za-z0-9_-]{43}$/m);
    expect(statSync(join(dir, COMPOSE_FILES.env)).mode & 0o777).toBe(0o600);
    const key = readFileSync(join(dir, COMPOSE_FILES.jwtKey), 'utf8');
    expect(key).toMatch(/BEGIN PRIVATE KEY/);

    expect(writeComposeSecrets(dir).added).toEqual([]);
    expect(readFileSync(join(dir, COMPOSE_FILES.env), 'utf8')).toBe(first);
    expect(readFileSync(join(dir, COMPOSE_FILES.jwtKey), 'utf8')).toBe(key);
  });

  it('when the broker definitions are written, then there is one user per service, no guest, and topic permissions on app.events', () => {
    writeComposeSecrets(dir);
    const definitions = JSON.parse(readFileSync(join(dir, COMPOSE_FILES.definitions), 'utf8')) as {
      users: Array<{ name: string; password_hash: string }>;
      topic_permissions: Array<{ user: string; exchange: string; write: string }>;
    };
    expect(definitions.users.map((u) => u.name).sort()).toEqual(['auth', 'gateway', 'qa', 'records']);
    expect(JSON.stringify(definitions)).not.toContain(readFileSync(join(dir, '.env'), 'utf8').match(/RABBITMQ_AUTH_PASSWORD=(.*)/)![1]);
    const writes = Object.fromEntries(
      definitions.topic_permissions.filter((p) => p.exchange === 'app.events').map((p) => [p.user, new RegExp(p.write)]),
    );
    expect(writes.auth!.test('user.deleted')).toBe(true);
    expect(writes.records!.test('user.deleted')).toBe(false);
    expect(writes.records!.test('record.created')).toBe(true);
    expect(writes.qa!.test('qa.job.completed')).toBe(true);
    expect(writes.qa!.test('user.deleted')).toBe(false);
    expect(writes.gateway!.test('token.revoked')).toBe(false);
  });
});
