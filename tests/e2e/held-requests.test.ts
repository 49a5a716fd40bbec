import { registerAndLogin, useE2EStack, type Account } from '@app/testkit/e2e-stack';
import { bearer, readAnswer } from '@app/testkit/http';
import { makePdf } from '@app/testkit/pdf';
import { sleep } from '@app/testkit/wait';

// The gateway's bound on held QA requests, set low enough for a test to reach and high enough to be
// "hundreds"; the QA service's own bound (tested beside the service) sits above it here.
const GATEWAY_HELD = 200;
const stack = useE2EStack(
  {
    env: {
      QA_MAX_HELD_UPSTREAM_REQUESTS: String(GATEWAY_HELD),
      QA_MAX_HELD_REQUESTS: '1000',
      QA_MAX_STREAMS_PER_USER: '100',
      QA_SSE_HEARTBEAT_MS: '5000',
    },
  },
  120_000,
);

interface Held {
  status: number;
  close: () => void;
}

/** Opens a job's event stream and keeps it open: its status, and how to close it. */
async function openStream(account: Account, jobId: string): Promise<Held> {
  const aborter = new AbortController();
  const response = await fetch(`${stack.gatewayUrl}/qa/jobs/${jobId}/events`, { headers: bearer(account.token), signal: aborter.signal });
  if (response.status !== 200) await response.text();
  return { status: response.status, close: () => aborter.abort() };
}

async function upload(account: Account, tag: string, headers: Record<string, string> = {}) {
  const form = new FormData();
  form.append('resume', new Blob([await makePdf([`Resume ${tag}`, 'Skills', 'Python, SQL'])], { type: 'application/pdf' }), 'resume.pdf');
  form.append('jd', new Blob([await makePdf([`Job ${tag}`, 'Requirements', 'Python'])], { type: 'application/pdf' }), 'jd.pdf');
  return fetch(`${stack.gatewayUrl}/qa/generate`, { method: 'POST', headers: { ...bearer(account.token), ...headers }, body: form });
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

describe('requests held open through the gateway', () => {
  const held: Held[] = [];
  afterAll(() => {
    for (const stream of held) stream.close();
  });

  test(`when ${GATEWAY_HELD + 50} event streams from many users are asked for, then those past ${GATEWAY_HELD} are 503 with Retry-After and other users are still answered`, async () => {
    // No worker: the jobs stay queued, so their streams stay open.
    await stack.services['qa-worker'].stop();
    const crowd = await Promise.all(Array.from({ length: 4 }, (_, i) => registerAndLogin(stack.gatewayUrl, `crowd${i}`)));
    const other = await registerAndLogin(stack.gatewayUrl, 'other');
    const jobs = await Promise.all(
      crowd.map(async (account, i) => {
        const response = await upload(account, `crowd-${i}`);
        expect(response.status).toBe(202);
        return ((await response.json()) as { id: string }).id;
      }),
    );

    // Fifty more than the bound, all at once: exactly the bound is let through.
    const opened = await Promise.all(
      Array.from({ length: GATEWAY_HELD + 50 }, (_, n) => openStream(crowd[n % crowd.length]!, jobs[n % crowd.length]!)),
    );
    held.push(...opened.filter((stream) => stream.status === 200));
    expect(opened.filter((stream) => stream.status === 200)).toHaveLength(GATEWAY_HELD);
    expect(opened.filter((stream) => stream.status === 503)).toHaveLength(50);

    // Past the bound: a stream, and an upload that asks to wait, are refused at the gateway.
    const extra = await fetch(`${stack.gatewayUrl}/qa/jobs/${jobs[0]}/events`, { headers: bearer(crowd[0]!.token) });
    const refused = await readAnswer(extra);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.body.error).toMatchObject({ code: 'at_capacity', requestId: expect.any(String) });
    const waiting = await readAnswer(await upload(crowd[1]!, 'wait', { prefer: 'wait=30' }));
    expect(waiting.status).toBe(503);
    expect(waiting.body.error.code).toBe('at_capacity');

    // Another user's requests, to the same service and to others, are answered while the streams stay open.
    let ownJob = '';
    const answers = await Promise.all([
      timed(async () => (await fetch(`${stack.gatewayUrl}/qa/jobs`, { headers: bearer(other.token) })).status),
      timed(async () => {
        const response = await upload(other, 'other');
        ownJob = ((await response.json()) as { id: string }).id;
        return response.status;
      }),
      timed(async () => (await fetch(`${stack.gatewayUrl}/records/`, { headers: bearer(other.token) })).status),
      timed(async () => (await fetch(`${stack.gatewayUrl}/auth/me`, { headers: bearer(other.token) })).status),
    ]);
    expect(answers.map((a) => a.value)).toEqual([200, 202, 200, 200]);
    // Far below the upstream timeout a request queued behind held sockets would wait for.
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(10_000);

    // While the bound is reached, the other user's own stream is refused too; a closed stream gives its place back.
    expect((await openStream(other, ownJob)).status).toBe(503);
    for (const stream of held.splice(0, 10)) stream.close();
    let again: Held | undefined;
    for (let attempt = 0; attempt < 50 && again?.status !== 200; attempt += 1) {
      if (attempt > 0) await sleep(100);
      again = await openStream(other, ownJob);
    }
    held.push(again!);
    expect(again?.status).toBe(200);
  }, 120_000);
});
