import { createHash, randomBytes } from 'node:crypto';
// The catalogue alone, not @app/common's index: the launcher does not load the services' dependencies.
import { publishPermission } from '@app/common/event-catalogue';
import type { NativeServer } from './processes';

export type BrokerUser = 'auth' | 'records' | 'qa' | 'gateway' | 'harness';

interface BrokerGrant {
  /** Queues the user may declare, bind and consume: its own, named `<service>.…` (after an optional `<exchange>.` prefix). */
  queues?: string;
  /** Routing keys the user may publish on the event exchange, as a regular expression. */
  publishes: string;
}

/**
 * Who may do what on the broker. A consumer trusts an event because of who could publish it, so
 * each service publishes only its own events, as the event catalogue names them; the broker refuses
 * the rest. `harness` exists only on brokers that `npm test` starts: the tests publish and observe
 * any event, as a person would.
 */
export const BROKER_USERS: Record<BrokerUser, BrokerGrant> = {
  auth: { publishes: publishPermission('auth') },
  records: { queues: 'records', publishes: publishPermission('records') },
  qa: { queues: 'qa', publishes: publishPermission('qa') },
  gateway: { queues: 'gateway', publishes: publishPermission('gateway') },
  harness: { queues: '.*', publishes: '.*' },
};

/** The event exchange of `npm start` and compose; EVENTS_EXCHANGE must name it. */
export const EVENTS_EXCHANGE = 'app.events';
/**
 * The exchanges the test broker also lets services use: each end-to-end stack's own
 * `e2e-<8 hex>.events`. Topic permissions name exchanges exactly, so the routing-key checks
 * hold on `app.events` only; the per-namespace exchanges exist for test isolation.
 */
export const TEST_EXCHANGES = '(app|e2e-[0-9a-f]{8})\\.events';

/**
 * RabbitMQ definitions (users, permissions, topic permissions) for the given users and passwords,
 * as the broker imports them on boot: the native launcher and docker compose use the same ones.
 * A service may declare and use the event exchanges (named exactly, so it cannot declare one of
 * its own and bind it into them) and its own queues; it may publish only its own routing keys.
 */
export function brokerDefinitions(passwords: Partial<Record<BrokerUser, string>>, exchanges = 'app\\.events') {
  const users = Object.keys(passwords) as BrokerUser[];
  const exchangeNames = `${exchanges}(\\.dead)?`;
  const resources = (user: BrokerUser) => {
    const grant = BROKER_USERS[user];
    if (grant.queues === '.*') return '.*';
    if (!grant.queues) return `^${exchangeNames}$`;
    return `^(${exchangeNames}|(${exchanges}\\.)?${grant.queues}\\..*)$`;
  };
  return {
    vhosts: [{ name: '/' }],
    users: users.map((name) => ({
      name,
      password_hash: rabbitPasswordHash(passwords[name]!),
      hashing_algorithm: 'rabbit_password_hashing_sha256',
      tags: [],
    })),
    permissions: users.map((user) => ({ user, vhost: '/', configure: resources(user), write: resources(user), read: resources(user) })),
    // Topic permissions are per exchange name, not a pattern.
    topic_permissions: users.flatMap((user) =>
      [EVENTS_EXCHANGE, `${EVENTS_EXCHANGE}.dead`].map((exchange) => ({
        user,
        vhost: '/',
        exchange,
        write: BROKER_USERS[user].publishes,
        read: '.*',
      })),
    ),
  };
}

/** RabbitMQ's salted SHA-256 password hash: base64(salt ‖ sha256(salt ‖ password)), 4-byte salt. */
export function rabbitPasswordHash(password: string): string {
  const salt = randomBytes(4);
  const digest = createHash('sha256')
    .update(Buffer.concat([salt, Buffer.from(password, 'utf8')]))
    .digest();
  return Buffer.concat([salt, digest]).toString('base64');
}

/** The AMQP URL each process uses: AMQP_URL (the tests' harness user, when there is one) and one per service. */
export function brokerEnv(server: Pick<NativeServer, 'url' | 'brokerUrls'>): Record<string, string> {
  if (!server.brokerUrls) return { AMQP_URL: server.url };
  const urls = server.brokerUrls;
  return {
    AMQP_URL: server.url,
    AMQP_URL_AUTH: urls.auth,
    AMQP_URL_RECORDS: urls.records,
    AMQP_URL_QA: urls.qa,
    AMQP_URL_GATEWAY: urls.gateway,
  };
}
