import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '@app/infra';
import type { ManagedProcess } from '@app/launcher/stack';
import { registerAndLogin, startE2EStack, startExtraGateway, type Account, type E2EStack } from '@app/testkit/e2e-stack';
import { bearer, readAnswer } from '@app/testkit/http';
import { describeTrace, descendsFrom, startTestJaeger, type TraceSpan } from '@app/testkit/jaeger';
import { waitFor } from '@app/testkit/wait';

// Every process of a stack traced into a Jaeger of this file's own, read back through Jaeger's HTTP
// API. Spans leave each process in batches: a short export delay here, and every read polls until
// the spans expected from every process have arrived (or a generous bound passes).
let jaeger: Awaited<ReturnType<typeof startTestJaeger>>;
let stack: E2EStack;
let account: Account;
// A second gateway on the same services that keeps no new trace (sampling 0), as 99 % of requests are by default.
let unsampled: ManagedProcess;

beforeAll(async () => {
  jaeger = await startTestJaeger();
  const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpUrl, OTEL_BSP_SCHEDULE_DELAY: '100' };
  stack = await startE2EStack({ env: { ...tracing, OTEL_TRACES_SAMPLER_ARG: '1' } });
  unsampled = await startExtraGateway(
    stack,
    { CACHE_REDIS_TIMEOUT_MS: '1000', ...tracing, OTEL_TRACES_SAMPLER_ARG: '0' },
    `${stack.namespace}-gateway-unsampled.log`,
  );
  account = await registerAndLogin(stack.gatewayUrl, 'tracing');
}, 600_000);

afterAll(async () => {
  await unsampled?.stop();
  await stack?.stop();
  await jaeger?.stop();
}, 60_000);

/** The JSON log lines of a process written so far. */
const logLines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((text) => JSON.parse(text) as Record<string, unknown>);

/** The trace of a request, once it holds spans satisfying `complete` (polled: spans arrive in batches). */
async function traceOf(requestId: string, complete: (spans: TraceSpan[]) => boolean): Promise<TraceSpan[]> {
  const traceId = await jaeger.traceOf(requestId);
  let last: TraceSpan[] = [];
  return waitFor(
    `the spans of trace ${traceId}`,
    async () => {
      last = await jaeger.spansOf(traceId);
      return complete(last) && last;
    },
    { timeoutMs: 30_000, intervalMs: 250, detail: () => describeTrace(last) },
  );
}

const find = (spans: TraceSpan[], service: string, test: (span: TraceSpan) => boolean) => spans.find((s) => s.service === service && test(s));
const kind = (value: string) => (span: TraceSpan) => span.tags['span.kind'] === value;
const named = (pattern: RegExp) => (span: TraceSpan) => pattern.test(span.name);
// The instrumentations' attributes: the database (stable semantic conventions) and the event's routing key.
const database = (system: string) => (span: TraceSpan) => (span.tags['db.system.name'] ?? span.tags['db.system']) === system;
// An HTTP call to another process (a Redis command is a client span too).
const httpCall = (span: TraceSpan) =>
  span.tags['span.kind'] === 'client' && (span.tags['http.request.method'] ?? span.tags['http.method']) !== undefined;
const event = (routingKey: RegExp) => (span: TraceSpan) => routingKey.test(span.tags['messaging.rabbitmq.routing_key'] as string);

describe('tracing through Jaeger', () => {
  it('when a record is created, then one trace holds the gateway, the records service, its MongoDB write, its event and the gateway consuming it, in order', async () => {
    const created = await fetch(`${stack.gatewayUrl}/records/`, {
      method: 'POST',
      headers: { ...bearer(account.token), 'content-type': 'application/json' },
      body: JSON.stringify({ option_type: 'opportunity', description: 'traced', status: 'active' }),
    });
    expect(created.status).toBe(201);
    const requestId = created.headers.get('x-request-id')!;

    const spans = await traceOf(requestId, (all) =>
      Boolean(find(all, 'gateway', kind('consumer')) && find(all, 'records', kind('producer')) && find(all, 'records', database('mongodb'))),
    );
    const root = spans.find((s) => !s.parentId)!;
    expect(root).toMatchObject({ service: 'gateway', tags: expect.objectContaining({ 'span.kind': 'server', 'request.id': requestId }) });
    const forwarded = find(spans, 'gateway', httpCall)!;
    const served = find(spans, 'records', kind('server'))!;
    const write = find(spans, 'records', (s) => database('mongodb')(s) && /insert/.test(s.name))!;
    const published = find(spans, 'records', kind('producer'))!;
    const consumed = find(spans, 'gateway', kind('consumer'))!;
    const detail = describeTrace(spans);
    expect({ forwarded: Boolean(forwarded), served: Boolean(served), write: Boolean(write), detail }).toEqual({
      forwarded: true,
      served: true,
      write: true,
      detail,
    });
    // Parent before child: the gateway forwards, records serves and writes, its event reaches the gateway.
    expect(descendsFrom(spans, forwarded, root)).toBe(true);
    expect(descendsFrom(spans, served, forwarded)).toBe(true);
    expect(descendsFrom(spans, write, served)).toBe(true);
    expect(descendsFrom(spans, published, served)).toBe(true);
    expect(descendsFrom(spans, consumed, published)).toBe(true);
    expect(published.tags['messaging.rabbitmq.routing_key']).toBe('record.created');
    expect(served.start).toBeGreaterThanOrEqual(forwarded.start);
  }, 90_000);

  it('when an answer comes from the cache, then its trace is the gateway and Redis alone, and a client traceparent starts no trace of its choosing', async () => {
    const clientTrace = '0af7651916cd43dd8448eb211c80319c';
    const get = () =>
      fetch(`${stack.gatewayUrl}/cached-data`, { headers: { ...bearer(account.token), traceparent: `00-${clientTrace}-b7ad6b7169203331-01` } });
    expect((await get()).headers.get('x-cache')).toBe('MISS');
    const hit = await get();
    expect(hit.headers.get('x-cache')).toBe('HIT');
    const requestId = hit.headers.get('x-request-id')!;

    const traceId = await jaeger.traceOf(requestId);
    expect(traceId).not.toBe(clientTrace);
    const spans = await traceOf(requestId, (all) => Boolean(find(all, 'gateway', database('redis'))));
    const root = spans.find((s) => !s.parentId)!;
    expect(root).toMatchObject({ service: 'gateway', tags: expect.objectContaining({ 'span.kind': 'server' }) });
    const read = find(spans, 'gateway', database('redis'))!;
    expect(descendsFrom(spans, read, root)).toBe(true);
    // Served from the cache: nothing was forwarded.
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['gateway']));
    expect(find(spans, 'gateway', httpCall)).toBeUndefined();
  }, 60_000);

  it('when a QA upload is analysed, then one trace runs from the gateway through the API, the queue and the worker to its event, with each analysis step', async () => {
    const form = new FormData();
    for (const [field, file] of [
      ['resume', 'S_Sangeetha.pdf'],
      ['jd', 'Data_Quality_Analyst.pdf'],
    ] as const) {
      form.append(field, new Blob([readFileSync(join(ROOT, 'examples', file))], { type: 'application/pdf' }), file);
    }
    const answer = await readAnswer(
      await fetch(`${stack.gatewayUrl}/qa/generate`, { method: 'POST', headers: { ...bearer(account.token), prefer: 'wait=60' }, body: form }),
    );
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('completed');
    const requestId = answer.headers.get('x-request-id')!;

    const steps = ['analysis read resume', 'analysis read jd', 'analysis match', 'analysis questions'];
    const spans = await traceOf(requestId, (all) =>
      Boolean(
        steps.every((name) => find(all, 'qa-worker', (s) => s.name === name)) &&
        find(all, 'qa-worker', (s) => kind('producer')(s) && event(/^qa\.job\./)(s)) &&
        find(all, 'gateway', (s) => kind('consumer')(s) && event(/^qa\.job\./)(s)),
      ),
    );
    const root = spans.find((s) => !s.parentId)!;
    expect(root.service).toBe('gateway');
    const served = find(spans, 'qa', kind('server'))!;
    const queued = find(spans, 'qa', named(/^add /))!;
    const processed = find(spans, 'qa-worker', named(/^process /))!;
    const analysis = find(spans, 'qa-worker', (s) => s.name === 'analysis')!;
    const announced = find(spans, 'qa-worker', (s) => kind('producer')(s) && event(/^qa\.job\./)(s))!;
    const heard = find(spans, 'gateway', (s) => kind('consumer')(s) && event(/^qa\.job\./)(s))!;
    const detail = describeTrace(spans);
    expect({ served: Boolean(served), queued: Boolean(queued), processed: Boolean(processed), analysis: Boolean(analysis), detail }).toEqual({
      served: true,
      queued: true,
      processed: true,
      analysis: true,
      detail,
    });
    // Across the queue: the worker's processing continues the API's enqueueing, which continues the gateway's request.
    expect(descendsFrom(spans, served, root)).toBe(true);
    expect(descendsFrom(spans, queued, served)).toBe(true);
    expect(descendsFrom(spans, processed, queued)).toBe(true);
    expect(descendsFrom(spans, analysis, processed)).toBe(true);
    // The steps the analysis process timed, under the analysis span, one after the other.
    const timed = steps.map((name) => find(spans, 'qa-worker', (s) => s.name === name)!);
    for (const step of timed) expect(step.parentId).toBe(analysis.spanId);
    for (let i = 1; i < timed.length; i++) expect(timed[i]!.start).toBeGreaterThanOrEqual(timed[i - 1]!.start);
    // Across the broker: the finished job's event, and the gateway hearing it.
    expect(announced.tags['messaging.rabbitmq.routing_key']).toBe('qa.job.completed');
    expect(descendsFrom(spans, announced, processed)).toBe(true);
    expect(descendsFrom(spans, heard, announced)).toBe(true);
    // MongoDB below the API and the worker.
    expect(spans.some((s) => s.service === 'qa' && database('mongodb')(s) && descendsFrom(spans, s, served))).toBe(true);
    expect(spans.some((s) => s.service === 'qa-worker' && database('mongodb')(s) && descendsFrom(spans, s, processed))).toBe(true);
  }, 120_000);

  it("when a request fails, then its error body's requestId leads to its trace, and the gateway's log line of it carries the trace and span ids", async () => {
    const missing = await readAnswer(await fetch(`${stack.gatewayUrl}/records/999999999`, { headers: bearer(account.token) }));
    expect(missing.status).toBe(404);
    const requestId = missing.body.error.requestId as string;
    const traceId = await jaeger.traceOf(requestId);
    const spans = await traceOf(requestId, (all) => Boolean(find(all, 'records', kind('server'))));
    const root = spans.find((s) => !s.parentId)!;
    const line = await waitFor('the log line of the request', () =>
      logLines(stack.services.gateway.log).find((entry) => entry.requestId === requestId && entry.msg === 'request completed'),
    );
    expect(line).toMatchObject({ trace_id: traceId, span_id: root.spanId });
  }, 60_000);

  it('when a request is not sampled, then no process keeps its trace, and the log lines of the gateway and the records service still name the same trace', async () => {
    const post = (origin: string) =>
      fetch(`${origin}/records/`, {
        method: 'POST',
        headers: { ...bearer(account.token), 'content-type': 'application/json' },
        body: JSON.stringify({ option_type: 'opportunity', description: 'not sampled', status: 'active' }),
      });
    const created = await post(unsampled.url);
    expect(created.status).toBe(201);
    const requestId = created.headers.get('x-request-id')!;
    const gatewayLine = await waitFor("the unsampled gateway's log line of the request", () =>
      logLines(unsampled.log).find((entry) => entry.requestId === requestId && entry.msg === 'request completed'),
    );
    const traceId = gatewayLine.trace_id as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    // The records service samples every new trace, but this one came with its caller's "not sampled".
    const recordsLine = await waitFor("the records service's log line of the request", () =>
      logLines(stack.services.records.log).find((entry) => entry.trace_id === traceId && entry.msg === 'request completed'),
    );
    expect(recordsLine).toMatchObject({ req: expect.objectContaining({ method: 'POST' }), res: { statusCode: 201 } });

    // A kept request sent afterwards, and its event, reach Jaeger: the unkept one's spans would have too.
    const kept = await post(stack.gatewayUrl);
    await traceOf(kept.headers.get('x-request-id')!, (all) => Boolean(find(all, 'gateway', kind('consumer'))));
    expect(await jaeger.spansOf(traceId)).toEqual([]);
  }, 60_000);
});
