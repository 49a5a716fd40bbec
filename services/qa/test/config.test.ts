import { ConfigError } from '@app/common';
import { loadWorkerConfig } from '../src/config';

const required = { MONGO_URL: 'mongodb://127.0.0.1:27017', REDIS_URL: 'redis://127.0.0.1:6379', AMQP_URL: 'amqp://127.0.0.1:5672' };

function problemsOf(overrides: Record<string, string>): string {
  try {
    loadWorkerConfig({ ...required, ...overrides });
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('the worker configuration of document limits', () => {
  test('when nothing is set, then the safe defaults hold', () => {
    expect(loadWorkerConfig(required)).toMatchObject({
      QA_ANALYSIS_MEMORY_MB: 256,
      QA_ANALYSIS_PROCESS_MB: 384,
      QA_PDF_MAX_STREAM_MB: 32,
      QA_PDF_MAX_DECODED_MB: 128,
      QA_PDF_MAX_OBJECTS: 20_000,
      QA_PDF_MAX_NESTING: 64,
      QA_OCR_MAX_PAGE_MEGAPIXELS: 8,
      QA_OCR_MAX_IMAGE_MEGAPIXELS: 50,
      QA_OCR_PROGRAM_MB: 256,
      QA_OCR_PARALLEL_PAGES: 2,
    });
  });

  test.each([
    [{ QA_ANALYSIS_PROCESS_MB: '300', QA_ANALYSIS_MEMORY_MB: '256' }, /QA_ANALYSIS_PROCESS_MB must be at least QA_ANALYSIS_MEMORY_MB \+ 96/],
    [{ QA_PDF_MAX_STREAM_MB: '64', QA_PDF_MAX_DECODED_MB: '32' }, /QA_PDF_MAX_STREAM_MB must not exceed QA_PDF_MAX_DECODED_MB/],
    [{ QA_PDF_MAX_STREAM_MB: '256', QA_PDF_MAX_DECODED_MB: '512' }, /QA_PDF_MAX_STREAM_MB must be at most half of QA_ANALYSIS_PROCESS_MB/],
    [{ QA_OCR_PARALLEL_PAGES: '0' }, /QA_OCR_PARALLEL_PAGES/],
    [{ QA_PDF_MAX_NESTING: 'deep' }, /QA_PDF_MAX_NESTING/],
  ])('when the limits are %o, then the worker refuses to start, naming the variable', (overrides, message) => {
    expect(problemsOf(overrides)).toMatch(message);
  });
});

describe("the queue's key prefix", () => {
  const cluster = 'redis+cluster://127.0.0.1:7000,127.0.0.1:7001';

  test("when one server or Sentinel is named, then BullMQ's own prefix stays, where earlier versions' jobs are", () => {
    expect(loadWorkerConfig(required).QA_QUEUE_PREFIX).toBe('bull');
    expect(loadWorkerConfig({ ...required, REDIS_URL: 'redis+sentinel://127.0.0.1:26379/mymaster' }).QA_QUEUE_PREFIX).toBe('bull');
  });

  test('when a Cluster is named, then the prefix is the hash tag {bull} unless one with a tag is set', () => {
    expect(loadWorkerConfig({ ...required, REDIS_URL: cluster }).QA_QUEUE_PREFIX).toBe('{bull}');
    expect(loadWorkerConfig({ ...required, REDIS_URL: cluster, QA_QUEUE_PREFIX: '{qa}' }).QA_QUEUE_PREFIX).toBe('{qa}');
  });

  test('when a Cluster is named with a prefix without a hash tag, then the worker refuses to start', () => {
    expect(problemsOf({ REDIS_URL: cluster, QA_QUEUE_PREFIX: 'bull' })).toMatch(/QA_QUEUE_PREFIX must hold a hash tag/);
  });
});
