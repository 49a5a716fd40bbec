import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { z } from 'zod';
import {
  closeServer,
  createLogger,
  createMetrics,
  createServiceApp,
  listen,
  operationRouter,
  parseRequestPart,
  portOf,
  type Operation,
} from '@app/common';
import { identityHeaders } from '@app/testkit/identity';

const SECRET = 'operations-test-secret-of-some-length';
const note = z.strictObject({ text: z.string() });
const optionalNote = z.strictObject({ text: z.string().optional() });

/** Each operation answers what it was given, so a test sees what the parser made of the body. */
const operations: Operation<{ seen: string[] }>[] = [
  {
    method: 'post',
    path: '/notes/{id}',
    operationId: 'addNote',
    summary: 'A required JSON body',
    tags: ['test'],
    body: { required: true, content: { 'application/json': note } },
    responses: { 200: { description: 'Echoed' } },
    handle(req, res, context) {
      context.seen.push(String(req.params.id));
      res.json({ body: parseRequestPart(note, req.body, 'body') });
    },
  },
  {
    method: 'put',
    path: '/notes/{id}',
    operationId: 'putNote',
    summary: 'An optional body, JSON or form',
    tags: ['test'],
    body: { required: false, content: { 'application/json': optionalNote, 'application/x-www-form-urlencoded': optionalNote } },
    responses: { 200: { description: 'Echoed' } },
    handle(req, res) {
      res.json({ body: req.body as unknown });
    },
  },
  {
    method: 'get',
    path: '/open',
    operationId: 'open',
    summary: 'Public, without the proof',
    tags: ['test'],
    public: true,
    withoutProof: true,
    responses: { 200: { description: 'Open' } },
    handle(_req, res) {
      res.json({ open: true });
    },
  },
];

describe('operations: one route per operation, one body parser', () => {
  const context = { seen: [] as string[] };
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const app = createServiceApp({
      service: 'operations-test',
      logger: createLogger('operations-test', 'silent', new Writable({ write: (_c, _e, done) => done() })),
      metrics: createMetrics('operations_test'),
      dependencies: [],
      routes: (a) => a.use(operationRouter(operations, context, { identity: [SECRET] })),
    });
    server = await listen(app, 0, '127.0.0.1');
    url = `http://127.0.0.1:${portOf(server)}`;
  });
  afterAll(async () => {
    await closeServer(server);
  });

  async function send(method: string, path: string, init: { body?: string; type?: string; proof?: boolean } = {}) {
    const headers: Record<string, string> = init.proof === false ? {} : identityHeaders(SECRET, method, path, { userId: 'u1', userName: 'ann' });
    if (init.type) headers['content-type'] = init.type;
    const response = await fetch(url + path, { method, headers, body: init.body });
    return { status: response.status, body: (await response.json()) as any, allow: response.headers.get('allow') };
  }

  it('when a JSON body comes with the proof, then the handler gets it parsed, with the path parameter and the context', async () => {
    const answer = await send('POST', '/notes/7', { body: JSON.stringify({ text: 'hi' }), type: 'application/json' });
    expect(answer).toMatchObject({ status: 200, body: { body: { text: 'hi' } } });
    expect(context.seen).toContain('7');
  });

  it('when a required body is missing or empty, then the schema answers: 400 validation_failed naming each missing field', async () => {
    for (const init of [{}, { body: '', type: 'application/json' }]) {
      const answer = await send('POST', '/notes/1', init);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'validation_failed', details: [{ field: 'text' }] });
    }
  });

  it('when an optional body is missing, then the handler gets {}; a form body is parsed where the operation declares it', async () => {
    expect((await send('PUT', '/notes/1')).body).toEqual({ body: {} });
    expect((await send('PUT', '/notes/1', { body: 'text=hi', type: 'application/x-www-form-urlencoded' })).body).toEqual({ body: { text: 'hi' } });
  });

  it.each(['[]', '"text"', '42', 'null'])('when the JSON body is %s (not an object), then 400 naming body', async (body) => {
    const answer = await send('PUT', '/notes/1', { body, type: 'application/json' });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'validation_failed', details: [{ field: 'body', message: 'must be an object' }] });
  });

  it('when the media type is not one the operation declares, then 415; malformed JSON 400; over 16 kB 413', async () => {
    const form = await send('POST', '/notes/1', { body: 'text=hi', type: 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(form.body.error.message).toMatch(/application\/json/);
    expect((await send('POST', '/notes/1', { body: 'text', type: undefined })).status).toBe(415);
    const broken = await send('POST', '/notes/1', { body: '{"text":', type: 'application/json' });
    expect(broken.body.error.code).toBe('bad_request');
    const large = await send('POST', '/notes/1', { body: JSON.stringify({ text: 'x'.repeat(17 * 1024) }), type: 'application/json' });
    expect(large.status).toBe(413);
  });

  it("when the gateway's proof is missing, then 401, except for an operation declared without it", async () => {
    const refused = await send('POST', '/notes/1', { body: '{"text":"hi"}', type: 'application/json', proof: false });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('identity_proof_invalid');
    expect(await send('GET', '/open', { proof: false })).toMatchObject({ status: 200, body: { open: true } });
  });

  it('when a path is asked with a method no operation has, then 405 with Allow listing the operations of the path', async () => {
    const answer = await send('DELETE', '/notes/1');
    expect(answer.status).toBe(405);
    expect(answer.allow).toBe('POST, PUT');
  });
});
