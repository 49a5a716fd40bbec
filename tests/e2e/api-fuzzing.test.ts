import { join } from 'node:path';
import { Redis } from 'ioredis';
import { FUZZ_STACK_ENV, fuzzThroughGateway, summaryOf } from '../../scripts/src/schemathesis';
import { DATA_DIR } from '../../scripts/src/servers';
import { infraEnv, startE2EStack, type E2EStack } from '../support/e2e-stack';

// Installing schemathesis the first time, two minutes of fuzzing, and the session-ending operations.
jest.setTimeout(10 * 60_000);

let stack: E2EStack;

beforeAll(async () => {
  stack = await startE2EStack({ env: FUZZ_STACK_ENV });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  // Only this run's own counters: every key of its namespace.
  const redis = new Redis(infraEnv().REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const keys = await redis.keys(`${stack.namespace}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
});

describe('the published contract under a fuzzer', () => {
  it('when schemathesis runs its default checks on every operation through the gateway, then it finds no failure', async () => {
    const result = await fuzzThroughGateway(stack.gatewayUrl, {
      reportDir: join(DATA_DIR, 'schemathesis', stack.namespace),
      maxSeconds: 120,
    });
    console.info(summaryOf(result.output));
    if (result.code !== 0) throw new Error(`schemathesis found failures:\n${result.output}`);

    // Its failed logins were counted in its own namespace, not where the other tests' logins are counted.
    const redis = new Redis(infraEnv().REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      expect((await redis.keys(`${stack.namespace}:login-fail:*`)).length).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });
});
