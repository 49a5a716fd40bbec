import { buildOpenApiDocument } from '@app/common';
import { recordsOperations } from './http/records-routes';

/** The records service's OpenAPI 3.1 document (served at /openapi.json, merged by the gateway). */
export function recordsOpenApi() {
  return buildOpenApiDocument({
    title: 'records service',
    description: "CRUD on the caller's own records.",
    tags: [
      { name: 'records', description: "The caller's records" },
      { name: 'caching demo', description: "The seed's per-user cache demonstration" },
    ],
    operations: recordsOperations,
  });
}
