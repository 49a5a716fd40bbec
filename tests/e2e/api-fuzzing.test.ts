import { join } from 'node:path';
import { FUZZ_STACK_ENV, fuzzThroughGateway, summaryOf } from '@app/api/schemathesis';
import { DATA_DIR } from '@app/infra';
import { startE2EStack, type E2EStack } from '@app/testkit/e2e-stack';
import { deleteKeys, withRedis } from '@app/testkit/servers';

// Installing schemathesis the first time, two minutes of fuzzing, and the session-ending operations.
jest.setTimeout(10 * 60_000);

let stack: E2EStack;

beforeAll(async () => {
  stack = await startE2EStack({ env: FUZZ_STACK_ENV });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  // Only this run's own counters: every key of its namespace.
  if (stack) await deleteKeys(`${stack.namespace}:*`);
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
    expect((await withRedis((redis) => redis.keys(`${stack.namespace}:login-fail:*`))).length).toBeGreaterThan(0);
  });
});
