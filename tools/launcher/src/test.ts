import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startInfrastructure } from '@app/infra/infra';
import { DATA_DIR, ROOT, ensureJaegerBinary, ensureOcrTools, log } from '@app/infra';

interface JestSummary {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
}

/**
 * jest compiles through swc, which strips types without checking them: without this, a type error
 * in a test (or in a script it imports) would pass. The sources were checked by `tsc -b` before.
 */
function typecheckTests(): Promise<boolean> {
  log('type-checking the tests (tsc -p tsconfig.test.json)');
  return new Promise((resolve) => {
    const tsc = spawn(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [ROOT] }), '-p', 'tsconfig.test.json'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    tsc.once('exit', (code) => resolve(code === 0));
  });
}

/**
 * Runs a dev tool's own bin (found from its package.json: bins are not in packages' exports) with
 * this Node, in the repository's root; true when it exits 0.
 */
function runTool(pkg: string, binName: string, args: string[]): Promise<boolean> {
  // Not require.resolve: a package whose exports leave out package.json (dependency-cruiser) cannot be resolved that way.
  const packageJson = join(ROOT, 'node_modules', pkg, 'package.json');
  const { bin } = JSON.parse(readFileSync(packageJson, 'utf8')) as { bin: string | Record<string, string> };
  const file = typeof bin === 'string' ? bin : bin[binName];
  if (!file) throw new Error(`${pkg} has no bin ${binName}`);
  return new Promise((resolve) => {
    const tool = spawn(process.execPath, [join(dirname(packageJson), file), ...args], { cwd: ROOT, stdio: 'inherit' });
    tool.once('exit', (code) => resolve(code === 0));
  });
}

/**
 * ESLint's type-aware rules catch what tsc lets through (floating promises, conditions that are always
 * true, switches missing a case).
 */
function lint(): Promise<boolean> {
  log('linting (eslint .)');
  return runTool('eslint', 'eslint', ['.']);
}

/**
 * The import boundaries (.dependency-cruiser.cjs): a domain importing an adapter or a driver, a service
 * importing another, a package loading a script, production code loading the tooling, a relative
 * import into another package. The same folders as `npm run lint:deps`.
 */
function boundaries(): Promise<boolean> {
  log('checking the import boundaries (depcruise)');
  return runTool('dependency-cruiser', 'depcruise', ['gateway', 'services', 'packages', 'tools', 'tests', '--config', '.dependency-cruiser.cjs']);
}

/** Prettier's check: a change formatted by hand another way fails here rather than in the next diff. */
function formatCheck(): Promise<boolean> {
  log('checking the format (prettier --check)');
  return runTool('prettier', 'prettier', ['--check', '--log-level', 'warn', '**/*.{ts,js,mjs,cjs}']);
}

// `npm test`: the type check of the tests, lint, the format check, the same infrastructure as `npm start`, then every test suite against it.
async function main() {
  // The QA worker reads scanned pages by OCR; its tests do too.
  ensureOcrTools();
  const gates: Array<[check: () => Promise<boolean>, failure: string]> = [
    [typecheckTests, 'type errors'],
    [lint, 'lint errors'],
    [boundaries, 'import boundaries crossed (.dependency-cruiser.cjs says which and why)'],
    [formatCheck, 'files not formatted (npm run format fixes them)'],
  ];
  for (const [check, failure] of gates) {
    if (await check()) continue;
    log(`${failure}: not running the tests`);
    process.exit(1);
  }
  // Built here, once, rather than inside a test file's time limit: the tracing and launcher tests start their own Jaegers from it.
  const paths = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
  if (paths.length === 0 || paths.some((path) => /tracing|launcher/.test(path))) ensureJaegerBinary();
  const infra = await startInfrastructure(process.env, { harness: true });
  const results = join(DATA_DIR, 'jest-results.json');
  rmSync(results, { force: true });
  // Jest loads ESM-only packages (http-proxy-middleware) through node:vm's module support.
  const args = [
    '--experimental-vm-modules',
    '--disable-warning=ExperimentalWarning',
    require.resolve('jest/bin/jest', { paths: [ROOT] }),
    '--json',
    `--outputFile=${results}`,
    ...process.argv.slice(2),
  ];
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...infra.env } });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
  await infra.stop();
  if (existsSync(results)) {
    const summary = JSON.parse(readFileSync(results, 'utf8')) as JestSummary;
    const skipped = summary.numPendingTests + summary.numTodoTests;
    process.stdout.write(`\n${summary.numPassedTests} passed, ${summary.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  } else {
    log('jest wrote no results');
  }
  process.exit(code);
}

void main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
