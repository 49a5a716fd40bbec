/**
 * The import boundaries of the repository, checked by `npm run lint:deps` (and so by `npm test`):
 * a service's domain knows no adapter and no driver, its routes know only its domain (no store, queue
 * or broker), no service reaches into another service or the gateway, no package loads a script, what
 * runs in production loads no tooling (tools/*, the testkit), nothing reaches into another package by
 * a relative path (packages, tools and the tests are imported by name: @app/...), and the gateway's
 * modules form no cycle, with http/ as its entry layer and routes/ as the layer everything else builds on.
 */
// Every workspace package: the parts, the libraries, the tooling and the end-to-end tests.
const UNIT = '(gateway|services/[^/]+|packages/[^/]+|tools/[^/]+|tests)';
// What runs in production: the gateway, the services and the libraries they load.
const PRODUCTION = '(gateway|services/[^/]+|packages/(?!testkit/)[^/]+)';
const DRIVERS = '(mongoose|mongodb|ioredis|amqplib|bullmq|express|http-proxy-middleware|busboy)';

module.exports = {
  forbidden: [
    {
      name: 'domain-imports-no-adapter',
      comment: "A service's domain declares ports (domain/ports.ts) that the adapters implement; it imports none of them.",
      severity: 'error',
      from: { path: '^(services/[^/]+)/src/domain/' },
      to: { path: '^$1/src/(http|data|events|jobs|main|worker|config)' },
    },
    {
      name: 'domain-imports-no-driver',
      comment: 'Domain logic knows neither HTTP nor storage: no database, queue, broker or web framework.',
      severity: 'error',
      from: { path: '^services/[^/]+/src/domain/' },
      to: { path: `node_modules/${DRIVERS}/` },
    },
    {
      name: 'http-imports-only-the-domain',
      comment:
        "A service's routes call its domain (services and the ports they declare), as records' do; stores, queues and the broker stay behind those ports.",
      severity: 'error',
      from: { path: '^(services/[^/]+)/src/http/' },
      to: { path: '^$1/src/(data|jobs|events)/' },
    },
    {
      name: 'http-imports-no-storage',
      comment:
        "A service's routes see only the domain's errors: the adapters map the database's (mapMongoError), so http/ imports neither it nor a database driver.",
      severity: 'error',
      from: { path: '^services/[^/]+/src/http/' },
      to: { path: '(^packages/common/src/mongo[.]ts$|node_modules/(mongoose|mongodb)/)' },
    },
    {
      name: 'no-service-imports-another',
      comment: 'Services and the gateway talk over HTTP and events only; shared code lives in packages/.',
      severity: 'error',
      from: { path: '^(gateway|services/[^/]+)/' },
      to: { path: '^(gateway|services/[^/]+)/', pathNot: '^$1/' },
    },
    {
      name: 'no-package-imports-scripts',
      comment: "A script (a package's scripts/ folder) is run, never imported: what it offers to others belongs in a package's src/.",
      severity: 'error',
      from: { path: `^${UNIT}/src/` },
      to: { path: '(^|/)scripts/' },
    },
    {
      name: 'no-production-code-imports-tooling',
      comment: 'What runs in production never loads the tooling (launcher, native servers, benches, API tools) or the testkit.',
      severity: 'error',
      from: { path: `^${PRODUCTION}/src/` },
      to: { path: '^(tools/|packages/testkit/)' },
    },
    {
      name: 'no-relative-import-out-of-a-package',
      comment: 'Another package is imported by its name (@app/...), never by a relative path into its files: not from sources, tests or scripts.',
      severity: 'error',
      from: { path: `^${UNIT}/` },
      to: { dependencyTypes: ['local'], dependencyTypesNot: ['aliased'], pathNot: '^$1/' },
    },
    {
      name: 'gateway-no-cycle',
      comment: "The gateway's modules import each other in one direction only (type imports count too).",
      severity: 'error',
      from: { path: '^gateway/src/' },
      to: { circular: true },
    },
    {
      name: 'gateway-http-is-the-entry',
      comment: "The gateway's http/ wires the request pipeline out of the other folders; only main.ts imports it.",
      severity: 'error',
      from: { path: '^gateway/src/', pathNot: '^gateway/src/(http/|main\\.ts$)' },
      to: { path: '^gateway/src/http/' },
    },
    {
      name: 'gateway-routes-import-nothing-of-the-gateway',
      comment: 'The route table and the canonical request target are what routing, caching and forwarding read: they depend on none of them.',
      severity: 'error',
      from: { path: '^gateway/src/routes/' },
      to: { path: '^gateway/src/', pathNot: '^gateway/src/routes/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // node_modules stays in (not followed): the driver rule must see imports of it.
    exclude: { path: '(^|/)(dist|\\.data)/' },
    tsConfig: { fileName: 'tsconfig.eslint.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
