import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { which } from './debian';
import { DATA_DIR, ROOT, log, logFile } from './paths';
import { isListening, waitForPort } from './ports';
import { reused, startedServer, type NativeServer } from './processes';

const FERRETDB_SOURCE = join(ROOT, 'infra', 'ferretdb');

function ferretDbPatches(): string[] {
  const patchDir = join(FERRETDB_SOURCE, 'patches');
  return readdirSync(patchDir)
    .filter((name) => name.endsWith('.patch'))
    .sort()
    .map((name) => join(patchDir, name));
}

/**
 * Runs `use` with a patched copy of the pinned FerretDB module (see infra/ferretdb/go.mod): the module
 * from the Go module cache, copied into a temporary folder, with infra/ferretdb/patches/*.patch applied
 * in name order. The copy is removed afterwards.
 */
function withPatchedFerretDb<T>(use: (copy: { go: string; env: NodeJS.ProcessEnv; work: string; patched: string; version: string }) => T): T {
  const go = which('go');
  if (!go) throw new Error('Go is needed to build FerretDB (or set MONGO_URL to a MongoDB server)');
  const env = { ...process.env, CGO_ENABLED: '0' };
  // The module cache is read-only: the patches go to a copy, which a go.mod beside the build replaces the module with.
  const { Dir: moduleDir, Version: version } = JSON.parse(
    execFileSync(go, ['mod', 'download', '-json', 'github.com/FerretDB/FerretDB'], { cwd: FERRETDB_SOURCE, encoding: 'utf8', env }),
  ) as { Dir: string; Version: string };
  // Outside the checkout: inside a git work tree, git apply would take the patch's paths from its top.
  const work = mkdtempSync(join(tmpdir(), 'ferretdb-build-'));
  try {
    const patched = join(work, `FerretDB@${version}`);
    cpSync(moduleDir, patched, { recursive: true });
    execFileSync('chmod', ['-R', 'u+w', patched]);
    for (const patch of ferretDbPatches()) execFileSync('git', ['apply', '--verbose', patch], { cwd: patched, stdio: 'inherit' });
    return use({ go, env, work, patched, version });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Builds the pinned FerretDB with the project's patches (see withPatchedFerretDb); rebuilt only when
 * these change.
 */
export function ensureFerretDbBinary(): string {
  const source = FERRETDB_SOURCE;
  const patches = ferretDbPatches();
  const binary = join(DATA_DIR, 'bin', 'ferretdb');
  const newest = Math.max(...[...['main.go', 'go.mod', 'go.sum'].map((f) => join(source, f)), ...patches].map((f) => statSync(f).mtimeMs));
  if (existsSync(binary) && statSync(binary).mtimeMs >= newest) return binary;
  log('building FerretDB v1.24.2 from the Go module proxy, with the patches in infra/ferretdb/patches (first run only)');
  withPatchedFerretDb(({ go, env, work, patched }) => {
    const goMod = `${readFileSync(join(source, 'go.mod'), 'utf8')}\nreplace github.com/FerretDB/FerretDB => ${patched}\n`;
    writeFileSync(join(work, 'go.mod'), goMod);
    cpSync(join(source, 'go.sum'), join(work, 'go.sum'));
    mkdirSync(join(DATA_DIR, 'bin'), { recursive: true });
    execFileSync(go, ['build', `-modfile=${join(work, 'go.mod')}`, '-o', binary, '.'], { cwd: source, stdio: 'inherit', env });
  });
  return binary;
}

/**
 * `npm run ferretdb:test`: FerretDB's own Go tests of the packages the patches change (the SQLite
 * backend and the handler), with the patches' tests, run on the patched module. Throws if any fails.
 * (The backends package's own tests and the other backends' need PostgreSQL and MySQL servers.)
 */
export function testPatchedFerretDb(packages = ['./internal/backends/sqlite/...', './internal/handler/...']): void {
  withPatchedFerretDb(({ go, env, patched, version }) => {
    // FerretDB's release pipeline writes this file; its version package refuses to start without it.
    writeFileSync(join(patched, 'build', 'version', 'version.txt'), `${version}\n`);
    // Its test helpers find the module's top by its .git folder.
    execFileSync('git', ['init', '-q'], { cwd: patched });
    log(`go test ${packages.join(' ')} on FerretDB ${version} with ${ferretDbPatches().length} patches`);
    execFileSync(go, ['test', '-count=1', ...packages], { cwd: patched, stdio: 'inherit', env });
  });
}

export async function startFerretDb({ port, name = `ferretdb-${port}` }: { port: number; name?: string }): Promise<NativeServer> {
  const url = `mongodb://127.0.0.1:${port}/`;
  if (await isListening(port)) return reused('mongodb', url, port);
  const binary = ensureFerretDbBinary();
  const dir = join(DATA_DIR, name);
  mkdirSync(dir, { recursive: true });
  const out = logFile(name);
  const child = spawn(binary, ['-listen', `127.0.0.1:${port}`, '-data', dir], { detached: true, stdio: ['ignore', out, out] });
  await waitForPort(port, 'ferretdb', 30_000, child);
  log(`mongodb (FerretDB, SQLite): started on port ${port}`);
  return startedServer('mongodb', url, port, child);
}
