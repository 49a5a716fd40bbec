import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruiser.mjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** Runs the repository's boundary rules on a small tree written for the test; returns what they refused. */
function violationsIn(files: Record<string, string>): Violation[] {
  const dir = mkdtempSync(join(tmpdir(), 'boundaries-'));
  try {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    // As the repository's own, @app/common/mongo names the source of common's MongoDB entry.
    const paths = { '@app/common/mongo': ['./packages/common/src/mongo'] };
    writeFileSync(
      join(dir, 'tsconfig.eslint.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', paths } }),
    );
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    // The folders `npm run lint:deps` cruises, those of them the tree has.
    const roots = ['gateway', 'services', 'packages', 'tools', 'tests'].filter((root) =>
      Object.keys(files).some((file) => file.startsWith(`${root}/`)),
    );
    let output: string;
    try {
      output = execFileSync(process.execPath, [DEPCRUISE, ...roots, '--config', join(ROOT, '.dependency-cruiser.cjs'), '-T', 'json'], {
        cwd: dir,
        encoding: 'utf8',
      });
    } catch (err) {
      // depcruise exits non-zero when it finds violations; its report is still on stdout.
      output = (err as { stdout: string }).stdout;
    }
    return (JSON.parse(output) as { summary: { violations: Violation[] } }).summary.violations;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the import boundaries (npm run lint:deps)', () => {
  it('when code crosses a boundary, then the rule that forbids it names the import', () => {
    const violations = violationsIn({
      'services/demo/src/domain/service.ts':
        "import { store } from '../data/store';\nimport mongoose from 'mongoose';\nexport const x = [store, mongoose];\n",
      'services/demo/src/data/store.ts': 'export const store = 1;\n',
      'services/demo/src/http/routes.ts':
        "import { store } from '../data/store';\nimport { queue } from '../jobs/queue';\nexport const r = [store, queue];\n",
      'services/demo/src/jobs/queue.ts': 'export const queue = 1;\n',
      'services/demo/src/http/errors.ts':
        "import { mapMongoError } from '@app/common/mongo';\nimport { MongoError } from 'mongodb';\nexport const e = [mapMongoError, MongoError];\n",
      'packages/common/src/mongo.ts': 'export const mapMongoError = 1;\n',
      'services/other/src/main.ts': "import { store } from '../../demo/src/data/store';\nexport const y = store;\n",
      'packages/lib/src/index.ts':
        "import { fixture } from '../scripts/fixture';\nimport { z } from '../../other/src/z';\nimport { ROOT } from '../../../tools/infra/src/paths';\nexport const w = [fixture, z, ROOT];\n",
      'packages/lib/scripts/fixture.ts': 'export const fixture = 1;\n',
      'packages/other/src/z.ts': 'export const z = 1;\n',
      'tools/infra/src/paths.ts': 'export const ROOT = "/";\n',
      'tests/e2e/demo.test.ts': "import { store } from '../../services/demo/src/data/store';\nexport const v = store;\n",
    });
    const found = violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
    expect(found).toEqual(
      expect.arrayContaining([
        'domain-imports-no-adapter: services/demo/src/domain/service.ts -> services/demo/src/data/store.ts',
        'http-imports-only-the-domain: services/demo/src/http/routes.ts -> services/demo/src/data/store.ts',
        'http-imports-only-the-domain: services/demo/src/http/routes.ts -> services/demo/src/jobs/queue.ts',
        expect.stringMatching(/^domain-imports-no-driver: services\/demo\/src\/domain\/service\.ts -> .*node_modules\/mongoose\//),
        'http-imports-no-storage: services/demo/src/http/errors.ts -> packages/common/src/mongo.ts',
        expect.stringMatching(/^http-imports-no-storage: services\/demo\/src\/http\/errors\.ts -> .*node_modules\/mongodb\//),
        'no-service-imports-another: services/other/src/main.ts -> services/demo/src/data/store.ts',
        'no-package-imports-scripts: packages/lib/src/index.ts -> packages/lib/scripts/fixture.ts',
        'no-production-code-imports-tooling: packages/lib/src/index.ts -> tools/infra/src/paths.ts',
        'no-relative-import-out-of-a-package: packages/lib/src/index.ts -> packages/other/src/z.ts',
        'no-relative-import-out-of-a-package: packages/lib/src/index.ts -> tools/infra/src/paths.ts',
        'no-relative-import-out-of-a-package: tests/e2e/demo.test.ts -> services/demo/src/data/store.ts',
      ]),
    );
  });

  it("when the gateway's modules import in a circle or reach into http/ from below it, then the gateway's rules name the imports", () => {
    const violations = violationsIn({
      'gateway/src/config.ts': "import { parse } from './http/parse';\nexport const config = { parse };\n",
      'gateway/src/http/parse.ts': "import type { Config } from '../config-type';\nexport const parse = (c: Config) => c;\n",
      'gateway/src/config-type.ts': "import type { config } from './config';\nexport type Config = typeof config;\n",
      'gateway/src/routes/table.ts':
        "import { parse } from '../http/parse';\nimport { cacheKey } from '../cache/key';\nexport const t = [parse, cacheKey];\n",
      'gateway/src/cache/key.ts': 'export const cacheKey = 1;\n',
      'gateway/src/main.ts': "import { parse } from './http/parse';\nexport const m = parse;\n",
    });
    const found = violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
    expect(found).toEqual(
      expect.arrayContaining([
        // config.ts -> http/parse.ts -> config-type.ts -> config.ts: reported at one of its imports.
        expect.stringMatching(/^gateway-no-cycle: gateway\/src\/(config|config-type|http\/parse)\.ts -> /),
        'gateway-http-is-the-entry: gateway/src/config.ts -> gateway/src/http/parse.ts',
        'gateway-http-is-the-entry: gateway/src/routes/table.ts -> gateway/src/http/parse.ts',
        'gateway-routes-import-nothing-of-the-gateway: gateway/src/routes/table.ts -> gateway/src/http/parse.ts',
        'gateway-routes-import-nothing-of-the-gateway: gateway/src/routes/table.ts -> gateway/src/cache/key.ts',
      ]),
    );
    // main.ts wires http/, and a type import that closes no circle is no cycle.
    expect(found.filter((v) => v.includes('gateway/src/main.ts'))).toEqual([]);
  });

  it('when code keeps to its boundaries, then nothing is refused', () => {
    const violations = violationsIn({
      'services/demo/src/domain/ports.ts': 'export interface Store { get(): number }\n',
      'services/demo/src/domain/service.ts': "import type { Store } from './ports';\nexport const read = (s: Store) => s.get();\n",
      'services/demo/src/data/store.ts': "import type { Store } from '../domain/ports';\nexport const store: Store = { get: () => 1 };\n",
      'services/demo/src/http/routes.ts':
        "import { read } from '../domain/service';\nimport type { Store } from '../domain/ports';\nexport const route = (s: Store) => read(s);\n",
      'services/demo/src/main.ts':
        "import { store } from './data/store';\nimport { route } from './http/routes';\nexport const main = () => route(store);\n",
    });
    expect(violations).toEqual([]);
  });
});
