import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '@app/infra';
import { login, shell, startE2EStack, type E2EStack } from '@app/testkit/e2e-stack';

// The seed's last example, verbatim but for the placeholder and the port.
const SEED_QA = `curl -X POST "http://127.0.0.1:8000/qa/generate" \\
  -H "Authorization: Bearer <TOKAN>" \\
  -F "resume=@S_Sangeetha.pdf" \\
  -F "jd=@Data_Quality_Analyst.pdf"`;

// The files the seed names ship in examples/, where the README says to run the command.
const EXAMPLES = join(ROOT, 'examples');

/** The README's QA command, read from the README itself so the test follows what a reader sees. */
function readmeQaCommand(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const block = blocks.find((b) => b.includes('/qa/generate'));
  if (!block) throw new Error('README has no sh block with the /qa/generate curl');
  const lead = readme.slice(0, readme.indexOf(block));
  // The sentence before the block names the folder the reader runs it from.
  if (!/Run it from the `examples\/` folder:\s*```sh\n$/.test(lead)) throw new Error('README no longer says to run the QA curl from examples/');
  return block.trim();
}

let stack: E2EStack;
let token: string;
let port: number;

beforeAll(async () => {
  // A free port rather than the seed's 8000, which seed-curls.test.ts may hold at the same time;
  // the commands are rewritten to it and are otherwise as written.
  stack = await startE2EStack();
  port = Number(new URL(stack.gatewayUrl).port);
  token = await login(stack.gatewayUrl, 'anurag', 'password123');
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

async function runSeed(extraHeaders = '') {
  const command = SEED_QA.replace('<TOKAN>', token)
    .replace('127.0.0.1:8000', new URL(stack.gatewayUrl).host)
    .replace(/^curl /, `curl -s -D - ${extraHeaders} `);
  const { stdout } = await shell(command, {}, EXAMPLES);
  const [head, ...body] = stdout.split(/\r?\n\r?\n/);
  const status = Number(/^HTTP\/[\d.]+ (\d+)/.exec(head!)![1]);
  const headers = Object.fromEntries(
    head!
      .split(/\r?\n/)
      .slice(1)
      .map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  return { status, headers, json: JSON.parse(body.join('\n\n')) as Record<string, any> };
}

describe("the seed's /qa/generate curl through the gateway", () => {
  it('as written: 202 with a job that completes', async () => {
    const { status, headers, json } = await runSeed();
    expect(status).toBe(202);
    expect(headers.location).toBe(`/qa/jobs/${json.id}`);
    let job: Record<string, any> = json;
    for (let i = 0; i < 100 && job.status !== 'completed' && job.status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      job = (await (await fetch(`${stack.gatewayUrl}${headers.location}`, { headers: { authorization: `Bearer ${token}` } })).json()) as Record<
        string,
        any
      >;
    }
    expect(job.status).toBe('completed');

    // Its progress stream passes through the gateway as Server-Sent Events and ends with the outcome.
    const events = await fetch(`${stack.gatewayUrl}${headers.location}/events`, { headers: { authorization: `Bearer ${token}` } });
    expect(events.status).toBe(200);
    expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(await events.text()).toMatch(/event: completed\ndata: /);
  });

  it('with Prefer: wait=30: the questions in the same call, naming skills of both documents and the ones missing', async () => {
    // The same two files again are served from the earlier job (deduplication), so the call returns at once.
    const { status, headers, json } = await runSeed('-H "Prefer: wait=30"');
    expect(status).toBe(200);
    expect(headers['preference-applied']).toBe('wait=30');
    const result = json.result;
    const matched: string[] = result.match.matched.map((m: { skill: string }) => m.skill);
    expect(matched).toEqual(expect.arrayContaining(['SQL', 'Data quality', 'Snowflake']));
    for (const m of result.match.matched) expect(m.evidence.text ?? m.evidence.line).toBeTruthy();
    expect(result.match.score).toBeGreaterThan(50);
    expect(result.match.missing.map((m: { skill: string }) => m.skill)).toEqual(expect.arrayContaining(['Data governance']));
    expect(result.questions.length).toBeGreaterThanOrEqual(12);
    const technical = result.questions.filter((q: { category: string }) => q.category === 'technical');
    expect(technical.length).toBeGreaterThan(0);
    // Each question says what led to it, quoting the documents.
    for (const q of result.questions) expect(q.why).toMatch(/["“]/);
    const gap = result.questions.filter((q: { category: string }) => q.category === 'gap');
    expect(gap.length).toBeGreaterThan(0);
    for (const q of gap) expect(result.match.missing.map((m: { skill: string }) => m.skill)).toContain(q.skill);
  });

  it("the README's QA curl, exactly as written, from examples/: a match report and questions", async () => {
    const command = readmeQaCommand().replaceAll('127.0.0.1:8000', `127.0.0.1:${port}`);
    const { stdout } = await shell(command, { TOKEN: token }, EXAMPLES);
    const job = JSON.parse(stdout) as Record<string, any>;
    expect(job.status).toBe('completed');
    const matched: string[] = job.result.match.matched.map((m: { skill: string }) => m.skill);
    expect(matched).toEqual(expect.arrayContaining(['SQL', 'Data quality', 'Snowflake', 'dbt', 'Great Expectations', 'Python']));
    const missing: string[] = job.result.match.missing.map((m: { skill: string }) => m.skill);
    expect(missing).toEqual(expect.arrayContaining(['Collibra', 'Data lineage']));
    expect(job.result.questions.length).toBeGreaterThanOrEqual(12);
  });
});
