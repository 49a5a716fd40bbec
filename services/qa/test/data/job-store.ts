import { randomUUID } from 'node:crypto';
import { useTestDatabase, type TestDatabase } from '@app/testkit/databases';
import { QaJobRepository } from '../../src/data/qa-job-repository';

export interface JobStore extends TestDatabase {
  /** The repository on this file's database, its indexes built; set from beforeAll on. */
  readonly jobs: QaJobRepository;
}

/** The job repository on a database of this test file's own (see useTestDatabase). */
export function useJobStore(): JobStore {
  const database = useTestDatabase();
  let jobs: QaJobRepository | undefined;
  beforeAll(async () => {
    jobs = new QaJobRepository(database.db);
    await jobs.ensureIndexes();
  });
  return {
    get db() {
      return database.db;
    },
    get connection() {
      return database.connection;
    },
    get jobs() {
      if (!jobs) throw new Error('the job store is opened in beforeAll');
      return jobs;
    },
    resetReads: () => database.resetReads(),
    documentsRead: () => database.documentsRead(),
  };
}

/** A file entry as the upload records it. */
export const storedFile = (name: string) => ({ fileId: randomUUID(), name, size: 1, sha256: 'x' });

/** A queued job as an upload inserts it. */
export const newJob = (owner: string, createdAt: Date, contentHash: string = randomUUID(), dedupBucket = 0) => ({
  id: randomUUID(),
  owner,
  contentHash,
  dedupBucket,
  files: { resume: storedFile('r.pdf'), jd: storedFile('j.pdf') },
  createdAt,
});
