import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

// Prints the packages under node_modules that the program has loaded so far.
const PRINT_LOADED = `const names = new Set(Object.keys(require.cache).flatMap((file) => {
  const m = /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(file);
  return m ? [m[1].replace(/\\\\/g, '/')] : [];
}));
process.stdout.write(JSON.stringify([...names]));
process.exit(0);`;

/** The packages under node_modules that loading a built entry point pulls in (run in a fresh Node, as production does). */
function packagesLoadedBy(entry: string): string[] {
  const script = `require(${JSON.stringify(entry)});\n${PRINT_LOADED}`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' })) as string[];
}

/**
 * The packages loaded by a program that starts as the services do (`traceProcess` first, as the
 * program itself: tracing starts only in a process's entry point), with `env` as its environment.
 */
function packagesLoadedByTracedProgram(env: NodeJS.ProcessEnv): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'tracing-probe-'));
  try {
    const program = join(dir, 'main.js');
    const tracing = join(ROOT, 'packages', 'common', 'dist', 'tracing.js');
    writeFileSync(program, `require(${JSON.stringify(tracing)}).traceProcess('probe', module);\n${PRINT_LOADED}`);
    const { OTEL_EXPORTER_OTLP_ENDPOINT: _inherited, ...rest } = process.env;
    return JSON.parse(execFileSync(process.execPath, [program], { cwd: ROOT, env: { ...rest, ...env }, encoding: 'utf8' })) as string[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const SDK = [
  '@opentelemetry/sdk-trace-node',
  '@opentelemetry/sdk-trace-base',
  '@opentelemetry/instrumentation-http',
  '@opentelemetry/exporter-trace-otlp-http',
];

describe('what each process loads', () => {
  it('when the gateway is loaded, then mongoose and the MongoDB driver are not (it has no database)', () => {
    const loaded = packagesLoadedBy(join(ROOT, 'gateway', 'dist', 'main.js'));
    expect(loaded).toContain('express');
    expect(loaded).not.toContain('mongoose');
    expect(loaded).not.toContain('mongodb');
  });

  it('when a service that owns data is loaded, then it does load mongoose (the check above can tell)', () => {
    expect(packagesLoadedBy(join(ROOT, 'services', 'records', 'dist', 'main.js'))).toContain('mongoose');
  });

  it('when tracing is loaded, then no client library is yet (its instrumentations patch them only if they load after)', () => {
    const loaded = packagesLoadedBy(join(ROOT, 'packages', 'common', 'dist', 'tracing.js'));
    for (const library of ['ioredis', 'mongodb', 'mongoose', 'amqplib', 'express', 'bullmq']) expect(loaded).not.toContain(library);
  });

  it('when no OTLP endpoint is configured, then a program loads neither the OpenTelemetry SDK nor any instrumentation (tracing off costs nothing)', () => {
    const loaded = packagesLoadedByTracedProgram({});
    for (const name of SDK) expect(loaded).not.toContain(name);
    expect(loaded.filter((name) => name.startsWith('@opentelemetry/instrumentation'))).toEqual([]);
  });

  it('when an OTLP endpoint is configured, then the same program does load them (the check above can tell)', () => {
    // Nothing is sent: no span is made before the program exits.
    const loaded = packagesLoadedByTracedProgram({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    for (const name of SDK) expect(loaded).toContain(name);
  });
});
