import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { registerAndLogin } from '@app/launcher/accounts';
import { DATA_DIR, log } from '@app/infra';

/** The fuzzer's version: pinned, so a run means the same thing on every machine. */
export const SCHEMATHESIS_VERSION = '4.32.5';

const run = promisify(execFile);
const VENV = join(DATA_DIR, `schemathesis-${SCHEMATHESIS_VERSION}`);
const bin = (name: string) => join(VENV, 'bin', name);

/** A Python virtual environment under .data/ with the pinned schemathesis from PyPI; made once. */
export async function ensureSchemathesis(): Promise<string> {
  const st = bin('st');
  if (existsSync(st)) return st;
  log(`installing schemathesis ${SCHEMATHESIS_VERSION} into ${VENV}`);
  mkdirSync(DATA_DIR, { recursive: true });
  await run('python3', ['-m', 'venv', VENV], { timeout: 120_000 });
  await run(bin('pip'), ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`], {
    timeout: 600_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return st;
}

export interface FuzzOptions {
  /** The gateway's URL; the document is read from its /openapi.json. */
  gatewayUrl: string;
  /** An access token of a user made for the run. */
  token: string;
  seed?: number;
  /** Time budget of the run, in seconds. */
  maxSeconds?: number;
  maxExamples?: number;
  /** Extra arguments (operation filters). */
  args?: string[];
  /** Where the reports go. */
  reportDir: string;
}

export interface FuzzResult {
  code: number;
  output: string;
}

// The statuses a schema-valid request may still get, beyond schemathesis' defaults, where the
// protocol and not the shape of the request decides: an entity tag the record no longer has is a
// 412 (RFC 9110), and an Idempotency-Key reused with another body a 422 (the IETF idempotency draft).
// No schema can promise that a random tag or key is the current one. And an upload whose content is
// not the PDF its part declares is a 415: schemathesis sends its sample PNG or random bytes for any
// `format: binary`, whatever media type the part declares.
// OAuth 2.0's token endpoint answers a well-formed request with credentials or a refresh token that
// are not valid as 400 invalid_grant (RFC 6749 section 5.2), and its revocation endpoint a token
// issued to another client as 400 unauthorized_client (RFC 7009), and any of them a client_secret
// sent without its client_id as 400 invalid_request: the protocol decides, not the shape.
// A request that breaks the schema may also be refused for its size before it is parsed: a 413
// (the auth service reads at most 16 kB, less than a body of every field at its longest, escaped,
// can take) or a 414 (a request target over the gateway's bound) is as much a refusal as a 400.
const CONFIG = `
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]

[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "414", "415", "422", "428", "429", "5xx"]

[[operations]]
include-operation-id = ["updateRecord", "patchRecord", "deleteRecord"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "412", "429", "5xx"]

[[operations]]
include-operation-id = "createRecord"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]

[[operations]]
include-operation-id = ["token", "login", "refresh", "revokeToken", "introspectToken"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]

[[operations]]
include-operation-id = "generateQuestions"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "415", "429", "5xx"]
`;

/**
 * Runs schemathesis with its default checks against the gateway's merged document,
 * authenticated, with a fixed seed and a time budget.
 */
export async function runSchemathesis(options: FuzzOptions): Promise<FuzzResult> {
  const st = await ensureSchemathesis();
  mkdirSync(options.reportDir, { recursive: true });
  const configPath = join(options.reportDir, 'schemathesis.toml');
  writeFileSync(configPath, CONFIG);
  const args = [
    '--config-file',
    configPath,
    'run',
    `${options.gatewayUrl}/openapi.json`,
    '--url',
    options.gatewayUrl,
    '--header',
    `Authorization: Bearer ${options.token}`,
    '--seed',
    String(options.seed ?? 20261202),
    '--max-time',
    String(options.maxSeconds ?? 120),
    '--max-examples',
    String(options.maxExamples ?? 50),
    '--workers',
    '2',
    '--request-timeout',
    '90',
    '--report',
    'ndjson',
    '--report-dir',
    options.reportDir,
    '--no-color',
    ...(options.args ?? []),
  ];
  return new Promise((resolve, reject) => {
    // Run in the report folder: schemathesis keeps its cache in the working directory.
    const child = spawn(st, args, { cwd: options.reportDir, env: { ...process.env, SCHEMATHESIS_HOOKS: '', NO_COLOR: '1', COLUMNS: '120' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

/**
 * What the stack under the fuzzer needs: rate limits and the address throttles of login and
 * registration far above what one run sends, so answers are about the API (those limits have tests of their own).
 */
// The upstream timeout is raised too: on a loaded machine a slow answer is a 504, which the fuzzer
// would report as a server error although the service did nothing wrong.
export const FUZZ_STACK_ENV = {
  UPSTREAM_TIMEOUT_MS: '60000',
  RATE_LIMIT_PER_USER_PER_MINUTE: '1000000',
  RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '1000000',
  LOGIN_ADDRESS_FREE_FAILURES: '1000000',
  REGISTER_ADDRESS_FREE: '1000000',
  LOG_LEVEL: 'warn',
};

// Logging out and deleting the account end the session the rest of the run uses, so they run
// last, on their own, each with a session of its own.
const SESSION_ENDING = ['logout', 'deleteMe'];

/** The whole fuzz run against a running stack: every operation, then the session-ending ones. */
export async function fuzzThroughGateway(
  gatewayUrl: string,
  options: { reportDir: string; maxSeconds?: number } = { reportDir: join(DATA_DIR, 'schemathesis') },
): Promise<FuzzResult> {
  const { token } = await registerAndLogin(gatewayUrl, 'fuzz');
  const main = await runSchemathesis({
    gatewayUrl,
    token,
    reportDir: join(options.reportDir, 'main'),
    maxSeconds: options.maxSeconds ?? 120,
    args: SESSION_ENDING.flatMap((id) => ['--exclude-operation-id', id]),
  });
  const endings: FuzzResult[] = [];
  for (const operationId of SESSION_ENDING) {
    endings.push(
      await runSchemathesis({
        gatewayUrl,
        token: (await registerAndLogin(gatewayUrl, 'fuzz')).token,
        reportDir: join(options.reportDir, operationId),
        maxSeconds: 15,
        args: ['--include-operation-id', operationId],
      }),
    );
  }
  const runs = [main, ...endings];
  return { code: runs.find((r) => r.code !== 0)?.code ?? 0, output: runs.map((r) => r.output).join('\n') };
}

/** The lines of a run's output worth printing in a test log: each run's summary. */
export function summaryOf(output: string): string {
  return output
    .split('\n')
    .filter((line) => /Operations:|Selected:|Tested:|generated|passed|failed|failure|Seed:|❌|⚠️|=====/.test(line))
    .join('\n');
}
