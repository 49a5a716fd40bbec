import { startInfrastructure } from './infra';
import { DATA_DIR, ensureOcrTools, log } from './servers';
import { startStack } from './stack';
import { join } from 'node:path';

// `npm start`: the infrastructure, every service and a QA worker, until Ctrl-C.
async function main() {
  // The QA worker reads scanned pages by OCR; its tests do too.
  ensureOcrTools();
  const infra = await startInfrastructure();
  let stack: Awaited<ReturnType<typeof startStack>> | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('stopping services');
    await stack?.stop().catch(() => undefined);
    log('stopping infrastructure that was started here');
    await infra.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  try {
    log('starting auth, records, qa, qa-worker and the gateway');
    stack = await startStack({ infraEnv: infra.env });
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    await stop(1);
    return;
  }
  const gateway = stack.gatewayUrl;
  process.stdout.write(
    [
      '',
      `  Gateway:     ${gateway}`,
      `  Swagger UI:  ${gateway}/docs`,
      `  Logs:        ${join(DATA_DIR, 'logs')}`,
      '',
      '  Try:  curl -X POST "' + gateway + '/auth/login" -H "Content-Type: application/x-www-form-urlencoded" -d "username=anurag&password=password123"',
      '',
      '  Ctrl-C stops everything started here.',
      '',
    ].join('\n'),
  );
  // Keep an eye on the children: if one dies, say so rather than serve half a system silently.
  setInterval(() => {
    for (const service of Object.values(stack!.services)) {
      if (!service.running && !stopping) {
        log(`${service.name} exited; restarting it (see its log)`);
        service.start();
      }
    }
  }, 2000);
}

void main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
