import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { prettyOutput } from './dev-output';
import { startInfrastructure } from '@app/infra/infra';
import { loadDotEnv, loadLauncherConfig } from '@app/infra/launcher-config';
import { DATA_DIR, ROOT } from '@app/infra';
import { SERVICE_SOURCES, SourceWatcher } from './source-watcher';
import { createStack, stackBanner, stackPorts, type ServiceName } from './stack';
import { Supervisor, describeGaveUp, restartPolicy } from './supervisor';

function say(message: string) {
  process.stdout.write(`[dev] ${message}\n`);
}

/** tsc -b for the projects given (and what they reference); its output when it fails. */
function build(projects: string[]): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [ROOT] }), '-b', ...projects], { cwd: ROOT });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ ok: code === 0, output }));
  });
}

// `npm run dev`: the stack of `npm start`, each service rebuilt and restarted when its sources or
// packages/common change, every log line pretty-printed and prefixed with its service's name.
async function main() {
  loadDotEnv(ROOT);
  const config = loadLauncherConfig();
  const policy = restartPolicy(config);
  const infra = await startInfrastructure();
  const stack = createStack({
    infraEnv: infra.env,
    ports: stackPorts(config.STACK_PORT),
    namespace: config.STACK_NAMESPACE,
    output: (name) => prettyOutput(name),
  });
  const services = stack.services;
  // An object, not a `let`: signal handlers change it while main awaits.
  const state = { stopping: false };
  const supervisor = new Supervisor(Object.values(services), policy, {
    log: say,
    // In development a crash loop is usually the code being edited: wait for the next change.
    gaveUp: (info) => say(`${describeGaveUp(info, policy.windowMs)}\n[dev] waiting for a change to its sources`),
  });
  const watcher = new SourceWatcher(ROOT, async ({ services: touched, files }) => {
    const projects = [...new Set(touched.map((name) => SERVICE_SOURCES[name].project))];
    say(`${files.length === 1 ? files[0]! : `${files.length} files`} changed; building ${projects.join(', ')}`);
    const result = await build(projects);
    if (!result.ok) {
      say(`build failed; ${touched.join(', ')} keep running the last build:\n${result.output.trimEnd()}`);
      return;
    }
    await Promise.all(
      touched.map(async (name: ServiceName) => {
        supervisor.cancelRestart(name);
        supervisor.forgive(name);
        await services[name].stop();
        services[name].start();
        say(`${name} restarted`);
      }),
    );
  });
  const stop = async (code: number) => {
    if (state.stopping) return;
    state.stopping = true;
    watcher.close();
    supervisor.stop();
    say('stopping services');
    await stack.stop().catch(() => undefined);
    await infra.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  watcher.start();

  for (const service of Object.values(services)) service.start();
  await Promise.all(
    Object.values(services).map((service) =>
      service
        .waitReady(120_000, '/ready', { whileRestarted: true, stopWaiting: () => state.stopping || supervisor.hasGivenUp(service.name) })
        .catch((err: unknown) => {
          say(err instanceof Error ? err.message : String(err));
        }),
    ),
  );
  if (state.stopping) return;
  process.stdout.write(
    stackBanner(stack.gatewayUrl, `${join(DATA_DIR, 'logs')} (as JSON)`, [
      "  Watching the services' src/ and packages/common/src: a change rebuilds and restarts what uses it.",
    ]),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
