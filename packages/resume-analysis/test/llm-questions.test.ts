import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { analyse, analyseOffline, type InterviewQuestion } from '../src';

/**
 * The optional model service, against a local server that speaks the OpenAI chat completions
 * API: a good answer is used; garbage, errors and slowness fall back to the offline questions.
 */

const RESUME = [
  'EXPERIENCE',
  'Backend Engineer, Acme\t2019 – Present',
  '- Built REST APIs in Node.js and TypeScript backed by PostgreSQL.',
  'Contact: dev@example.com, +44 7700 900123',
].join('\n');
const JD = [
  'Backend Engineer',
  'Responsibilities',
  '- Build services in TypeScript on Node.js.',
  '- Run our Kubernetes clusters.',
  'Requirements',
  '- 3+ years with TypeScript, PostgreSQL and Kubernetes.',
].join('\n');
const NOW = '2025-06-01';

const MODEL_QUESTIONS: InterviewQuestion[] = Array.from({ length: 12 }, (_, index) => ({
  category: (['technical', 'gap', 'experience', 'behavioural', 'scenario'] as const)[index % 5] ?? 'technical',
  ...(index % 5 === 0 ? { skill: 'TypeScript' } : {}),
  difficulty: (['easy', 'medium', 'hard'] as const)[index % 3] ?? 'medium',
  question: `Model question number ${index + 1}: tell me about your work with services?`,
  why: `Resume line "Built REST APIs in Node.js" (${index})`,
  lookFor: 'Specific examples with measurable results.',
}));

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

let server: Server;
let baseUrl = '';
let handler: Handler = () => undefined;
const received: { url: string; headers: IncomingMessage['headers']; body: unknown }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      received.push({ url: request.url ?? '', headers: request.headers, body: body ? JSON.parse(body) : null });
      handler(request, body, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received.length = 0;
});

function chatAnswer(content: string) {
  return JSON.stringify({
    id: 'chatcmpl-test',
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  });
}

function respond(status: number, body: string): Handler {
  return (_request, _body, response) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(body);
  };
}

const llm = () => ({ baseUrl, model: 'test-model', apiKey: 'sk-test', timeoutMs: 1500 });

test('a good answer is used, and the request asks for JSON from the extracted structure', async () => {
  handler = respond(200, chatAnswer(JSON.stringify({ questions: MODEL_QUESTIONS })));
  const result = await analyse({ resumeText: RESUME, jdText: JD, now: NOW, llm: llm() });
  expect(result.generator).toBe('llm');
  expect(result.fallbackReason).toBeUndefined();
  expect(result.questions).toEqual(MODEL_QUESTIONS);

  expect(received).toHaveLength(1);
  const request = received[0];
  expect(request?.url).toBe('/v1/chat/completions');
  expect(request?.headers.authorization).toBe('Bearer sk-test');
  expect(request?.body).toMatchObject({ model: 'test-model', response_format: { type: 'json_object' } });
  const sent = JSON.stringify(request?.body);
  expect(sent).toContain('TypeScript');
  // The model sees the structure, never contact details.
  expect(sent).not.toContain('dev@example.com');
  expect(sent).not.toContain('7700');
});

test('null skills and a fenced JSON answer are accepted', async () => {
  const withNulls = MODEL_QUESTIONS.map((question) => ({ ...question, skill: question.skill ?? null }));
  handler = respond(200, chatAnswer('```json\n' + JSON.stringify({ questions: withNulls }) + '\n```'));
  const result = await analyse({ resumeText: RESUME, jdText: JD, now: NOW, llm: llm() });
  expect(result.generator).toBe('llm');
  expect(result.questions[1]).not.toHaveProperty('skill');
});

describe('falls back to the offline questions', () => {
  const offline = analyseOffline({ resumeText: RESUME, jdText: JD, now: NOW });

  test.each<[string, Handler, RegExp]>([
    ['garbage content', respond(200, chatAnswer('Sure! Here are some great questions: 1. Tell me about yourself')), /not JSON/],
    ['a body that is not JSON', respond(200, '<html>oops</html>'), /not JSON/],
    ['JSON of the wrong shape', respond(200, chatAnswer(JSON.stringify({ questions: [{ q: 'Why?' }] }))), /question schema/],
    ['too few questions', respond(200, chatAnswer(JSON.stringify({ questions: MODEL_QUESTIONS.slice(0, 5) }))), /question schema/],
    [
      'repeated questions',
      respond(200, chatAnswer(JSON.stringify({ questions: [...MODEL_QUESTIONS.slice(0, 11), MODEL_QUESTIONS[0]] }))),
      /repeated question/,
    ],
    ['an empty answer', respond(200, JSON.stringify({ choices: [] })), /no message content/],
    ['a server error', respond(500, JSON.stringify({ error: { message: 'boom' } })), /HTTP 500/],
  ])('%s', async (_name, answer, reason) => {
    handler = answer;
    const result = await analyse({ resumeText: RESUME, jdText: JD, now: NOW, llm: llm() });
    expect(result.generator).toBe('offline');
    expect(result.fallbackReason).toMatch(reason);
    expect(result.questions).toEqual(offline.questions);
  });

  test('a slow answer', async () => {
    let timer: NodeJS.Timeout | undefined;
    handler = (_request, _body, response) => {
      timer = setTimeout(() => respond(200, chatAnswer(JSON.stringify({ questions: MODEL_QUESTIONS })))(_request, _body, response), 2000);
    };
    const started = Date.now();
    const result = await analyse({ resumeText: RESUME, jdText: JD, now: NOW, llm: { ...llm(), timeoutMs: 200 } });
    clearTimeout(timer);
    expect(result.generator).toBe('offline');
    expect(result.fallbackReason).toMatch(/no answer within 200 ms/);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  test('an unreachable service', async () => {
    const result = await analyse({
      resumeText: RESUME,
      jdText: JD,
      now: NOW,
      llm: { baseUrl: 'http://127.0.0.1:9/v1', model: 'x', timeoutMs: 1000 },
    });
    expect(result.generator).toBe('offline');
    expect(result.fallbackReason).toMatch(/unreachable|no answer/);
  });
});

describe('the model sees both documents and passes the same gate', () => {
  test('when a model is asked, then it receives the redacted text of both documents beside the structure', async () => {
    handler = respond(200, chatAnswer(JSON.stringify({ questions: MODEL_QUESTIONS })));
    await analyse({ resumeText: RESUME, jdText: JD, now: NOW, llm: llm() });
    const body = received[0]?.body as { messages: { role: string; content: string }[] };
    const brief = JSON.parse(body.messages.find((message) => message.role === 'user')?.content ?? '{}') as {
      documents: { resume: string; jobDescription: string };
      job: { required: string[] };
    };
    expect(brief.documents.resume).toContain('Built REST APIs in Node.js and TypeScript backed by PostgreSQL.');
    expect(brief.documents.jobDescription).toContain('Run our Kubernetes clusters.');
    expect(brief.job.required).toEqual(expect.arrayContaining(['TypeScript']));
    expect(brief.documents.resume).not.toContain('dev@example.com');
    expect(brief.documents.resume).not.toContain('7700');
  });

  test('when the model answers with broken questions, then each is replaced by an offline one and the rest are used as polished', async () => {
    const broken: InterviewQuestion[] = [
      {
        ...MODEL_QUESTIONS[0]!,
        question: 'If the code behind "Python • Machine Learning • TensorFlow • SQL" had to serve ten times the traffic, what would break?',
      },
      { ...MODEL_QUESTIONS[1]!, question: 'As Birmingham at Warwickshire, you wrote services. What was the situation before?' },
      { ...MODEL_QUESTIONS[2]!, question: 'Tell me about the the hardest bug you fixed in your Node.js services at Acme?' },
      { ...MODEL_QUESTIONS[3]!, question: 'You applied for a Accountant role here; what draws you to it after building REST APIs?' },
    ];
    handler = respond(200, chatAnswer(JSON.stringify({ questions: [...broken, ...MODEL_QUESTIONS.slice(4)] })));
    const result = await analyse({ resumeText: RESUME, jdText: JD, now: NOW, llm: llm() });
    const offline = analyseOffline({ resumeText: RESUME, jdText: JD, now: NOW }).questions.map((question) => question.question);
    expect(result.generator).toBe('llm');
    const texts = result.questions.map((question) => question.question);
    expect(texts.some((text) => text.includes('Python •'))).toBe(false);
    expect(texts.some((text) => text.includes('Birmingham'))).toBe(false);
    // Slips with one right answer are corrected, not thrown away.
    expect(texts).toContain('Tell me about the hardest bug you fixed in your Node.js services at Acme?');
    expect(texts).toContain('You applied for an Accountant role here; what draws you to it after building REST APIs?');
    expect(texts.filter((text) => offline.includes(text))).toHaveLength(2);
    expect(result.questions).toHaveLength(MODEL_QUESTIONS.length);
    for (const question of result.questions) {
      expect(question.why.length).toBeGreaterThan(0);
      expect(question.lookFor.length).toBeGreaterThan(0);
    }
  });
});
