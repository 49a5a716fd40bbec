import { callerOf, parseRequestPart, type HeaderSpec, type Operation } from '@app/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { PAGE_LIMITS, type RecordView } from '../domain/record';
import type { ListResult, RecordService } from '../domain/record-service';
import { conditionFromIfMatch, entityTagOf, matchesIfNoneMatch } from './entity-tags';
import { recordAnswer, recordPageAnswer } from './record-answers';
import { createRecordBody, idempotencyKey, ifMatch, ifNoneMatch, listRecordsQuery, recordId, updateRecordBody } from './request-parsing';

/** What the records operations work with. */
export interface RecordsContext {
  records: RecordService;
}

/** Where the records live; links in answers point back here. */
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

const idOf = (req: Request) => parseRequestPart(recordId, req.params.id, 'path', { field: 'id' });
const versionCondition = (req: Request, id: number) =>
  conditionFromIfMatch(parseRequestPart(ifMatch, header(req, 'if-match'), 'header', { field: 'If-Match' }), id);

const eTag: Record<string, HeaderSpec> = {
  ETag: { description: "The record version's entity tag", schema: z.string().meta({ examples: ['"1-1"'] }), required: true },
};
const idPath = { id: { schema: recordId, description: "The record's number among the caller's records (the caller's first record is 1)" } };
const conditional = {
  'If-Match': {
    schema: ifMatch,
    description: 'Apply only if the record still has one of these entity tags (else 412); `*` matches any',
  },
};
const tags = ['records'];
const noSuchRecord = "No such record among the caller's";

/** `/records/` and `/records/{id}`: every operation sees only the caller's records. */
export const recordOperations: Operation<RecordsContext>[] = [
  {
    method: 'get',
    path: `${RECORDS_PATH}/`,
    operationId: 'listRecords',
    summary: "List the caller's records",
    description:
      'Newest first unless `sort` says otherwise. Page with `page` or follow `next`, a link carrying a `cursor` that is stable under concurrent inserts. Unknown query parameters are refused.',
    tags,
    query: listRecordsQuery,
    responses: { 200: { description: 'A page of records', body: recordPageAnswer } },
    async handle(req, res, { records }) {
      const query = parseRequestPart(listRecordsQuery, req.query, 'query');
      const result = await records.list(callerOf(req).userId, { ...query, limit: query.limit ?? PAGE_LIMITS.defaultLimit });
      res.json({
        items: result.items,
        page: result.page,
        limit: result.limit,
        total: result.total,
        totalIsLowerBound: result.totalIsLowerBound,
        next: nextLink(result, query),
      });
    },
  },
  {
    method: 'post',
    path: `${RECORDS_PATH}/`,
    operationId: 'createRecord',
    summary: 'Create a record',
    tags,
    headers: {
      'Idempotency-Key': {
        schema: idempotencyKey,
        required: false,
        description:
          "Retrying with the same key returns the first request's record instead of creating another (for 24 hours); the same key with a different body is a 422, while the first request is still running a 409.",
      },
    },
    body: { required: true, content: { 'application/json': createRecordBody } },
    responses: {
      201: {
        description: 'Created (or, with `Idempotent-Replayed: true`, the record an earlier request with the same Idempotency-Key created)',
        body: recordAnswer,
        headers: {
          Location: { description: 'The new record', schema: z.string().meta({ examples: ['/records/1'] }), required: true },
          ...eTag,
          'Idempotent-Replayed': { description: 'Present when the answer replays an earlier request', schema: z.literal('true') },
        },
      },
    },
    errors: {
      409: 'A request with the same Idempotency-Key is still in progress',
      415: 'Body is not JSON',
      422: 'Idempotency-Key reused with a different body',
    },
    async handle(req, res, { records }) {
      const rawKey = header(req, 'idempotency-key');
      const key = rawKey === undefined ? undefined : parseRequestPart(idempotencyKey, rawKey, 'header', { field: 'Idempotency-Key' });
      const input = parseRequestPart(createRecordBody, req.body, 'body');
      const { record, replayed } = await records.create(callerOf(req).userId, input, key);
      res.setHeader('Location', `${RECORDS_PATH}/${record.id}`);
      if (replayed) res.setHeader('Idempotent-Replayed', 'true');
      sendRecord(res, 201, record);
    },
  },
  {
    method: 'get',
    path: `${RECORDS_PATH}/{id}`,
    operationId: 'getRecord',
    summary: 'Read a record',
    tags,
    path_params: idPath,
    headers: { 'If-None-Match': { schema: ifNoneMatch, description: 'Answer 304 if the record still has one of these entity tags' } },
    responses: {
      200: { description: 'The record', body: recordAnswer, headers: eTag },
      304: { description: 'Not modified (If-None-Match matched)', headers: eTag },
    },
    errors: { 404: noSuchRecord },
    async handle(req, res, { records }) {
      const record = await records.get(callerOf(req).userId, idOf(req));
      const tag = entityTagOf(record);
      if (matchesIfNoneMatch(header(req, 'if-none-match'), tag)) {
        res.status(304).setHeader('ETag', tag).end();
        return;
      }
      sendRecord(res, 200, record);
    },
  },
  ...(['put', 'patch'] as const).map((method): Operation<RecordsContext> => ({
    method,
    path: `${RECORDS_PATH}/{id}`,
    operationId: method === 'put' ? 'updateRecord' : 'patchRecord',
    summary: 'Change some fields of a record',
    description: 'A partial update: fields left out keep their values.',
    tags,
    path_params: idPath,
    headers: conditional,
    body: {
      required: true,
      content:
        method === 'put'
          ? { 'application/json': updateRecordBody }
          : { 'application/json': updateRecordBody, 'application/merge-patch+json': updateRecordBody },
    },
    responses: { 200: { description: 'The updated record', body: recordAnswer, headers: eTag } },
    errors: {
      404: noSuchRecord,
      412: 'If-Match did not match: the record changed meanwhile',
      415: 'Body is not JSON',
    },
    async handle(req, res, { records }) {
      const id = idOf(req);
      const changes = parseRequestPart(updateRecordBody, req.body, 'body');
      sendRecord(res, 200, await records.update(callerOf(req).userId, id, changes, versionCondition(req, id)));
    },
  })),
  {
    method: 'delete',
    path: `${RECORDS_PATH}/{id}`,
    operationId: 'deleteRecord',
    summary: 'Delete a record',
    tags,
    path_params: idPath,
    headers: conditional,
    responses: { 204: { description: 'Deleted' } },
    errors: { 404: noSuchRecord, 412: 'If-Match did not match: the record changed meanwhile' },
    async handle(req, res, { records }) {
      const id = idOf(req);
      await records.remove(callerOf(req).userId, id, versionCondition(req, id));
      res.status(204).end();
    },
  },
];
