import { createMetrics, expressPath, type JsonObject } from '@app/common';
import type { Router } from 'express';
import { z } from 'zod';
import { authOperations, authRoutes, type AuthRouteDeps } from '@app/auth/http/auth-routes';
import { authOpenApi } from '@app/auth/openapi';
import { qaOperations } from '@app/qa/http/qa-operations';
import { qaRoutes, type QaRouteDeps } from '@app/qa/http/qa-routes';
import { qaOpenApi } from '@app/qa/openapi';
import { recordsOperations, recordsRoutes, type RecordsRouteDeps } from '@app/records/http/records-routes';
import { recordsOpenApi } from '@app/records/openapi';

// Building the routes only stores the dependencies: none is called until a request comes.
const unused = <T>() => ({ identitySecret: ['unused'] }) as unknown as T;

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** What express will answer: each route's methods, and the paths where every other method is a 405. */
function registered(router: Router): { routes: string[]; methodNotAllowed: string[] } {
  const routes: string[] = [];
  const methodNotAllowed: string[] = [];
  for (const layer of (router as unknown as { stack: Layer[] }).stack) {
    if (!layer.route) throw new Error('a middleware outside the routes: every route is one operation');
    for (const method of Object.keys(layer.route.methods)) {
      if (method === '_all') methodNotAllowed.push(layer.route.path);
      else routes.push(`${method.toUpperCase()} ${layer.route.path}`);
    }
  }
  return { routes: routes.sort(), methodNotAllowed: methodNotAllowed.sort() };
}

/** What the document says exists, in express's form of the paths. */
function documented(document: JsonObject): { routes: string[]; paths: string[] } {
  const paths = document.paths as Record<string, Record<string, unknown>>;
  return {
    routes: Object.entries(paths)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${expressPath(path)}`))
      .sort(),
    paths: Object.keys(paths).map(expressPath).sort(),
  };
}

const services: [string, () => Router, () => JsonObject][] = [
  ['auth', () => authRoutes(unused<AuthRouteDeps>()), authOpenApi],
  ['records', () => recordsRoutes(unused<RecordsRouteDeps>()), recordsOpenApi],
  ['qa', () => qaRoutes({ ...unused<QaRouteDeps>(), metrics: createMetrics('qa_routes_test'), maxHeldRequests: 1 }), qaOpenApi],
];

describe("each service's routes and its OpenAPI document come from the same operations", () => {
  it.each(services)(
    'when %s is built, then every route it registers is documented and every documented operation is routed',
    (_name, routes, document) => {
      const express = registered(routes());
      const openApi = documented(document());
      expect(express.routes).toEqual(openApi.routes);
      expect(express.methodNotAllowed).toEqual(openApi.paths);
    },
  );

  it('when a route is added beside the operations, then the comparison names it', () => {
    const router = recordsRoutes(unused<RecordsRouteDeps>());
    router.get('/records/export', () => undefined);
    const express = registered(router);
    const openApi = documented(recordsOpenApi());
    expect(express.routes).not.toEqual(openApi.routes);
    expect(express.routes.filter((route) => !openApi.routes.includes(route))).toEqual(['GET /records/export']);
  });

  it('when an operation requires a body, then its schema refuses {} (what the body parser makes of a missing body)', () => {
    const required = [...authOperations, ...recordsOperations, ...qaOperations].filter((operation) => operation.body?.required);
    const schemas = required.flatMap((operation) =>
      Object.entries(operation.body!.content)
        .filter((entry): entry is [string, z.ZodType] => entry[1] instanceof z.ZodType)
        .map(([type, schema]) => [`${operation.operationId} ${type}`, schema.safeParse({}).success] as const),
    );
    expect(schemas.length).toBeGreaterThan(10);
    expect(schemas.filter(([, accepted]) => accepted)).toEqual([]);
  });
});
