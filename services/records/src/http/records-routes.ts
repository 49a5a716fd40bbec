import { operationRouter, type IdentityKeys, type Operation } from '@app/common';
import type { Router } from 'express';
import type { RecordService } from '../domain/record-service';
import { cachedDataOperations } from './cached-data-operations';
import { recordOperations, type RecordsContext } from './record-operations';

/** Every operation of the records service: its routes and its OpenAPI document are both made from this list. */
export const recordsOperations: Operation<RecordsContext>[] = [...recordOperations, ...cachedDataOperations];

export interface RecordsRouteDeps {
  identitySecret: IdentityKeys;
  records: RecordService;
}

/** The records service's routes, one per operation; each needs the gateway's identity proof of a user. */
export function recordsRoutes(deps: RecordsRouteDeps): Router {
  return operationRouter(recordsOperations, { records: deps.records }, { identity: deps.identitySecret });
}
