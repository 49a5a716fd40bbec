import { buildOpenApiDocument } from '@app/common';
import { jobProgressAnswer } from './http/qa-contract';
import { qaOperations } from './http/qa-operations';

/** The QA service's OpenAPI 3.1 document (served at /openapi.json, merged by the gateway). */
export function qaOpenApi() {
  return buildOpenApiDocument({
    title: 'QA service',
    description:
      'A resume and a job description (both PDF) in, a match report and interview questions out. ' +
      'Uploads are processed asynchronously by workers; follow the job by polling, by `Prefer: wait=N` or by Server-Sent Events.',
    tags: [{ name: 'qa', description: 'Interview questions from a resume and a job description' }],
    operations: qaOperations,
    // The event stream's progress records: no JSON answer carries them, so they are named here.
    schemas: [jobProgressAnswer],
  });
}
