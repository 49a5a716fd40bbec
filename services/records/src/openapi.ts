import { errorBodySchema } from '@app/common';
import { PAGE_LIMITS, RECORD_LIMITS, SORTS } from './domain/record';

const json = (schema: object) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const response = (name: string) => ({ $ref: `#/components/responses/${name}` });
const parameter = (name: string) => ({ $ref: `#/components/parameters/${name}` });
const security = [{ OAuth2PasswordBearer: [] }];

const errors = (...statuses: string[]) => {
  const names: Record<string, string> = {
    '400': 'BadRequest',
    '401': 'Unauthorized',
    '404': 'NotFound',
    '405': 'MethodNotAllowed',
    '409': 'Conflict',
    '412': 'PreconditionFailed',
    '413': 'PayloadTooLarge',
    '415': 'UnsupportedMediaType',
    '422': 'UnprocessableEntity',
    '503': 'ServiceUnavailable',
  };
  return Object.fromEntries(statuses.map((status) => [status, response(names[status]!)]));
};

const recordFields = {
  option_type: { type: 'string', minLength: 1, maxLength: RECORD_LIMITS.optionType, examples: ['opportunity'] },
  description: { type: 'string', minLength: 1, maxLength: RECORD_LIMITS.description, examples: ['test'] },
  status: { type: 'string', minLength: 1, maxLength: RECORD_LIMITS.status, examples: ['active'] },
};

const recordWithTag = (description: string) => ({
  description,
  headers: { ETag: { $ref: '#/components/headers/ETag' } },
  content: json(ref('Record')),
});

/** The records service's part of the gateway's OpenAPI 3.1 document. */
export const openApiDocument = {
  openapi: '3.1.0',
  info: { title: 'records service', version: '0.1.0', description: "CRUD on the caller's own records." },
  paths: {
    '/records/': {
      get: {
        tags: ['records'],
        summary: "List the caller's records",
        description:
          'Newest first unless `sort` says otherwise. Page with `page` (offset) or follow `next`, a link carrying an opaque `cursor` that is stable under concurrent inserts. Unknown query parameters are refused.',
        operationId: 'listRecords',
        security,
        parameters: ['Limit', 'Page', 'Cursor', 'StatusFilter', 'OptionTypeFilter', 'Sort'].map(parameter),
        responses: {
          '200': { description: 'A page of records', content: json(ref('RecordPage')) },
          ...errors('400', '401', '503'),
        },
      },
      post: {
        tags: ['records'],
        summary: 'Create a record',
        operationId: 'createRecord',
        security,
        parameters: [parameter('IdempotencyKey')],
        requestBody: { required: true, content: json(ref('RecordCreate')) },
        responses: {
          '201': {
            description: 'Created (or, with `Idempotent-Replayed: true`, the record an earlier request with the same Idempotency-Key created)',
            headers: {
              Location: { description: 'The new record', schema: { type: 'string', examples: ['/records/1'] } },
              ETag: { $ref: '#/components/headers/ETag' },
              'Idempotent-Replayed': { $ref: '#/components/headers/IdempotentReplayed' },
            },
            content: json(ref('Record')),
          },
          ...errors('400', '401', '409', '413', '415', '422', '503'),
        },
      },
    },
    '/records/{id}': {
      parameters: [parameter('RecordId')],
      get: {
        tags: ['records'],
        summary: 'Read a record',
        operationId: 'getRecord',
        security,
        parameters: [parameter('IfNoneMatch')],
        responses: {
          '200': recordWithTag('The record'),
          '304': { description: 'Not modified (If-None-Match matched)', headers: { ETag: { $ref: '#/components/headers/ETag' } } },
          ...errors('400', '401', '404', '503'),
        },
      },
      put: {
        tags: ['records'],
        summary: 'Change some fields of a record',
        description: 'Partial update, like PATCH: fields left out keep their values.',
        operationId: 'updateRecord',
        security,
        parameters: [parameter('IfMatch')],
        requestBody: { required: true, content: json(ref('RecordUpdate')) },
        responses: { '200': recordWithTag('The updated record'), ...errors('400', '401', '404', '412', '413', '415', '503') },
      },
      patch: {
        tags: ['records'],
        summary: 'Change some fields of a record',
        operationId: 'patchRecord',
        security,
        parameters: [parameter('IfMatch')],
        requestBody: {
          required: true,
          content: { ...json(ref('RecordUpdate')), 'application/merge-patch+json': { schema: ref('RecordUpdate') } },
        },
        responses: { '200': recordWithTag('The updated record'), ...errors('400', '401', '404', '412', '413', '415', '503') },
      },
      delete: {
        tags: ['records'],
        summary: 'Delete a record',
        operationId: 'deleteRecord',
        security,
        parameters: [parameter('IfMatch')],
        responses: { '204': { description: 'Deleted' }, ...errors('400', '401', '404', '412', '503') },
      },
    },
    '/cached-data': {
      get: {
        tags: ['caching demo'],
        summary: 'Per-user cached answer (the gateway caches it for 2 minutes per user)',
        operationId: 'cachedData',
        security,
        responses: { '200': { description: 'The answer', content: json(ref('CachedData')) }, ...errors('401', '503') },
      },
    },
    '/cached-data-scope': {
      get: {
        tags: ['caching demo'],
        summary: 'Same as /cached-data, user read from the request scope in the original',
        operationId: 'cachedDataScope',
        security,
        responses: { '200': { description: 'The answer', content: json(ref('CachedData')) }, ...errors('401', '503') },
      },
    },
  },
  components: {
    securitySchemes: {
      OAuth2PasswordBearer: { type: 'oauth2', flows: { password: { tokenUrl: '/auth/login', scopes: {} } } },
    },
    schemas: {
      RecordCreate: {
        type: 'object',
        additionalProperties: false,
        required: ['option_type', 'description', 'status'],
        properties: recordFields,
      },
      RecordUpdate: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: recordFields,
      },
      Record: {
        type: 'object',
        required: ['id', 'option_type', 'description', 'status', 'owner', 'createdAt', 'updatedAt', 'version'],
        properties: {
          id: { type: 'integer', minimum: 1, examples: [1] },
          ...recordFields,
          owner: { type: 'string', description: 'The user id of the creator' },
          createdAt: { type: 'string', format: 'date-time' },
          updatedAt: { type: 'string', format: 'date-time' },
          version: { type: 'integer', minimum: 1, description: 'Starts at 1, +1 on every change' },
        },
      },
      RecordPage: {
        type: 'object',
        required: ['items', 'page', 'limit', 'total', 'next'],
        properties: {
          items: { type: 'array', items: ref('Record') },
          page: { type: ['integer', 'null'], minimum: 1, description: 'null when reached through a cursor' },
          limit: { type: 'integer', minimum: 1, maximum: PAGE_LIMITS.maxLimit },
          total: { type: 'integer', minimum: 0, description: 'Records matching the filters' },
          next: { type: ['string', 'null'], description: 'Link to the following page, null on the last one', examples: ['/records/?limit=20&sort=-createdAt&cursor=eyJ...'] },
        },
      },
      CachedData: {
        type: 'object',
        required: ['username', 'timestamp', 'recordCount', 'source'],
        properties: {
          username: { type: 'string' },
          timestamp: { type: 'string', format: 'date-time', description: 'Server time when the answer was made (ISO 8601, milliseconds)' },
          recordCount: { type: 'integer', minimum: 0 },
          source: { type: 'string', enum: ['cached-data', 'cached-data-scope'] },
        },
      },
      Error: errorBodySchema,
    },
    parameters: {
      RecordId: { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } },
      Limit: {
        name: 'limit',
        in: 'query',
        schema: { type: 'integer', minimum: 1, maximum: PAGE_LIMITS.maxLimit, default: PAGE_LIMITS.defaultLimit },
      },
      Page: { name: 'page', in: 'query', description: 'Not with cursor', schema: { type: 'integer', minimum: 1, maximum: PAGE_LIMITS.maxPage, default: 1 } },
      Cursor: { name: 'cursor', in: 'query', description: 'From a `next` link; not with page', schema: { type: 'string', minLength: 1, maxLength: 512 } },
      StatusFilter: { name: 'status', in: 'query', schema: recordFields.status },
      OptionTypeFilter: { name: 'option_type', in: 'query', schema: recordFields.option_type },
      Sort: { name: 'sort', in: 'query', schema: { type: 'string', enum: [...SORTS], default: '-createdAt' } },
      IfMatch: {
        name: 'If-Match',
        in: 'header',
        description: 'Apply only if the record still has this ETag (else 412)',
        schema: { type: 'string', examples: ['"1-2"'] },
      },
      IfNoneMatch: {
        name: 'If-None-Match',
        in: 'header',
        description: 'Answer 304 if the record still has this ETag',
        schema: { type: 'string', examples: ['"1-2"'] },
      },
      IdempotencyKey: {
        name: 'Idempotency-Key',
        in: 'header',
        description:
          'Retrying with the same key returns the first request\'s record instead of creating another; the same key with a different body is a 422.',
        schema: { type: 'string', minLength: 1, maxLength: 128 },
      },
    },
    headers: {
      ETag: { description: 'The record version\'s entity tag', schema: { type: 'string', examples: ['"1-1"'] } },
      IdempotentReplayed: { description: 'Present (true) when the answer replays an earlier request', schema: { type: 'string', enum: ['true'] } },
    },
    responses: Object.fromEntries(
      (
        [
          ['BadRequest', 'Invalid input (the offending fields are named)'],
          ['Unauthorized', 'Missing or invalid credentials'],
          ['NotFound', 'No such record among the caller\'s'],
          ['MethodNotAllowed', 'Method not allowed on this path'],
          ['Conflict', 'A request with the same Idempotency-Key is still in progress'],
          ['PreconditionFailed', 'If-Match did not match: the record changed meanwhile'],
          ['PayloadTooLarge', 'Body over 16 kB'],
          ['UnsupportedMediaType', 'Body is not application/json'],
          ['UnprocessableEntity', 'Idempotency-Key reused with a different body'],
          ['ServiceUnavailable', 'A dependency (the database) is unavailable'],
        ] as const
      ).map(([name, description]) => [name, { description, content: json(ref('Error')) }]),
    ),
  },
} as const;
