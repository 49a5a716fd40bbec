// `npm run test:unit` runs without servers: any server URL a test reads points at a closed port.
for (const name of ['MONGO_URL', 'REDIS_URL', 'REDIS_CACHE_URL', 'AMQP_URL']) {
  process.env[name] = name.startsWith('MONGO') ? 'mongodb://127.0.0.1:9/' : `${name.startsWith('AMQP') ? 'amqp' : 'redis'}://127.0.0.1:9`;
}
