import { writeFileSync } from 'node:fs';
import { authOpenApi } from '@app/auth/openapi';
import { merge } from '@app/gateway/docs/openapi';
import { qaOpenApi } from '@app/qa/openapi';
import { recordsOpenApi } from '@app/records/openapi';

type Json = Record<string, unknown>;

/** The gateway's merged OpenAPI document, made offline from each service's builder (no server started). */
export function mergedOpenApiDocument(): Json {
  return merge([authOpenApi(), recordsOpenApi(), qaOpenApi()]);
}

// `npm run openapi [file]`: prints the document, or writes it to the file.
if (require.main === module) {
  const text = `${JSON.stringify(mergedOpenApiDocument(), null, 2)}\n`;
  const target = process.argv[2];
  if (target) writeFileSync(target, text);
  else process.stdout.write(text);
}
