// Kept for the analysis package's tests, which import @app/tests/support/errors: the helpers live in @app/testkit.
export * from '@app/testkit/errors';
