#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ApiError, createApiClient, login, startQa, unwrap, type ApiClient, type RecordPage, type RecordView, type TokenAnswer } from '../client';
import { followQaJob } from '../qa-job';
import { loadCliConfig, UsageError, type CliConfig } from './cli-config';
import { CredentialStore, type Session } from './credentials';
import { ProgressBar } from './progress-bar';
import { formatQaReport } from './qa-report';

const HELP = `Usage: npm run cli -- <command> [options]

Commands:
  login <username>            log in; the password is asked for, or read from
                              --password-stdin (or given with --password)
  logout                      revoke the stored token and forget it
  me                          the logged-in user
  records list                your records: [--limit N] [--page N | --cursor C]
                              [--status S] [--option-type T] [--sort F]
  records get <id>            one record
  records create              --option-type T --description D --status S
  records update <id>         any of --option-type, --description, --status
                              [--if-match ETAG]
  records delete <id>         [--if-match ETAG]
  qa <resume.pdf> <jd.pdf>    upload both, follow the analysis, print the report;
                              --lines adds every line of both documents (redacted)

Options:
  --url URL      the gateway (default: API_URL, else http://127.0.0.1:8000)
  --json         machine output: the API's JSON on stdout, errors as JSON on stderr
  -h, --help     this help

The token is kept in $XDG_CONFIG_HOME/api-gateway-cli/credentials.json
(else ~/.config/...), readable by you alone (mode 0600).
Exit codes: 0 done, 1 the API or the network refused, 2 wrong usage.`;

const OPTIONS = {
  url: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  password: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  limit: { type: 'string' },
  page: { type: 'string' },
  cursor: { type: 'string' },
  status: { type: 'string' },
  'option-type': { type: 'string' },
  description: { type: 'string' },
  sort: { type: 'string' },
  'if-match': { type: 'string' },
  lines: { type: 'boolean' },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

interface Context {
  config: CliConfig;
  flags: Flags;
  io: Io;
  store: CredentialStore;
  print(human: string, json: unknown): void;
}

/** Runs one CLI invocation and returns its exit code; never calls process.exit, so tests can run it in-process too. */
export async function runCli(argv: string[], io: Io = process): Promise<number> {
  let flags: Flags;
  let positionals: string[];
  try {
    ({ values: flags, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (err) {
    io.stderr.write(`error: ${(err as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  if (flags.help || positionals.length === 0) {
    (flags.help ? io.stdout : io.stderr).write(`${HELP}\n`);
    return flags.help ? 0 : 2;
  }
  try {
    const config = loadCliConfig(flags);
    const context: Context = {
      config,
      flags,
      io,
      store: new CredentialStore(config.configDir),
      print: (human, json) => io.stdout.write(`${flags.json ? JSON.stringify(json, null, 2) : human}\n`),
    };
    await dispatch(context, positionals);
    return 0;
  } catch (err) {
    return reportError(err, flags, io);
  }
}

async function dispatch(context: Context, positionals: string[]): Promise<void> {
  const [command, ...rest] = positionals;
  switch (command) {
    case 'login':
      return loginCommand(context, rest);
    case 'logout':
      return logoutCommand(context, rest);
    case 'me':
      expectArgs(rest, 0, 'me');
      return meCommand(context);
    case 'records':
      return recordsCommand(context, rest);
    case 'qa':
      return qaCommand(context, rest);
    default:
      throw new UsageError(`Unknown command ${JSON.stringify(command)}`);
  }
}

function expectArgs(args: string[], count: number, usage: string): void {
  if (args.length !== count) throw new UsageError(`Usage: ${usage}`);
}

function reportError(err: unknown, flags: Partial<Flags>, io: Io): number {
  const usage = err instanceof UsageError;
  const api = err instanceof ApiError ? err : undefined;
  if (flags.json) {
    const error = api
      ? { status: api.status, code: api.code, message: api.message, ...(api.requestId ? { requestId: api.requestId } : {}) }
      : { code: usage ? 'usage' : 'failed', message: (err as Partial<Error>).message ?? String(err) };
    io.stderr.write(`${JSON.stringify({ error })}\n`);
  } else if (api) {
    const status = api.status === 0 ? api.code : `${api.status} ${api.code}`;
    io.stderr.write(`error: ${api.message} (${status}${api.requestId ? `, request ${api.requestId}` : ''})\n`);
  } else {
    io.stderr.write(`error: ${(err as Partial<Error>).message ?? String(err)}\n${usage ? 'Run with --help for usage.\n' : ''}`);
  }
  return usage ? 2 : 1;
}

/** fetch that says which gateway it could not reach, instead of node's bare "fetch failed". */
function reachingFetch(url: string): typeof fetch {
  return async (input, init) => {
    try {
      return await fetch(input, init);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new ApiError(0, 'unreachable', `Cannot reach the gateway at ${url}: ${why}`);
    }
  };
}

function anonymousClient(context: Context): ApiClient {
  return createApiClient({ baseUrl: context.config.url, fetch: reachingFetch(context.config.url) });
}

/** A client with the stored token, refreshed first when it is about to expire. */
async function sessionClient(context: Context): Promise<ApiClient> {
  const { config, store } = context;
  let session = await store.get(config.url);
  if (!session) throw new ApiError(401, 'not_logged_in', `Not logged in to ${config.url}: run login first`);
  if (session.expiresAt - Date.now() < 30_000) session = await refreshSession(context, session);
  return createApiClient({ baseUrl: config.url, token: session.accessToken, fetch: reachingFetch(config.url) });
}

async function refreshSession(context: Context, session: Session): Promise<Session> {
  const { data, error, response } = await anonymousClient(context).POST('/auth/refresh', { body: { refresh_token: session.refreshToken } });
  if (!data) {
    await context.store.remove(context.config.url);
    // openapi-fetch answers a body-less response (204, Content-Length: 0) with neither data nor error.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- error is typed as present whenever data is absent
    const cause = error ? unwrapMessage(response, error) : '';
    throw new ApiError(401, 'session_expired', `The session expired${cause}: run login again`);
  }
  const renewed = sessionOf(session.username, data);
  await context.store.set(context.config.url, renewed);
  return renewed;
}

function unwrapMessage(response: Response, error: unknown): string {
  try {
    unwrap({ error, response });
    return '';
  } catch (err) {
    return ` (${(err as Error).message})`;
  }
}

const sessionOf = (username: string, tokens: TokenAnswer): Session => ({
  username,
  accessToken: tokens.access_token,
  refreshToken: tokens.refresh_token,
  expiresAt: Date.now() + tokens.expires_in * 1000,
});

async function readPassword(context: Context, username: string): Promise<string> {
  const { flags, io } = context;
  if (flags.password !== undefined) return flags.password;
  if (flags['password-stdin'] || !io.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  // A terminal: ask without echoing what is typed.
  const prompt = `Password for ${username}: `;
  const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: true });
  const output = rl as unknown as { _writeToOutput(text: string): void };
  output._writeToOutput = (text: string) => {
    if (text.startsWith(prompt)) io.stderr.write(prompt);
  };
  try {
    return await new Promise<string>((resolve) => rl.question(prompt, resolve));
  } finally {
    rl.close();
    io.stderr.write('\n');
  }
}

async function loginCommand(context: Context, args: string[]): Promise<void> {
  expectArgs(args, 1, 'login <username> [--password-stdin]');
  const username = args[0]!;
  const password = await readPassword(context, username);
  if (!password) throw new UsageError('No password given');
  const tokens = await login(anonymousClient(context), username, password).catch((err: unknown) => {
    // The token endpoint answers a wrong password as OAuth 2.0 does: 400 invalid_grant.
    if (err instanceof ApiError && err.code === 'invalid_grant') {
      throw new ApiError(err.status, err.code, `Login failed: wrong username or password for ${context.config.url}`, err.requestId);
    }
    throw err;
  });
  await context.store.set(context.config.url, sessionOf(username, tokens));
  context.print(`Logged in to ${context.config.url} as ${username} (token saved in ${context.store.file})`, {
    url: context.config.url,
    username,
    expires_in: tokens.expires_in,
    credentials: context.store.file,
  });
}

async function logoutCommand(context: Context, args: string[]): Promise<void> {
  expectArgs(args, 0, 'logout');
  const session = await context.store.get(context.config.url);
  if (session) {
    const client = createApiClient({ baseUrl: context.config.url, token: session.accessToken, fetch: reachingFetch(context.config.url) });
    // An expired or already revoked token is fine: forgetting it locally is what matters.
    await client.POST('/auth/logout', { body: { refresh_token: session.refreshToken } }).catch(() => undefined);
    await context.store.remove(context.config.url);
  }
  context.print(session ? `Logged out of ${context.config.url}` : `Not logged in to ${context.config.url}`, { loggedOut: Boolean(session) });
}

async function meCommand(context: Context): Promise<void> {
  const me = unwrap(await (await sessionClient(context)).GET('/auth/me'));
  context.print(`${me.username}\n  id       ${me.id}\n  created  ${me.createdAt}`, me);
}

function recordId(value: string | undefined): number {
  if (!value || !/^[1-9]\d{0,15}$/.test(value)) throw new UsageError(`A record id is a positive whole number, not ${JSON.stringify(value ?? '')}`);
  return Number(value);
}

function wholeNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new UsageError(`--${name} takes a whole number, not ${JSON.stringify(value)}`);
  return Number(value);
}

function recordFields(flags: Flags) {
  return {
    ...(flags['option-type'] !== undefined ? { option_type: flags['option-type'] } : {}),
    ...(flags.description !== undefined ? { description: flags.description } : {}),
    ...(flags.status !== undefined ? { status: flags.status } : {}),
  };
}

function formatRecord(record: RecordView): string {
  return [
    `record ${record.id}`,
    `  option_type  ${record.option_type}`,
    `  status       ${record.status}`,
    `  description  ${record.description}`,
    `  version      ${record.version}`,
    `  created      ${record.createdAt}`,
    `  updated      ${record.updatedAt}`,
  ].join('\n');
}

function formatRecordPage(page: RecordPage): string {
  // Past the exact bound the total is a lower bound: "1000+".
  const total = `${page.total}${page.totalIsLowerBound ? '+' : ''}`;
  if (page.items.length === 0) return `No records (${total} in all)`;
  const rows = page.items.map((r) => [String(r.id), r.option_type, r.status, r.description.replace(/\s+/g, ' '), r.updatedAt]);
  const header = ['ID', 'OPTION_TYPE', 'STATUS', 'DESCRIPTION', 'UPDATED'];
  const cap = [10, 20, 12, 40, 24];
  const cell = (text: string, i: number) => (text.length > cap[i]! ? `${text.slice(0, cap[i]! - 1)}…` : text);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => cell(row[i]!, i).length)));
  const line = (row: string[]) =>
    row
      .map((text, i) => cell(text, i).padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const footer = `${page.items.length} shown of ${total}${page.page ? `, page ${page.page}` : ''}${page.next ? `; next: ${page.next}` : ''}`;
  return [line(header), ...rows.map(line), footer].join('\n');
}

async function recordsCommand(context: Context, args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { flags } = context;
  const ifMatch = flags['if-match'] ? { 'If-Match': flags['if-match'] } : undefined;
  switch (action) {
    case 'list': {
      expectArgs(rest, 0, 'records list [--limit N] [--page N | --cursor C] [--status S] [--option-type T] [--sort F]');
      const query = {
        limit: wholeNumber('limit', flags.limit),
        page: wholeNumber('page', flags.page),
        cursor: flags.cursor,
        status: flags.status,
        option_type: flags['option-type'],
        sort: flags.sort,
      };
      const client = await sessionClient(context);
      const page = unwrap(await client.GET('/records/', { params: { query: query as never } }));
      return context.print(formatRecordPage(page), page);
    }
    case 'get': {
      expectArgs(rest, 1, 'records get <id>');
      const id = recordId(rest[0]);
      const client = await sessionClient(context);
      const record = unwrap(await client.GET('/records/{id}', { params: { path: { id } } }));
      return context.print(formatRecord(record), record);
    }
    case 'create': {
      expectArgs(rest, 0, 'records create --option-type T --description D --status S');
      const fields = recordFields(flags);
      const missing = ['option_type', 'description', 'status'].filter((name) => !(name in fields));
      if (missing.length > 0) throw new UsageError(`records create needs ${missing.map((name) => `--${name.replace('_', '-')}`).join(', ')}`);
      const client = await sessionClient(context);
      const record = unwrap(await client.POST('/records/', { body: fields as { option_type: string; description: string; status: string } }));
      return context.print(`Created ${formatRecord(record)}`, record);
    }
    case 'update': {
      expectArgs(rest, 1, 'records update <id> [--option-type T] [--description D] [--status S] [--if-match ETAG]');
      const id = recordId(rest[0]);
      const fields = recordFields(flags);
      if (Object.keys(fields).length === 0) throw new UsageError('records update needs at least one of --option-type, --description, --status');
      const client = await sessionClient(context);
      const record = unwrap(
        await client.PATCH('/records/{id}', { params: { path: { id }, ...(ifMatch ? { header: ifMatch as never } : {}) }, body: fields }),
      );
      return context.print(`Updated ${formatRecord(record)}`, record);
    }
    case 'delete': {
      expectArgs(rest, 1, 'records delete <id> [--if-match ETAG]');
      const id = recordId(rest[0]);
      const client = await sessionClient(context);
      const { error, response } = await client.DELETE('/records/{id}', {
        params: { path: { id }, ...(ifMatch ? { header: ifMatch as never } : {}) },
      });
      if (!response.ok) unwrap({ error, response });
      return context.print(`Deleted record ${id}`, { deleted: id });
    }
    default:
      throw new UsageError(`Usage: records list|get|create|update|delete (not ${JSON.stringify(action ?? '')})`);
  }
}

async function readPdf(path: string) {
  try {
    return { name: basename(path), content: new Uint8Array(await readFile(path)) };
  } catch (err) {
    throw new UsageError(`Cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

async function qaCommand(context: Context, args: string[]): Promise<void> {
  expectArgs(args, 2, 'qa <resume.pdf> <jd.pdf>');
  const resume = await readPdf(args[0]!);
  const jd = await readPdf(args[1]!);
  const client = await sessionClient(context);
  const { io, flags } = context;
  const accepted = await startQa(client, { resume, jd });
  // In --json mode the bar goes to a terminal only, so a pipe gets nothing but the JSON.
  const bar = !flags.json || io.stderr.isTTY ? new ProgressBar(io.stderr) : undefined;
  bar?.update(0, `job ${accepted.id} ${accepted.status}`);
  let job = await followQaJob(client, accepted.id, (progress) => bar?.update(progress.progress, progress.stage));
  // The answer cites the lines it needs; the whole text is asked for only when wanted.
  if (flags.lines && job.status === 'completed') {
    job = unwrap(await client.GET('/qa/jobs/{id}', { params: { path: { id: job.id }, query: { include: 'lines' } } }));
  }
  bar?.update(job.status === 'completed' ? 100 : job.progress, job.status);
  bar?.done();
  context.print(formatQaReport(job), job);
  if (job.status === 'failed')
    throw new ApiError(422, 'job_failed', `The analysis failed: ${(job.error as { message?: string } | undefined)?.message ?? 'no reason given'}`);
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
