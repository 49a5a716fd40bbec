import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './generated/api';

export type { components, paths } from './generated/api';
export type ApiClient = Client<paths>;
export type Schemas = components['schemas'];

/**
 * The JSON body of one answer, by path, method and status. The client names its types this way
 * rather than by component name: routes are the stable part of the contract, and a document
 * generated differently may name its components differently.
 */
export type JsonAnswer<P extends keyof paths, M extends keyof paths[P], S extends number> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

export type TokenAnswer = JsonAnswer<'/auth/login', 'post', 200>;
export type RecordView = JsonAnswer<'/records/{id}', 'get', 200>;
export type RecordPage = JsonAnswer<'/records/', 'get', 200>;
export type QaJob = JsonAnswer<'/qa/jobs/{id}', 'get', 200>;
export type QaJobAccepted = JsonAnswer<'/qa/generate', 'post', 202>;

export interface ApiClientOptions {
  /** The gateway, e.g. http://127.0.0.1:8000 */
  baseUrl: string;
  /** An access token, or a function giving the current one (read on every request). */
  token?: string | (() => string | undefined);
  fetch?: typeof fetch;
}

/** A typed client of the whole API through the gateway: paths, parameters, bodies and answers come from its OpenAPI document. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const client = createClient<paths>({ baseUrl: options.baseUrl.replace(/\/+$/, ''), ...(options.fetch ? { fetch: options.fetch } : {}) });
  const { token } = options;
  if (token !== undefined) {
    client.use({
      onRequest({ request }) {
        const value = typeof token === 'function' ? token() : token;
        if (value) request.headers.set('Authorization', `Bearer ${value}`);
        return request;
      },
    });
  }
  return client;
}

/** An error answer of the API (`{"error": {code, message, requestId}}`), or a transport failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The answer's data, or an ApiError built from its error body. */
export function unwrap<T>(result: FetchResult<T>): T {
  if (result.error === undefined && result.response.ok) return result.data as T;
  throw apiErrorOf(result.response, result.error);
}

export function apiErrorOf(response: Response, body: unknown): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; requestId?: unknown; details?: unknown } } | undefined)?.error;
  if (error && typeof error.code === 'string' && typeof error.message === 'string') {
    return new ApiError(response.status, error.code, error.message, typeof error.requestId === 'string' ? error.requestId : undefined, error.details);
  }
  // The OAuth 2.0 endpoints (login, refresh, revocation) answer the protocol's body (RFC 6749 section 5.2).
  const oauth = body as { error?: unknown; error_description?: unknown } | undefined;
  if (typeof oauth?.error === 'string') {
    const message = typeof oauth.error_description === 'string' ? oauth.error_description : oauth.error;
    return new ApiError(response.status, oauth.error, message, response.headers.get('x-request-id') ?? undefined);
  }
  return new ApiError(response.status, `http_${response.status}`, `The gateway answered ${response.status} ${response.statusText}`.trim());
}

/** Logs in with the OAuth2 password form, as the seed's curl does. */
export async function login(client: ApiClient, username: string, password: string): Promise<TokenAnswer> {
  return unwrap(
    await client.POST('/auth/login', {
      body: { username, password, grant_type: 'password' },
      bodySerializer: (body) => new URLSearchParams(body as Record<string, string>).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    }),
  );
}

/** Uploads a resume and a job description; the job is queued (202) or, with `waitSeconds`, maybe already done (200). */
export async function startQa(
  client: ApiClient,
  files: { resume: { name: string; content: Uint8Array }; jd: { name: string; content: Uint8Array } },
  waitSeconds?: number,
): Promise<QaJobAccepted | QaJob> {
  const form = new FormData();
  for (const part of ['resume', 'jd'] as const) {
    form.append(part, new Blob([files[part].content], { type: 'application/pdf' }), files[part].name);
  }
  const result = await client.POST('/qa/generate', {
    body: form as never,
    bodySerializer: () => form,
    ...(waitSeconds ? { params: { header: { Prefer: `wait=${waitSeconds}` } } } : {}),
  });
  return unwrap(result);
}
