import type { CommandSucceededEvent } from 'mongodb';
import mongoose, { type Connection } from 'mongoose';
import { MONGO_URL, uniqueId } from './servers';

export interface CountingConnection {
  /** A connection to the tests' server; `useDb` gives any database on it. */
  connection: Connection;
  resetReads(): void;
  /** Documents the server sent back to find and getMore since the last reset. */
  documentsRead(): number;
  close(): Promise<void>;
}

/**
 * A connection whose reads are counted from the server's replies: how a test shows that a query reads
 * what is due and not the whole collection (FerretDB pushes few filters down to an index).
 */
export async function countingConnection(): Promise<CountingConnection> {
  const connection = await mongoose.createConnection(MONGO_URL, { monitorCommands: true, serverSelectionTimeoutMS: 3000 }).asPromise();
  const replies: CommandSucceededEvent[] = [];
  connection.getClient().on('commandSucceeded', (event: CommandSucceededEvent) => replies.push(event));
  return {
    connection,
    resetReads: () => {
      replies.length = 0;
    },
    documentsRead: () => {
      let count = 0;
      for (const reply of replies) {
        const cursor = (reply.reply as { cursor?: { firstBatch?: unknown[]; nextBatch?: unknown[] } }).cursor;
        count += (cursor?.firstBatch ?? cursor?.nextBatch ?? []).length;
      }
      return count;
    },
    close: () => connection.close(),
  };
}

export interface TestDatabase extends Omit<CountingConnection, 'close'> {
  /** This test file's own database, set from beforeAll on. */
  readonly db: Connection;
}

/** A database of this test file's own on a counting connection, opened before its tests and dropped after them. */
export function useTestDatabase(): TestDatabase {
  let counting: CountingConnection | undefined;
  let db: Connection | undefined;
  const opened = () => {
    if (!counting || !db) throw new Error('the test database is opened in beforeAll');
    return { counting, db };
  };
  beforeAll(async () => {
    counting = await countingConnection();
    db = counting.connection.useDb(uniqueId());
  });
  afterAll(async () => {
    await db?.dropDatabase().catch(() => undefined);
    await counting?.close();
  });
  return {
    get db() {
      return opened().db;
    },
    get connection() {
      return opened().counting.connection;
    },
    resetReads: () => opened().counting.resetReads(),
    documentsRead: () => opened().counting.documentsRead(),
  };
}
