import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@app/launcher/stack';
import { registerAndLogin, useE2EStack } from '@app/testkit/e2e-stack';

const ROOT = resolve(__dirname, '..', '..');
const CLI = join(ROOT, 'packages', 'client', 'dist', 'cli', 'main.js');
const FIXTURES = join(ROOT, 'packages', 'resume-analysis', 'fixtures');

const stack = useE2EStack({}, 90_000);
let configHome: string;

beforeAll(async () => {
  configHome = await mkdtemp(join(tmpdir(), 'cli-config-'));
});
afterAll(async () => {
  if (configHome) await rm(configHome, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as its own process, as a person would, with its own config folder and the stack's URL. */
function cli(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; viaNpm?: boolean } = {}): Promise<Run> {
  const env = { ...process.env, API_URL: stack.gatewayUrl, XDG_CONFIG_HOME: configHome, ...options.env };
  const [command, argv] = options.viaNpm ? ['npm', ['run', '--silent', 'cli', '--', ...args]] : [process.execPath, [CLI, ...args]];
  return new Promise((done) => {
    const child = execFile(command, argv, { cwd: ROOT, env, timeout: 90_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
    child.stdin?.end(options.input ?? '');
  });
}

const newAccount = (prefix: string) => registerAndLogin(stack.gatewayUrl, prefix);

const credentialsFile = () => join(configHome, 'api-gateway-cli', 'credentials.json');

describe('the CLI against the running stack', () => {
  it('when --help is asked for (through npm run cli), then the usage is printed and it exits 0', async () => {
    const run = await cli(['--help'], { viaNpm: true });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: npm run cli -- <command>');
    for (const command of ['login', 'me', 'records list', 'records create', 'qa <resume.pdf> <jd.pdf>', '--json', '--url']) {
      expect(run.stdout).toContain(command);
    }
  });

  it('when a command is unknown or misused, then it exits 2 with a pointer to --help', async () => {
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "frobnicate"');
    const badFlag = await cli(['me', '--no-such-flag']);
    expect(badFlag.code).toBe(2);
    const badId = await cli(['records', 'get', '1;DROP']);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain('A record id is a positive whole number');
  });

  it('when the password is wrong, then login says so, exits 1 and stores nothing', async () => {
    const { username } = await newAccount('wrongpw');
    const isolated = await mkdtemp(join(tmpdir(), 'cli-config-'));
    try {
      const run = await cli(['login', username, '--password-stdin'], { input: 'not-the-password\n', env: { XDG_CONFIG_HOME: isolated } });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /^error: Login failed: wrong username or password for http:\/\/127\.0\.0\.1:\d+ \(400 invalid_grant, request [\w-]+\)\n$/,
      );
      await expect(stat(join(isolated, 'api-gateway-cli', 'credentials.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await rm(isolated, { recursive: true, force: true });
    }
  });

  it('when the gateway cannot be reached, then the error names it, in words and in --json', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = await cli(['login', 'anyone', '--password', 'x', '--url', url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: Cannot reach the gateway at ${url}: ECONNREFUSED (unreachable)\n`);
    const json = await cli(['login', 'anyone', '--password', 'x', '--json'], { env: { API_URL: url } });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr)).toEqual({
      error: { status: 0, code: 'unreachable', message: `Cannot reach the gateway at ${url}: ECONNREFUSED` },
    });
    expect(json.stdout).toBe('');
  });

  it('when not logged in, then me says to log in first', async () => {
    const isolated = await mkdtemp(join(tmpdir(), 'cli-config-'));
    try {
      const run = await cli(['me'], { env: { XDG_CONFIG_HOME: isolated } });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('Not logged in to');
      expect(run.stderr).toContain('run login first');
    } finally {
      await rm(isolated, { recursive: true, force: true });
    }
  });

  it('when a user logs in, then the token file is 0600 in a 0700 folder, and me answers in words and in --json', async () => {
    const { username, password } = await newAccount('cli');
    const login = await cli(['login', username, '--password-stdin'], { input: `${password}\n` });
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`as ${username}`);
    const file = await stat(credentialsFile());
    expect(file.mode & 0o777).toBe(0o600);
    expect((await stat(join(configHome, 'api-gateway-cli'))).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(await readFile(credentialsFile(), 'utf8')) as Record<string, { username: string; accessToken: string }>;
    expect(stored[stack.gatewayUrl]?.username).toBe(username);

    const me = await cli(['me']);
    expect(me.code).toBe(0);
    expect(me.stdout.split('\n')[0]).toBe(username);
    const meJson = await cli(['me', '--json']);
    expect(meJson.code).toBe(0);
    expect(JSON.parse(meJson.stdout)).toEqual({ id: expect.any(String), username, createdAt: expect.any(String) });
  });

  it('when records are created, listed, read, updated and deleted, then each step shows in words and in --json', async () => {
    const { username, password } = await newAccount('crud');
    expect((await cli(['login', username, '--password', password])).code).toBe(0);

    const created = await cli(['records', 'create', '--option-type', 'opportunity', '--description', 'from the CLI', '--status', 'active', '--json']);
    expect(created.code).toBe(0);
    const record = JSON.parse(created.stdout) as { id: number; description: string; version: number };
    expect(record).toMatchObject({ id: expect.any(Number), description: 'from the CLI', status: 'active', option_type: 'opportunity' });

    const human = await cli(['records', 'create', '--option-type', 'lead', '--description', 'second one', '--status', 'new']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^Created record \d+\n {2}option_type {2}lead\n/);

    const list = await cli(['records', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID +OPTION_TYPE +STATUS +DESCRIPTION +UPDATED\n/);
    expect(list.stdout).toContain('from the CLI');
    expect(list.stdout).toContain('2 shown of 2, page 1');
    const listJson = JSON.parse((await cli(['records', 'list', '--status', 'active', '--json'])).stdout) as {
      items: Array<{ id: number }>;
      total: number;
    };
    expect(listJson.total).toBe(1);
    expect(listJson.items.map((item) => item.id)).toEqual([record.id]);

    const got = await cli(['records', 'get', String(record.id)]);
    expect(got.stdout).toContain(`record ${record.id}`);
    expect(got.stdout).toContain('description  from the CLI');

    const updated = JSON.parse((await cli(['records', 'update', String(record.id), '--description', 'changed', '--json'])).stdout) as {
      description: string;
      version: number;
    };
    expect(updated.description).toBe('changed');
    expect(updated.version).toBe(record.version + 1);
    const stale = await cli(['records', 'update', String(record.id), '--status', 'closed', '--if-match', `"${record.id}-${record.version}"`]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/\(412 precondition_failed/);

    const deleted = await cli(['records', 'delete', String(record.id)]);
    expect(deleted).toMatchObject({ code: 0, stdout: `Deleted record ${record.id}\n` });
    const gone = await cli(['records', 'get', String(record.id), '--json']);
    expect(gone.code).toBe(1);
    expect(JSON.parse(gone.stderr)).toMatchObject({ error: { status: 404, code: 'not_found' } });
  });

  it('when qa is run on two real PDFs, then a progress bar fed by the stream is drawn and a readable report follows', async () => {
    const { username, password } = await newAccount('qa');
    expect((await cli(['login', username, '--password', password])).code).toBe(0);
    const pair = join(FIXTURES, 'labelled', '03-data-quality-analyst');
    const run = await cli(['qa', join(pair, 'resume.pdf'), join(pair, 'jd.pdf')]);
    expect(run.code).toBe(0);

    // Not a terminal, so one bar line per change: from 0 % to 100 %, in order.
    const bars = run.stderr.split('\n').filter((line) => line.startsWith('['));
    expect(bars[0]).toMatch(/^\[\.{30}\]\s+0% job [0-9a-f-]{36} (queued|active)$/);
    expect(bars.at(-1)).toBe(`[${'#'.repeat(30)}] 100% completed`);
    const percents = bars.map((line) => Number(/\]\s+(\d+)%/.exec(line)![1]));
    expect(percents).toEqual([...percents].sort((a, b) => a - b));

    expect(run.stdout).toMatch(/^Job [0-9a-f-]{36} completed/);
    expect(run.stdout).toMatch(
      /\nMatch score: \d+(\.\d)? \/ 100\n {2}required skills +[\d.]+ \/ [\d.]+ +\d+ of \d+ matched\n {2}preferred skills .*\n {2}experience .* years on the resume/,
    );
    expect(run.stdout).toMatch(/\nMatched skills \(\d+\)\n {2}\+ \S.* \((required|preferred)\) — ".+" \[page \d+, line \d+/);
    expect(run.stdout).toMatch(/\nMissing skills \(\d+\)\n/);
    const questions = /\nQuestions \((\d+)\)\n {2}1\. \[[a-z]+, (easy|medium|hard)/.exec(run.stdout);
    expect(Number(questions?.[1])).toBeGreaterThanOrEqual(12);
    expect(run.stdout).toContain('     look for: ');

    // The report cites lines; every line of the documents comes only with --lines.
    expect(run.stdout).not.toContain('Resume lines (');
    const json = await cli(['qa', join(pair, 'resume.pdf'), join(pair, 'jd.pdf'), '--json', '--lines']);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe('');
    type Line = { text: string; page: number; lineNo: number };
    const job = JSON.parse(json.stdout) as {
      status: string;
      result: {
        match: { score: number };
        questions: unknown[];
        reading: { confidence: string };
        resume: { lines: Line[] };
        job: { lines: Line[] };
      };
    };
    expect(job.status).toBe('completed');
    expect(job.result.match.score).toEqual(expect.any(Number));
    expect(job.result.questions.length).toBeGreaterThanOrEqual(12);
    expect(job.result.resume.lines.length).toBeGreaterThan(10);
    expect(job.result.resume.lines[0]).toEqual(expect.objectContaining({ text: expect.any(String), page: 1, lineNo: 1 }));
    expect(job.result.job.lines.length).toBeGreaterThan(5);
    expect(job.result.reading.confidence).toBe('normal');
    expect(run.stdout).not.toContain('LOW CONFIDENCE');
  }, 120_000);

  it('when qa is run on a German resume, then the report warns of low confidence and names the language', async () => {
    const { username, password } = await newAccount('qade');
    expect((await cli(['login', username, '--password', password])).code).toBe(0);
    const run = await cli(['qa', join(FIXTURES, 'degraded', 'resume-de.pdf'), join(FIXTURES, 'labelled', '01-software-engineer', 'jd.pdf')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\nLOW CONFIDENCE: .*\n {2}! The resume appears to be in German; the analysis reads English only/);
    expect(run.stdout.indexOf('LOW CONFIDENCE')).toBeLessThan(run.stdout.indexOf('Match score'));
  }, 120_000);

  it('when qa is given a PDF the service refuses, then the report says why and it exits 1', async () => {
    const { username, password } = await newAccount('qabad');
    expect((await cli(['login', username, '--password', password])).code).toBe(0);
    const run = await cli(['qa', join(FIXTURES, 'bad', 'encrypted.pdf'), join(FIXTURES, 'labelled', '01-software-engineer', 'jd.pdf')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^Job [0-9a-f-]{36} failed: .+\(invalid_document\)\n {2}resume: /);
    expect(run.stderr).toContain('error: The analysis failed');
  }, 120_000);

  it('when the stored access token is about to expire, then the refresh token renews it before the call', async () => {
    const { username, password } = await newAccount('renew');
    expect((await cli(['login', username, '--password', password])).code).toBe(0);
    const stored = JSON.parse(await readFile(credentialsFile(), 'utf8')) as Record<
      string,
      { accessToken: string; refreshToken: string; expiresAt: number }
    >;
    const before = stored[stack.gatewayUrl]!;
    await writeFile(credentialsFile(), JSON.stringify({ ...stored, [stack.gatewayUrl]: { ...before, expiresAt: Date.now() } }), { mode: 0o600 });
    const me = await cli(['me', '--json']);
    expect(me.code).toBe(0);
    expect(JSON.parse(me.stdout)).toMatchObject({ username });
    const after = (
      JSON.parse(await readFile(credentialsFile(), 'utf8')) as Record<string, { accessToken: string; refreshToken: string; expiresAt: number }>
    )[stack.gatewayUrl]!;
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.expiresAt).toBeGreaterThan(Date.now() + 60_000);
    expect((await stat(credentialsFile())).mode & 0o777).toBe(0o600);
  });

  it('when XDG_CONFIG_HOME is not set, then the token goes under ~/.config, still 0600', async () => {
    const { username, password } = await newAccount('home');
    const home = await mkdtemp(join(tmpdir(), 'cli-home-'));
    try {
      const env = { XDG_CONFIG_HOME: '', HOME: home };
      expect((await cli(['login', username, '--password', password], { env })).code).toBe(0);
      expect((await stat(join(home, '.config', 'api-gateway-cli', 'credentials.json'))).mode & 0o777).toBe(0o600);
      expect((await cli(['me'], { env })).stdout.split('\n')[0]).toBe(username);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('when the user logs out, then the token is revoked and forgotten', async () => {
    const { username, password } = await newAccount('bye');
    expect((await cli(['login', username, '--password', password])).code).toBe(0);
    const stored = JSON.parse(await readFile(credentialsFile(), 'utf8')) as Record<string, { accessToken: string }>;
    const token = stored[stack.gatewayUrl]!.accessToken;
    expect((await cli(['logout'])).stdout).toBe(`Logged out of ${stack.gatewayUrl}\n`);
    expect((await fetch(`${stack.gatewayUrl}/auth/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect((await cli(['me'])).stderr).toContain('Not logged in');
  });
});
