// Kept for the analysis package's fixture script, which imports this path: the helpers live in @app/testkit.
export * from '@app/testkit/pdf';
