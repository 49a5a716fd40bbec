import { allowedMethods, callerOf, methodNotAllowed, parseRequestPart, requireIdentity, type IdentityKeys } from '@app/common';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { PAGE_LIMITS, type RecordView } from '../domain/record';
import type { ListResult, RecordService } from '../domain/record-service';
import { conditionFromIfMatch, entityTagOf, matchesIfNoneMatch } from './entity-tags';
import { recordsOperations } from '../openapi';
import { createRecordBody, idempotencyKey, ifMatch, jsonBody, listRecordsQuery, recordId, updateRecordBody } from './request-parsing';

/** Where the router is mounted; links in answers point back here. */
export const RECORDS_PATH = '/records';

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function sendRecord(res: Response, status: number, record: RecordView): void {
  res.status(status).setHeader('ETag', entityTagOf(record)).json(record);
}

function nextLink(result: ListResult, query: { status?: string; option_type?: string }): string | null {
  if (result.nextCursor === null) return null;
  const params = new URLSearchParams();
  params.set('limit', String(result.limit));
  params.set('sort', result.sort);
  if (query.status !== undefined) params.set('status', query.status);
  if (query.option_type !== undefined) params.set('option_type', query.option_type);
  params.set('cursor', result.nextCursor);
  return `${RECORDS_PATH}/?${params.toString()}`;
}

/** `/records` and `/records/{id}`: every route needs the gateway's identity proof and sees only the caller's records. */
export function recordsRouter(records: RecordService, identitySecret: IdentityKeys): Router {
  const router = Router();
  const allow = allowedMethods(recordsOperations);
  router.use(requireIdentity(identitySecret));

  router
    .route('/')
    .get(async (req, res) => {
      const query = parseRequestPart(listRecordsQuery, req.query, 'query');
      const result = await records.list(callerOf(req).userId, {
        ...query,
        limit: query.limit ?? PAGE_LIMITS.defaultLimit,
      });
      res.json({
        items: result.items,
        page: result.page,
        limit: result.limit,
        total: result.total,
        totalIsLowerBound: result.totalIsLowerBound,
        next: nextLink(result, query),
      });
    })
    .post(jsonBody(), async (req, res) => {
      const rawKey = header(req, 'idempotency-key');
      const key = rawKey === undefined ? undefined : parseRequestPart(idempotencyKey, rawKey, 'header', { field: 'Idempotency-Key' });
      const input = parseRequestPart(createRecordBody, req.body, 'body');
      const { record, replayed } = await records.create(callerOf(req).userId, input, key);
      res.setHeader('Location', `${RECORDS_PATH}/${record.id}`);
      if (replayed) res.setHeader('Idempotent-Replayed', 'true');
      sendRecord(res, 201, record);
    })
    .all(methodNotAllowed(allow.get(`${RECORDS_PATH}/`)!));

  const update: RequestHandler = async (req, res) => {
    const id = parseRequestPart(recordId, req.params.id, 'path', { field: 'id' });
    const changes = parseRequestPart(updateRecordBody, req.body, 'body');
    const record = await records.update(
      callerOf(req).userId,
      id,
      changes,
      conditionFromIfMatch(parseRequestPart(ifMatch, header(req, 'if-match'), 'header', { field: 'If-Match' }), id),
    );
    sendRecord(res, 200, record);
  };

  router
    .route('/:id')
    .get(async (req, res) => {
      const id = parseRequestPart(recordId, req.params.id, 'path', { field: 'id' });
      const record = await records.get(callerOf(req).userId, id);
      const tag = entityTagOf(record);
      if (matchesIfNoneMatch(header(req, 'if-none-match'), tag)) {
        res.status(304).setHeader('ETag', tag).end();
        return;
      }
      sendRecord(res, 200, record);
    })
    .put(jsonBody(), update)
    .patch(jsonBody(), update)
    .delete(async (req, res) => {
      const id = parseRequestPart(recordId, req.params.id, 'path', { field: 'id' });
      await records.remove(
        callerOf(req).userId,
        id,
        conditionFromIfMatch(parseRequestPart(ifMatch, header(req, 'if-match'), 'header', { field: 'If-Match' }), id),
      );
      res.status(204).end();
    })
    .all(methodNotAllowed(allow.get(`${RECORDS_PATH}/{id}`)!));

  return router;
}
