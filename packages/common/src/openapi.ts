import { z } from 'zod';
import { ERROR_CODES, OAUTH_ERROR_CODES } from './errors';

/** A JSON Schema or OpenAPI object, as plain data. */
export type JsonObject = { [key: string]: unknown };

// How a schema is shown where zod cannot see its JSON shape: a query value that is a string on the
// wire and a number after parsing is documented as the integer a client sends.
const documented = z.registry<JsonObject>();

/** Documents `schema` in OpenAPI as `json` instead of what zod would derive (the wire shape of a parsed value). */
export function documentAs<T extends z.ZodType>(schema: T, json: JsonObject): T {
  documented.add(schema, json);
  return schema;
}

/** Length in Unicode code points, as JSON Schema's `maxLength` and zod's `.max()` count it (not UTF-16 units). */
export function codePointLength(text: string): number {
  let length = 0;
  for (const _ of text) length += 1;
  return length;
}

/** Control characters (C0 and DEL), which no single-line field accepts. */
export const NO_CONTROL_CHARACTERS = '^[^\\u0000-\\u001f\\u007f]*$';
/** Control characters except tab, line feed and carriage return, for multi-line text. */
export const NO_CONTROL_CHARACTERS_BUT_LINE_BREAKS = '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$';

// With the u flag a surrogate matches only when it is not half of a pair.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * A text field bounded in code points, without control characters (line breaks allowed when
 * `multiline`) and without lone surrogates, which storage would silently replace.
 */
export function boundedText(options: { min?: number; max: number; multiline?: boolean; message?: string }) {
  const { min = 1, max, multiline = false } = options;
  const pattern = multiline ? NO_CONTROL_CHARACTERS_BUT_LINE_BREAKS : NO_CONTROL_CHARACTERS;
  return z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : (options.message ?? 'must be a string')) })
    .min(min, min === 1 ? 'must not be empty' : `must be at least ${min} characters`)
    .max(max, `must be at most ${max} characters`)
    .regex(new RegExp(pattern, 'u'), multiline ? 'must not contain control characters other than line breaks' : 'must not contain control characters')
    .refine((text) => !LONE_SURROGATE.test(text), 'must be well-formed Unicode (no lone surrogates)');
}

/**
 * A whole number given as a query or path string (`^\d+$`, so `1e3`, ` 7` or `0x10` are refused),
 * documented as the integer it stands for.
 */
export function wholeNumberParam(min: number, max: number, options: { default?: number; description?: string } = {}) {
  const digits = String(max).length;
  const schema = z
    .string({ error: 'must be given once, as a plain value' })
    .regex(new RegExp(`^\\d{1,${digits}}$`), 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
  return documentAs(schema, {
    type: 'integer',
    minimum: min,
    maximum: max,
    ...(options.default === undefined ? {} : { default: options.default }),
    ...(options.description ? { description: options.description } : {}),
  });
}

/** The error body every part answers with, as a zod schema (component `Error`). */
export const errorBodyShape = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES).meta({ description: 'What went wrong; each code always comes with the same status (docs/architecture.md)' }),
      message: z.string(),
      requestId: z.string().optional().meta({ description: 'The x-request-id of the request; quote it when reporting a problem' }),
      details: z
        .unknown()
        .optional()
        .meta({ description: 'Extra facts: for validation errors the offending fields, for 503 the dependency that is down' }),
    }),
  })
  .meta({ id: 'Error', description: 'Every error answer, from every part: a code, a message and the request id' });

/** RFC 6749 section 5.2's error body, answered by the OAuth 2.0 endpoints only (component `OAuthError`). */
export const oauthErrorBodyShape = z
  .object({
    error: z.enum(OAUTH_ERROR_CODES),
    error_description: z.string().meta({ description: 'What was wrong, for the developer' }),
  })
  .meta({
    id: 'OAuthError',
    description: 'An OAuth 2.0 error (RFC 6749 section 5.2), as the token, revocation and introspection endpoints answer it',
  });

type Io = 'input' | 'output';

/** Converts a zod schema to JSON Schema 2020-12 (OpenAPI 3.1's dialect); named schemas go to `defs`. */
export function jsonSchemaOf(schema: z.ZodType, io: Io, defs: Record<string, JsonObject>): JsonObject {
  const json = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
    override: (ctx) => {
      // zod's date-time regex says no more than the format does, and buries the schema in noise.
      if (ctx.jsonSchema.format === 'date-time') delete ctx.jsonSchema.pattern;
      const replacement = documented.get(ctx.zodSchema);
      if (!replacement) return;
      for (const key of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as JsonObject)[key];
      Object.assign(ctx.jsonSchema, replacement);
    },
  }) as JsonObject;
  const rewritten = JSON.parse(JSON.stringify(json).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonObject;
  const { $schema: _dialect, $defs, ...rest } = rewritten;
  for (const [name, def] of Object.entries(($defs as Record<string, JsonObject> | undefined) ?? {})) defs[name] = def;
  // A named schema at the top comes back as its definition: refer to it instead.
  const id = z.globalRegistry.get(schema)?.id;
  if (typeof id === 'string') {
    if (!('$ref' in rest)) defs[id] = rest;
    return { $ref: `#/components/schemas/${id}` };
  }
  return rest;
}

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

type Schema = z.ZodType | JsonObject;

export interface HeaderSpec {
  description?: string;
  schema: Schema;
  required?: boolean;
}

export interface ResponseSpec {
  description: string;
  /** A JSON body. */
  body?: z.ZodType;
  /** Bodies of other media types. */
  content?: Record<string, Schema>;
  headers?: Record<string, HeaderSpec>;
}

export interface ParameterSpec {
  schema: z.ZodType;
  description?: string;
  required?: boolean;
}

export interface OperationSpec {
  method: HttpMethod;
  /** The path as OpenAPI writes it (`/records/{id}`). */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Needs no token: `security: []`, and no 401 for a missing one. */
  public?: boolean;
  path_params?: Record<string, ParameterSpec>;
  /** The query's zod object (the one the route validates with); each key is a parameter. */
  query?: z.ZodObject;
  headers?: Record<string, ParameterSpec>;
  body?: { required: boolean; content: Record<string, Schema>; encoding?: JsonObject; description?: string };
  responses: Record<number, ResponseSpec>;
  /** Error statuses this operation answers itself, with what they mean here. */
  errors?: Partial<Record<number, string>>;
  /** Error statuses whose body is not the `Error` component (the OAuth 2.0 endpoints' protocol errors). */
  errorBodies?: Partial<Record<number, z.ZodType>>;
  /** Headers sent with some errors (429's Retry-After). */
  errorHeaders?: Partial<Record<number, Record<string, HeaderSpec>>>;
}

export interface ServiceDocumentSpec {
  title: string;
  description: string;
  version?: string;
  tags?: { name: string; description: string }[];
  operations: readonly OperationSpec[];
  /** Named schemas to publish that no operation refers to (the data of an event stream). */
  schemas?: z.ZodType[];
}

const retryAfter: Record<string, HeaderSpec> = {
  'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'string', pattern: '^[1-9][0-9]*$' }, required: true },
};
const wwwAuthenticate: Record<string, HeaderSpec> = {
  'WWW-Authenticate': { description: 'Bearer, with the error when a token was sent', schema: { type: 'string' } },
};

/**
 * What the gateway may answer for any operation before or instead of the service: a refused
 * token, its rate limit, its body limit, a request target over its length bound, and an upstream
 * that is unreachable, down or slow.
 */
function gatewayErrors(operation: OperationSpec): Partial<Record<number, string>> {
  return {
    400: 'Invalid request: the message and `details` name each offending field',
    ...(operation.public ? {} : { 401: 'Missing, invalid, expired or revoked access token' }),
    ...(operation.body ? { 413: 'Request body too large' } : {}),
    414: 'Request target (path and query) longer than the gateway accepts',
    429: 'Too many requests; wait for `Retry-After` seconds',
    502: 'The service behind the gateway could not be reached',
    503: 'A dependency is unavailable; try again',
    504: 'The service behind the gateway did not answer in time',
  };
}

function schemaOf(schema: Schema, io: Io, defs: Record<string, JsonObject>): JsonObject {
  return schema instanceof z.ZodType ? jsonSchemaOf(schema, io, defs) : schema;
}

function headersOf(headers: Record<string, HeaderSpec> | undefined, defs: Record<string, JsonObject>) {
  if (!headers) return undefined;
  return Object.fromEntries(
    Object.entries(headers).map(([name, header]) => [
      name,
      {
        ...(header.description ? { description: header.description } : {}),
        ...(header.required ? { required: true } : {}),
        schema: schemaOf(header.schema, 'output', defs),
      },
    ]),
  );
}

function isOptional(schema: z.ZodType): boolean {
  return schema.safeParse(undefined).success;
}

function parameters(operation: OperationSpec, defs: Record<string, JsonObject>): JsonObject[] {
  const list: JsonObject[] = [];
  const add = (where: 'path' | 'query' | 'header', name: string, spec: ParameterSpec) => {
    const schema = jsonSchemaOf(spec.schema, 'input', defs);
    const { description, ...rest } = schema;
    list.push({
      name,
      in: where,
      required: where === 'path' ? true : (spec.required ?? !isOptional(spec.schema)),
      ...(spec.description || description ? { description: spec.description ?? description } : {}),
      schema: rest,
    });
  };
  for (const [name, spec] of Object.entries(operation.path_params ?? {})) add('path', name, spec);
  for (const [name, field] of Object.entries(operation.query?.shape ?? {})) add('query', name, { schema: field as z.ZodType });
  for (const [name, spec] of Object.entries(operation.headers ?? {})) add('header', name, spec);
  return list;
}

function operationObject(operation: OperationSpec, defs: Record<string, JsonObject>): JsonObject {
  const responses: Record<string, JsonObject> = {};
  for (const [status, response] of Object.entries(operation.responses)) {
    const content: Record<string, JsonObject> = {};
    if (response.body) content['application/json'] = { schema: jsonSchemaOf(response.body, 'output', defs) };
    for (const [type, schema] of Object.entries(response.content ?? {})) content[type] = { schema: schemaOf(schema, 'output', defs) };
    responses[status] = {
      description: response.description,
      ...(response.headers ? { headers: headersOf(response.headers, defs) } : {}),
      ...(Object.keys(content).length > 0 ? { content } : {}),
    };
  }
  const errors = { ...gatewayErrors(operation), ...operation.errors };
  const errorRef = jsonSchemaOf(errorBodyShape, 'output', defs);
  for (const [status, description] of Object.entries(errors)) {
    const headers = operation.errorHeaders?.[Number(status)] ?? (status === '429' ? retryAfter : status === '401' ? wwwAuthenticate : undefined);
    const own = operation.errorBodies?.[Number(status)];
    responses[status] = {
      description: description!,
      ...(headers ? { headers: headersOf(headers, defs) } : {}),
      content: { 'application/json': { schema: own ? jsonSchemaOf(own, 'output', defs) : errorRef } },
    };
  }
  const body = operation.body
    ? {
        requestBody: {
          required: operation.body.required,
          ...(operation.body.description ? { description: operation.body.description } : {}),
          content: Object.fromEntries(
            Object.entries(operation.body.content).map(([type, schema]) => [
              type,
              {
                schema: schemaOf(schema, 'input', defs),
                ...(operation.body!.encoding && type.startsWith('multipart/') ? { encoding: operation.body!.encoding } : {}),
              },
            ]),
          ),
        },
      }
    : {};
  const params = parameters(operation, defs);
  return {
    tags: operation.tags,
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    operationId: operation.operationId,
    security: operation.public ? [] : [{ OAuth2PasswordBearer: [] }],
    ...(params.length > 0 ? { parameters: params } : {}),
    ...body,
    responses,
  };
}

/** The methods of each path, as an `Allow` header lists them (HEAD comes with GET). */
export function allowedMethods(operations: readonly Pick<OperationSpec, 'method' | 'path'>[]): Map<string, string> {
  const byPath = new Map<string, Set<string>>();
  for (const { method, path } of operations) {
    const methods = byPath.get(path) ?? new Set<string>();
    methods.add(method.toUpperCase());
    if (method === 'get') methods.add('HEAD');
    byPath.set(path, methods);
  }
  return new Map([...byPath].map(([path, methods]) => [path, [...methods].join(', ')]));
}

/**
 * A service's OpenAPI 3.1 document, made from the zod schemas its routes validate with and
 * answer in. Every operation lists the statuses the gateway may add in front of it.
 */
export function buildOpenApiDocument(spec: ServiceDocumentSpec): JsonObject {
  const defs: Record<string, JsonObject> = {};
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const operation of spec.operations) {
    paths[operation.path] ??= {};
    paths[operation.path]![operation.method] = operationObject(operation, defs);
  }
  for (const schema of spec.schemas ?? []) jsonSchemaOf(schema, 'output', defs);
  return {
    openapi: '3.1.0',
    info: { title: spec.title, version: spec.version ?? '0.1.0', description: spec.description },
    ...(spec.tags ? { tags: spec.tags } : {}),
    paths,
    components: {
      securitySchemes: {
        OAuth2PasswordBearer: {
          type: 'oauth2',
          description: 'Access token from /auth/login, sent as "Authorization: Bearer <token>"',
          flows: { password: { tokenUrl: '/auth/login', refreshUrl: '/auth/refresh', scopes: {} } },
        },
      },
      schemas: Object.fromEntries(Object.entries(defs).sort(([a], [b]) => a.localeCompare(b))),
    },
  };
}
