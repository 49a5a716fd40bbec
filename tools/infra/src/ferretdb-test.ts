import { testPatchedFerretDb } from './ferretdb';

// `npm run ferretdb:test [packages…]`: FerretDB's Go tests on the module patched as the build patches it.
// Not part of `npm test`: compiling the tests (modernc SQLite) takes minutes of CPU on a cold Go cache.
try {
  const packages = process.argv.slice(2);
  testPatchedFerretDb(packages.length > 0 ? packages : undefined);
} catch (err: unknown) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
