import type { Connection } from 'mongoose';
import { createModels, type RecordsModels } from './models';

export interface RecordsDatabase {
  /** The client connection: close this one to let go of the server. */
  client: Connection;
  connection: Connection;
  models: RecordsModels;
}

/**
 * The service's database: `useDb` rather than a database in the URL, so credentials in MONGO_URL keep
 * their auth database; `sanitizeFilter` so that a value that slipped past validation can only ever be
 * compared for equality, never run as an operator (our own operators are marked trusted).
 */
export function openRecordsDatabase(client: Connection, dbName: string): RecordsDatabase {
  const connection = client.useDb(dbName, { useCache: true });
  connection.set('sanitizeFilter', true);
  return { client, connection, models: createModels(connection) };
}
