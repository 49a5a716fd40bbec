import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { namespacedStackEnv, startInfrastructure } from '@app/infra/infra';
import { FUZZ_STACK_ENV, fuzzThroughGateway } from './schemathesis';
import { DATA_DIR, freePort } from '@app/infra';
import { startStack, type ServiceName } from '@app/launcher/stack';

// `npm run fuzz`: schemathesis against the whole stack, in a namespace of its own.
async function main() {
  const infra = await startInfrastructure(process.env, { harness: true });
  const namespace = `fuzz-${randomUUID().slice(0, 8)}`;
  const ports: Partial<Record<ServiceName, number>> = {};
  for (const name of ['gateway', 'auth', 'records', 'qa', 'qa-worker'] as const) ports[name] = await freePort();
  const stack = await startStack({
    infraEnv: namespacedStackEnv(infra.env),
    ports,
    namespace,
    logDir: join(DATA_DIR, 'logs', 'fuzz'),
    env: FUZZ_STACK_ENV,
  });
  let code = 1;
  try {
    const seconds = Number(process.argv[2] ?? 120);
    const result = await fuzzThroughGateway(stack.gatewayUrl, { reportDir: join(DATA_DIR, 'schemathesis'), maxSeconds: seconds });
    process.stdout.write(result.output);
    code = result.code;
  } finally {
    await stack.stop();
    await infra.stop();
  }
  process.exit(code);
}

void main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
