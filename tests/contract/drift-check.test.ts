import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkAnswersFrom, contractProblem, mergedDocument } from '@app/testkit/contract';

const json = (body: unknown, extra: Record<string, string> = {}) => ({
  headers: new Headers({ 'content-type': 'application/json; charset=utf-8', ...extra }),
  text: JSON.stringify(body),
});
const record = {
  id: 1,
  option_type: 'opportunity',
  description: 'test',
  status: 'active',
  owner: 'u1',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version: 1,
};
const error = { error: { code: 'not_found', message: 'Record 9 not found', requestId: 'r1' } };

describe('the drift check of the test helpers', () => {
  it('when an answer matches the merged document, then it passes', () => {
    expect(contractProblem({ method: 'GET', path: '/records/1', status: 200, ...json(record, { etag: '"1-1"' }) })).toBeUndefined();
    expect(contractProblem({ method: 'GET', path: '/records/9', status: 404, ...json(error) })).toBeUndefined();
    expect(
      contractProblem({
        method: 'GET',
        path: '/records',
        status: 200,
        ...json({ items: [record], page: 1, limit: 20, total: 1, totalIsLowerBound: false, next: null }),
      }),
    ).toBeUndefined();
  });

  it('when a status is not documented for the operation, then it is named', () => {
    expect(contractProblem({ method: 'GET', path: '/records/1', status: 500, ...json(error) })).toMatch(
      /GET \/records\/\{id\} answered 500, which the document does not list/,
    );
  });

  it('when a body has a field the document does not have, or lacks one, then it is named', () => {
    expect(contractProblem({ method: 'GET', path: '/records/1', status: 200, ...json({ ...record, secret: 1 }, { etag: '"1-1"' }) })).toMatch(
      /does not match/,
    );
    const { version: _v, ...withoutVersion } = record;
    expect(contractProblem({ method: 'GET', path: '/records/1', status: 200, ...json(withoutVersion, { etag: '"1-1"' }) })).toMatch(/version/);
  });

  it('when a required header is missing, or the content type is not documented, then it is named', () => {
    expect(contractProblem({ method: 'GET', path: '/records/1', status: 200, ...json(record) })).toMatch(/required ETag header/);
    expect(
      contractProblem({
        method: 'GET',
        path: '/records/1',
        status: 200,
        headers: new Headers({ 'content-type': 'text/html', etag: 'x' }),
        text: '<p>',
      }),
    ).toMatch(/text\/html/);
  });

  it('when a known path answers an undeclared method without Allow, or an unknown path with a non-JSON error, then it is named', () => {
    expect(contractProblem({ method: 'TRACE', path: '/records/1', status: 405, ...json(error) })).toMatch(/Allow/);
    expect(contractProblem({ method: 'TRACE', path: '/records/1', status: 405, ...json(error, { allow: 'GET' }) })).toBeUndefined();
    expect(contractProblem({ method: 'GET', path: '/nowhere', status: 404, headers: new Headers(), text: 'Not Found' })).toMatch(/not JSON/);
  });

  it('when the document is merged offline, then every service operation is there, public ones with security []', () => {
    const document = mergedDocument();
    const operations = Object.entries<Record<string, { operationId?: string; security?: unknown[] }>>(document.paths).flatMap(([, item]) =>
      Object.values(item).map((operation) => operation),
    );
    expect(operations.filter((operation) => operation.operationId).length).toBe(24);
    for (const path of ['/auth/login', '/auth/token', '/auth/revoke', '/auth/introspect']) expect(document.paths[path].post.security).toEqual([]);
    expect(document.paths['/.well-known/oauth-authorization-server'].get.security).toEqual([]);
    expect(document.paths['/records/'].get.security).toEqual([{ OAuth2PasswordBearer: [] }]);
  });

  it('when a helper fetches an answer that drifted from a registered origin, then the fetch throws; other origins pass', async () => {
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ items: 'not a list' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      expect((await fetch(`http://127.0.0.1:${port}/records/`)).status).toBe(200);
      checkAnswersFrom(`http://127.0.0.1:${port}`);
      await expect(fetch(`http://127.0.0.1:${port}/records/`)).rejects.toThrow(/drifted from the OpenAPI document.*does not match/s);
    } finally {
      server.close();
    }
  });
});
