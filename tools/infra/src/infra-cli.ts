import { loadDotEnv } from './launcher-config';
import { startInfrastructure } from './infra';
import { ROOT, log } from './paths';

// `npm run infra`: only the servers, for running a service or a test file by hand.
async function main() {
  loadDotEnv(ROOT);
  // With the tests' harness broker user: this is for running tests and services by hand.
  const infra = await startInfrastructure(process.env, { harness: true });
  for (const [name, value] of Object.entries(infra.env)) process.stdout.write(`${name}=${value}\n`);
  log('running; Ctrl-C stops what was started here');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await infra.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  setInterval(() => undefined, 1 << 30);
}
void main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
