import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkSync } from 'recheck';
import ts from 'typescript';

/**
 * Every regular expression in the analysis package and in the QA service that runs it, checked by recheck for catastrophic
 * (exponential or polynomial) backtracking. Literals are read from the syntax tree; patterns built
 * with `new RegExp` are checked as the module builds them (their exported or internal values are
 * listed below by evaluating the module's own sources through `RegExp.prototype`).
 */

const ROOT = join(__dirname, '..', '..', '..');
const SRC = join(__dirname, '..', 'src');
/** The service's own patterns (upload and HTTP handling) are read as literals too. */
const SOURCES = [SRC, join(ROOT, 'services', 'qa', 'src')];

// The same verdict on any machine: recheck's fuzzer judges a candidate attack by the steps its VM
// takes (attackLimit, incubationLimit), not by wall time, which on a loaded machine made a pattern
// that is safe by steps time out as "vulnerable". A fixed seed fixes the candidates.
const RECHECK_OPTIONS = { randomSeed: 0, timeout: null, attackTimeout: null, incubationTimeout: null } as const;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

interface Found {
  where: string;
  source: string;
  flags: string;
}

function literalsOf(path: string): Found[] {
  const text = readFileSync(path, 'utf8');
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: Found[] = [];
  const visit = (node: ts.Node) => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const literal = node.getText(file);
      const end = literal.lastIndexOf('/');
      const line = file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
      found.push({ where: `${relative(ROOT, path)}:${line}`, source: literal.slice(1, end), flags: literal.slice(end + 1) });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

// Patterns assembled at run time (`new RegExp(...)`) are captured while the modules load.
function constructedPatterns(): Found[] {
  const seen: Found[] = [];
  const Original = RegExp;
  const Spy = new Proxy(Original, {
    construct(target, args: [string | RegExp, string?]) {
      const made = new target(...args);
      const stack = new Error().stack?.split('\n').find((l) => l.includes(SRC)) ?? 'unknown';
      const at = /\((.*):(\d+):\d+\)/.exec(stack);
      seen.push({ where: at ? `${relative(ROOT, at[1]!)}:${at[2]}` : stack.trim(), source: made.source, flags: made.flags });
      return made;
    },
  });
  (globalThis as { RegExp: RegExpConstructor }).RegExp = Spy;
  try {
    jest.isolateModules(() => {
      for (const path of sourceFiles(SRC)) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- loads every analysis module found on disk, inside isolateModules
        require(path);
      }
    });
  } finally {
    (globalThis as { RegExp: RegExpConstructor }).RegExp = Original;
  }
  return seen;
}

const literals = SOURCES.flatMap(sourceFiles).flatMap(literalsOf);
const constructed = constructedPatterns();
const all = [...literals, ...constructed];

describe('regular expressions in packages/resume-analysis/src and services/qa/src', () => {
  test('the scan finds the patterns it is meant to check', () => {
    expect(literals.length).toBeGreaterThan(100);
    expect(constructed.some((p) => p.where.startsWith('packages/resume-analysis/src/date-ranges'))).toBe(true);
  });

  test('none can backtrack catastrophically (recheck)', () => {
    const unsafe = all
      .map((p) => ({ ...p, result: checkSync(p.source, p.flags.replace(/[gy]/g, ''), RECHECK_OPTIONS) }))
      .filter((p) => p.result.status !== 'safe')
      .map(
        (p) => `${p.where} /${p.source}/${p.flags}: ${p.result.status}${p.result.status === 'vulnerable' ? ` (${p.result.complexity.type})` : ''}`,
      );
    expect(unsafe).toEqual([]);
    // recheck's checks take a while for some hundreds of patterns.
  }, 180_000);
});
