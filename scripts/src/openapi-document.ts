import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '@app/infra';

type Json = Record<string, unknown>;

// Built modules, loaded by path: the scripts project does not compile against the services.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the path is known only at run time
const load = (path: string) => require(join(ROOT, path)) as Record<string, (...args: never[]) => Json>;

/** The gateway's merged OpenAPI document, made offline from each service's builder (no server started). */
export function mergedOpenApiDocument(): Json {
  const fragments = [
    load('services/auth/dist/openapi.js').authOpenApi!(),
    load('services/records/dist/openapi.js').recordsOpenApi!(),
    load('services/qa/dist/openapi.js').qaOpenApi!(),
  ];
  return (load('gateway/dist/docs/openapi.js').merge as unknown as (fragments: Json[]) => Json)(fragments);
}

// `npm run openapi [file]`: prints the document, or writes it to the file.
if (require.main === module) {
  const text = `${JSON.stringify(mergedOpenApiDocument(), null, 2)}\n`;
  const target = process.argv[2];
  if (target) writeFileSync(target, text);
  else process.stdout.write(text);
}
