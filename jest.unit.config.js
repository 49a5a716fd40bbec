/**
 * `npm run test:unit`: the tests that need no server (no MongoDB, Redis, RabbitMQ, OCR tools or
 * processes of the stack), for a quick answer while working. `npm test` runs them too, with the rest.
 * The servers' URLs point at a closed port here, so a test that does need one fails at once instead
 * of passing on whatever happens to listen on this machine.
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  testMatch: [
    '<rootDir>/packages/common/test/{error-codes,identity,operations,redis-url,request-log,trusted-publishers}.test.ts',
    '<rootDir>/packages/client/test/generated-types.test.ts',
    '<rootDir>/gateway/test/trust-proxy.test.ts',
    '<rootDir>/packages/resume-analysis/test/!(regex-safety|pdf-structure).test.ts',
    // job-state.test.ts checks JobState against MongoDB, Redis and the outbox: it runs with the full suite.
    '<rootDir>/services/qa/test/jobs/!(job-state).test.ts',
    '<rootDir>/tests/contract/*.test.ts',
    '<rootDir>/tests/repository/{env-example,boundaries}.test.ts',
    '<rootDir>/tests/deploy/compose.test.ts',
  ],
  setupFiles: ['<rootDir>/packages/testkit/no-servers.js'],
};
