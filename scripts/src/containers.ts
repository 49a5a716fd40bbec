import { GenericContainer, Wait } from 'testcontainers';

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

export async function rabbitContainer() {
  const container = await new GenericContainer('rabbitmq:3.13-alpine')
    .withExposedPorts(5672)
    .withWaitStrategy(Wait.forLogMessage(/Server startup complete/))
    .withStartupTimeout(120_000)
    .start();
  return { url: `amqp://guest:guest@${container.getHost()}:${container.getMappedPort(5672)}`, stop: () => container.stop() };
}
