import { randomBytes } from 'node:crypto';
import { GenericContainer, Wait } from 'testcontainers';
import { BROKER_USERS, TEST_EXCHANGES, brokerDefinitions, type BrokerUser } from './broker-users';

// Used only where a Docker engine answers; the same images as docker-compose.yml.

export async function mongoContainer() {
  const container = await new GenericContainer('mongo:7').withExposedPorts(27017).withWaitStrategy(Wait.forListeningPorts()).start();
  return { url: `mongodb://${container.getHost()}:${container.getMappedPort(27017)}/`, stop: () => container.stop() };
}

export async function redisContainer(policy: 'noeviction' | 'allkeys-lru') {
  const args = ['redis-server', '--save', '', '--maxmemory-policy', policy];
  if (policy === 'allkeys-lru') args.push('--maxmemory', '128mb');
  const container = await new GenericContainer('redis:7-alpine').withCommand(args).withExposedPorts(6379).start();
  return { url: `redis://${container.getHost()}:${container.getMappedPort(6379)}`, stop: () => container.stop() };
}

/** RabbitMQ with the same users as the native broker (one per service, no guest; `harness` for npm test). */
export async function rabbitContainer({ harness = false }: { harness?: boolean } = {}) {
  const users = (Object.keys(BROKER_USERS) as BrokerUser[]).filter((user) => harness || user !== 'harness');
  const passwords = Object.fromEntries(users.map((user) => [user, randomBytes(24).toString('base64url')])) as Record<BrokerUser, string>;
  const definitions = brokerDefinitions(passwords, harness ? TEST_EXCHANGES : undefined);
  const container = await new GenericContainer('rabbitmq:3.13-alpine')
    .withCopyContentToContainer([
      { content: JSON.stringify(definitions), target: '/etc/rabbitmq/definitions.json', mode: 0o644 },
      { content: 'load_definitions = /etc/rabbitmq/definitions.json\n', target: '/etc/rabbitmq/conf.d/20-definitions.conf', mode: 0o644 },
    ])
    .withExposedPorts(5672)
    .withWaitStrategy(Wait.forLogMessage(/Server startup complete/))
    .withStartupTimeout(120_000)
    .start();
  const urlOf = (user: BrokerUser) => `amqp://${user}:${passwords[user]}@${container.getHost()}:${container.getMappedPort(5672)}`;
  const brokerUrls = Object.fromEntries(users.map((user) => [user, urlOf(user)])) as Record<BrokerUser, string>;
  return { url: harness ? brokerUrls.harness : brokerUrls.gateway, brokerUrls, stop: () => container.stop() };
}
