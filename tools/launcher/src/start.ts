import { join } from 'node:path';
import { startInfrastructure } from '@app/infra/infra';
import { loadDotEnv, loadLauncherConfig } from '@app/infra/launcher-config';
import { DATA_DIR, DEFAULT_JAEGER_PORTS, ROOT, ensureOcrTools, log, startJaeger, type JaegerServer } from '@app/infra';
import { createStack, stackBanner, stackPorts } from './stack';
import { Supervisor, describeGaveUp, restartPolicy } from './supervisor';

// `npm start`: the infrastructure, every service and a QA worker, until Ctrl-C. A service that
// crashes is restarted with backoff; one that keeps crashing stops the whole launcher, named.
async function main() {
  loadDotEnv(ROOT);
  const config = loadLauncherConfig();
  const policy = restartPolicy(config);
  // The QA worker reads scanned pages by OCR; its tests do too.
  ensureOcrTools();
  const infra = await startInfrastructure();
  const jaeger = await traceStore(config);
  // GATEWAY_HOST=127.0.0.1 keeps even the gateway off the network; the services never leave loopback.
  const stack = createStack({
    // On one machine, every request traced unless the shell or .env says otherwise.
    infraEnv: {
      ...infra.env,
      ...(jaeger ? { OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpUrl, OTEL_TRACES_SAMPLER_ARG: process.env.OTEL_TRACES_SAMPLER_ARG ?? '1' } : {}),
    },
    ports: stackPorts(config.STACK_PORT),
    namespace: config.STACK_NAMESPACE,
    gatewayHost: config.GATEWAY_HOST,
  });
  const services = Object.values(stack.services);
  // An object, not a `let`: signal handlers change it while main awaits.
  const state = { stopping: false };
  const stop = async (code: number) => {
    if (state.stopping) return;
    state.stopping = true;
    supervisor.stop();
    log('stopping services');
    await stack.stop().catch(() => undefined);
    log('stopping infrastructure that was started here');
    await jaeger?.stop();
    await infra.stop();
    process.exit(code);
  };
  const supervisor = new Supervisor(services, policy, {
    log: (message) => process.stdout.write(`[launcher] ${message}\n`),
    gaveUp: (info) => {
      process.stderr.write(`\n${describeGaveUp(info, policy.windowMs)}\n\n`);
      void stop(1);
    },
  });
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  log('starting auth, records, qa, qa-worker and the gateway');
  for (const service of services) service.start();
  try {
    // A service that crashes while starting is restarted like any other; only giving up (or a
    // service that neither crashes nor answers) ends the wait.
    await Promise.all(services.map((service) => service.waitReady(120_000, '/ready', { whileRestarted: true, stopWaiting: () => state.stopping })));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    await stop(1);
    return;
  }
  if (state.stopping) return;
  const gateway = stack.gatewayUrl;
  process.stdout.write(
    stackBanner(gateway, join(DATA_DIR, 'logs'), [
      ...(jaeger ? [`  Traces:      ${jaeger.uiUrl}  (Jaeger)`] : []),
      '',
      `  Try:  curl -X POST "${gateway}/auth/login" -H "Content-Type: application/x-www-form-urlencoded" -d "username=anurag&password=password123"`,
      '',
    ]),
  );
}

/**
 * Jaeger for the stack's traces, built on first use; none when JAEGER=off or when the operator gave
 * an OTLP endpoint (the services read it themselves). A machine without Go runs the stack untraced.
 */
async function traceStore(config: ReturnType<typeof loadLauncherConfig>): Promise<JaegerServer | undefined> {
  if (config.JAEGER === 'off' || config.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  try {
    const base = config.JAEGER_PORT;
    return await startJaeger({
      ports: base === undefined ? DEFAULT_JAEGER_PORTS : { ui: base, otlpHttp: base + 1, queryGrpc: base + 2, health: base + 3 },
    });
  } catch (err) {
    log(`jaeger: not started, the stack runs without tracing (${err instanceof Error ? err.message : String(err)})`);
    return undefined;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
