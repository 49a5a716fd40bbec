import { buildOpenApiDocument, type HeaderSpec, type OperationSpec } from '@app/common';
import { z } from 'zod';
import { cachedDataAnswer, recordAnswer, recordPageAnswer } from './http/record-answers';
import { createRecordBody, idempotencyKey, ifMatch, ifNoneMatch, listRecordsQuery, recordId, updateRecordBody } from './http/request-parsing';

const eTag: Record<string, HeaderSpec> = {
  ETag: { description: "The record version's entity tag", schema: z.string().meta({ examples: ['"1-1"'] }), required: true },
};
const idPath = { id: { schema: recordId, description: "The record's number among the caller's records (the caller's first record is 1)" } };
const conditional = {
  'If-Match': {
    schema: ifMatch,
    description: 'Apply only if the record still has one of these entity tags (else 412); `*` matches any',
  },
};
const tags = ['records'];

const recordOperations: OperationSpec[] = [
  {
    method: 'get',
    path: '/records/',
    operationId: 'listRecords',
    summary: "List the caller's records",
    description:
      'Newest first unless `sort` says otherwise. Page with `page` or follow `next`, a link carrying a `cursor` that is stable under concurrent inserts. Unknown query parameters are refused.',
    tags,
    query: listRecordsQuery,
    responses: { 200: { description: 'A page of records', body: recordPageAnswer } },
  },
  {
    method: 'post',
    path: '/records/',
    operationId: 'createRecord',
    summary: 'Create a record',
    tags,
    headers: {
      'Idempotency-Key': {
        schema: idempotencyKey,
        required: false,
        description:
          "Retrying with the same key returns the first request's record instead of creating another (for 24 hours); the same key with a different body is a 422, while the first request is still running a 409.",
      },
    },
    body: { required: true, content: { 'application/json': createRecordBody } },
    responses: {
      201: {
        description: 'Created (or, with `Idempotent-Replayed: true`, the record an earlier request with the same Idempotency-Key created)',
        body: recordAnswer,
        headers: {
          Location: { description: 'The new record', schema: z.string().meta({ examples: ['/records/1'] }), required: true },
          ...eTag,
          'Idempotent-Replayed': { description: 'Present when the answer replays an earlier request', schema: z.literal('true') },
        },
      },
    },
    errors: {
      409: 'A request with the same Idempotency-Key is still in progress',
      415: 'Body is not JSON',
      422: 'Idempotency-Key reused with a different body',
    },
  },
  {
    method: 'get',
    path: '/records/{id}',
    operationId: 'getRecord',
    summary: 'Read a record',
    tags,
    path_params: idPath,
    headers: { 'If-None-Match': { schema: ifNoneMatch, description: 'Answer 304 if the record still has one of these entity tags' } },
    responses: {
      200: { description: 'The record', body: recordAnswer, headers: eTag },
      304: { description: 'Not modified (If-None-Match matched)', headers: eTag },
    },
    errors: { 404: "No such record among the caller's" },
  },
  ...(['put', 'patch'] as const).map((method): OperationSpec => ({
    method,
    path: '/records/{id}',
    operationId: method === 'put' ? 'updateRecord' : 'patchRecord',
    summary: 'Change some fields of a record',
    description: 'A partial update: fields left out keep their values.',
    tags,
    path_params: idPath,
    headers: conditional,
    body: {
      required: true,
      content:
        method === 'put'
          ? { 'application/json': updateRecordBody }
          : { 'application/json': updateRecordBody, 'application/merge-patch+json': updateRecordBody },
    },
    responses: { 200: { description: 'The updated record', body: recordAnswer, headers: eTag } },
    errors: {
      404: "No such record among the caller's",
      412: 'If-Match did not match: the record changed meanwhile',
      415: 'Body is not JSON',
    },
  })),
  {
    method: 'delete',
    path: '/records/{id}',
    operationId: 'deleteRecord',
    summary: 'Delete a record',
    tags,
    path_params: idPath,
    headers: conditional,
    responses: { 204: { description: 'Deleted' } },
    errors: { 404: "No such record among the caller's", 412: 'If-Match did not match: the record changed meanwhile' },
  },
];

const cachedDataOperations: OperationSpec[] = (['cached-data', 'cached-data-scope'] as const).map((source) => ({
  method: 'get',
  path: `/${source}`,
  operationId: source === 'cached-data' ? 'cachedData' : 'cachedDataScope',
  summary:
    source === 'cached-data'
      ? 'Per-user cached answer (the gateway caches it for 2 minutes per user)'
      : 'Same as /cached-data, user read from the request scope in the original',
  tags: ['caching demo'],
  responses: { 200: { description: 'The answer', body: cachedDataAnswer } },
}));

/** Every operation of the records service, as routed: the router's `Allow` headers come from here too. */
export const recordsOperations: OperationSpec[] = [...recordOperations, ...cachedDataOperations];

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
