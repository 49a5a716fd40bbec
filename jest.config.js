/** One jest run for every package: TypeScript through swc, packages' sources mapped directly. */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2023', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' }, sourceMaps: 'inline' }],
  },
  testMatch: ['<rootDir>/{packages,gateway,services}/**/test/**/*.test.ts', '<rootDir>/tests/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  moduleNameMapper: {
    '^@app/common$': '<rootDir>/packages/common/src',
    '^@app/common/mongo$': '<rootDir>/packages/common/src/mongo',
    '^@app/common/service$': '<rootDir>/packages/common/src/start-service',
    '^@app/common/event-catalogue$': '<rootDir>/packages/common/src/domain-events',
    '^@app/common/tracing$': '<rootDir>/packages/common/src/tracing',
    '^@app/resume-analysis$': '<rootDir>/packages/resume-analysis/src',
    // The analysis package's hostile and labelled PDFs, which the qa service's tests use too (tests only).
    '^@app/resume-analysis/test/(.*)$': '<rootDir>/packages/resume-analysis/test/$1',
    '^@app/client$': '<rootDir>/packages/client/src',
    // The modules the services and the gateway export for the tooling (their OpenAPI builders).
    '^@app/(auth|records|qa)/(.*)$': '<rootDir>/services/$1/src/$2',
    '^@app/gateway/(.*)$': '<rootDir>/gateway/src/$1',
    // The tooling (tools/*), from its sources like the packages: @app/infra, @app/infra/<module>.
    '^@app/(infra|launcher|api|bench)$': '<rootDir>/tools/$1/src',
    '^@app/(infra|launcher|api|bench)/(.*)$': '<rootDir>/tools/$1/src/$2',
    // The shared test support: every package's tests import their helpers as @app/testkit/<module>.
    '^@app/testkit/(.*)$': '<rootDir>/packages/testkit/src/$1',
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30_000,
  maxWorkers: 2,
};
