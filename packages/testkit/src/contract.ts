import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { mergedOpenApiDocument } from '@app/api/openapi-document';

type Json = Record<string, any>;

/** The gateway's merged document, made from the services' builders as the gateway merges their /openapi.json. */
export function mergedDocument(): Json {
  return mergedOpenApiDocument();
}

const DOCUMENT_ID = 'urn:api:openapi';
const document = mergedDocument();
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true, validateSchema: false });
addFormats(ajv);
for (const format of ['binary', 'password']) ajv.addFormat(format, true);
// Schemas refer to `#/components/...` of the document: resolve those against the document itself.
ajv.addSchema({
  $id: DOCUMENT_ID,
  components: JSON.parse(JSON.stringify(document.components).replaceAll('"#/components/', `"${DOCUMENT_ID}#/components/`)),
});
const resolve = (schema: unknown): Json => JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${DOCUMENT_ID}#/components/`));
const validators = new Map<string, ValidateFunction>();

function validatorFor(key: string, schema: unknown): ValidateFunction {
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(resolve(schema));
    validators.set(key, validate);
  }
  return validate;
}

const templates = Object.keys(document.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));

function documentedPath(path: string): string | undefined {
  const candidates = [path, path.endsWith('/') ? path.slice(0, -1) : `${path}/`];
  for (const candidate of candidates) {
    const found = templates.find((t) => t.pattern.test(candidate));
    if (found) return found.template;
  }
  return undefined;
}

export interface SeenAnswer {
  method: string;
  path: string;
  status: number;
  headers: Headers;
  /** The body as text; undefined for streams that were not read. */
  text?: string;
}

function errorBodyProblem(answer: SeenAnswer): string | undefined {
  if (!answer.text) return 'an error answer has no body';
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return `an error answer is not JSON: ${answer.text.slice(0, 200)}`;
  }
  const validate = validatorFor('Error', { $ref: '#/components/schemas/Error' });
  return validate(body) ? undefined : `the error body does not match Error: ${ajv.errorsText(validate.errors)}`;
}

/** What is wrong with an answer according to the merged document, or undefined when it conforms. */
export function contractProblem(answer: SeenAnswer): string | undefined {
  const template = documentedPath(answer.path);
  const method = answer.method.toLowerCase() === 'head' ? 'get' : answer.method.toLowerCase();
  const operation: Json | undefined = template ? document.paths[template][method] : undefined;
  if (!operation) {
    // A path the API does not have, or a method it does not have there: only the error shape is promised.
    if (template && answer.status === 405 && !answer.headers.get('allow')) return 'a 405 without an Allow header';
    return answer.status >= 400 && answer.method !== 'HEAD' ? errorBodyProblem(answer) : undefined;
  }
  const response: Json | undefined = operation.responses[String(answer.status)] ?? operation.responses.default;
  const label = `${answer.method} ${template} answered ${answer.status}`;
  if (!response) return `${label}, which the document does not list (it lists ${Object.keys(operation.responses).join(', ')})`;
  for (const [name, header] of Object.entries<Json>(response.headers ?? {})) {
    if (header.required && answer.headers.get(name) === null) return `${label} without its required ${name} header`;
  }
  const content: Json | undefined = response.content;
  if (!content || answer.method === 'HEAD' || answer.status === 204 || answer.status === 304) return undefined;
  const mediaType = (answer.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const declared = content[mediaType];
  if (!declared) return `${label} as ${mediaType || 'no content type'}, but the document says ${Object.keys(content).join(', ')}`;
  if (mediaType !== 'application/json' || answer.text === undefined) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return `${label} with a body that is not JSON`;
  }
  const validate = validatorFor(`${template} ${method} ${answer.status}`, declared.schema);
  if (validate(body)) return undefined;
  return `${label} with a body that does not match the document: ${ajv.errorsText(validate.errors)}\n${answer.text.slice(0, 500)}`;
}

const checkedOrigins = new Set<string>();
let installed = false;

/**
 * Checks every answer fetched from `baseUrl` from now on against the merged document: an answer
 * that drifts from it makes the fetch throw, so the test that saw it fails.
 */
export function checkAnswersFrom(baseUrl: string): void {
  checkedOrigins.add(new URL(baseUrl).origin);
  if (installed) return;
  installed = true;
  const original = globalThis.fetch;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const response = await original(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!checkedOrigins.has(url.origin)) return response;
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const streamed = (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
    const text = streamed || method === 'HEAD' ? undefined : await response.clone().text();
    const problem = contractProblem({ method, path: url.pathname, status: response.status, headers: response.headers, text });
    if (problem) throw new Error(`The answer drifted from the OpenAPI document: ${problem}`);
    return response;
  };
}
