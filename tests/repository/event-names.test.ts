import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { eventTypesMatching } from '@app/common/event-catalogue';

const ROOT = join(__dirname, '..', '..');
// Where the type arguments are event names the compiler checks against the catalogue.
const CATALOGUE_GENERICS = new Set(['EventData', 'DomainEvent', 'EventHandler', 'EventEnvelope']);

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((file) => !file.includes('/node_modules/'));
}

/** The source folders of every process and package: the catalogue's own file is where names are written. */
function productionSources(): string[] {
  const roots = [join(ROOT, 'gateway', 'src')];
  for (const group of ['services', 'packages']) {
    for (const name of readdirSync(join(ROOT, group))) roots.push(join(ROOT, group, name, 'src'));
  }
  return roots
    .flatMap((root) => {
      try {
        return sourcesUnder(root);
      } catch {
        return [];
      }
    })
    .filter((file) => !file.endsWith(join('packages', 'common', 'src', 'domain-events.ts')));
}

/** Whether a string literal of this contextual type is checked by the compiler against a list of names (not any string). */
function onlyNamedStrings(type: ts.Type | undefined): boolean {
  if (!type) return false;
  const parts = type.isUnion() ? type.types : [type];
  return parts.every((part) => part.isStringLiteral() || (part.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)) !== 0);
}

/**
 * Every event name or topic pattern spelled as a string in `files` whose spelling the compiler does
 * not tie to the catalogue: a literal is accepted only where its type is a union of the catalogue's
 * names (`EventType`, `EventOf<'records'>`, `EventPattern`) or a catalogue generic's type argument.
 */
function looseEventNames(files: string[], extra: Record<string, string> = {}): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    esModuleInterop: true,
    noEmit: true,
    types: ['node'],
  };
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  const exists = host.fileExists.bind(host);
  host.readFile = (file) => extra[file] ?? read(file);
  host.fileExists = (file) => file in extra || exists(file);
  const program = ts.createProgram([...files, ...Object.keys(extra)], options, host);
  const checker = program.getTypeChecker();
  const found: string[] = [];
  for (const file of [...files, ...Object.keys(extra)]) {
    const source = program.getSourceFile(file);
    if (!source) continue;
    const visit = (node: ts.Node): void => {
      if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && /^[a-z]+(\.[a-z*#]+)+$/.test(node.text)) {
        if (eventTypesMatching(node.text).length > 0 && !checked(node)) {
          const { line } = source.getLineAndCharacterOfPosition(node.getStart());
          found.push(`${relative(ROOT, file)}:${line + 1} '${node.text}'`);
        }
      }
      ts.forEachChild(node, visit);
    };
    const checked = (node: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral): boolean => {
      const parent = node.parent;
      if (ts.isLiteralTypeNode(parent)) {
        const reference = parent.parent;
        return ts.isTypeReferenceNode(reference) && CATALOGUE_GENERICS.has(reference.typeName.getText());
      }
      return onlyNamedStrings(checker.getContextualType(node));
    };
    visit(source);
  }
  return found;
}

describe('event names', () => {
  test('when the services, the gateway and the packages are read, then every event name they spell is checked against the catalogue', () => {
    expect(looseEventNames(productionSources())).toEqual([]);
  }, 60_000);

  test('when a service spells an event name as a plain string, then the check names the file and line', () => {
    const probe = join(ROOT, 'services', 'records', 'src', '__probe__.ts');
    const text = [
      "import type { EventOf } from '@app/common';",
      "export const checked: EventOf<'records'> = 'record.created';",
      "export const loose = 'record.created';",
      "export const pattern: string[] = ['qa.job.*'];",
    ].join('\n');
    expect(looseEventNames([], { [probe]: text })).toEqual([
      "services/records/src/__probe__.ts:3 'record.created'",
      "services/records/src/__probe__.ts:4 'qa.job.*'",
    ]);
  });
});
