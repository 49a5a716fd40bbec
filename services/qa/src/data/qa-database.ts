import { withTimeout } from '@app/common';
import type { ServiceSetup, ServiceSettings } from '@app/common/service';
import { FileStore } from './file-store';
import { QaJobRepository } from './qa-job-repository';

const INDEX_WAIT_MS = 3000;

/**
 * The jobs and the uploaded files, in the service's MongoDB, as the API and the worker both open
 * them; their indexes are built in the background (again once MongoDB connects, if it is away).
 */
export function openQaDatabase(setup: Pick<ServiceSetup<ServiceSettings>, 'mongo' | 'prepare'>) {
  const connection = setup.mongo();
  const jobs = new QaJobRepository(connection);
  const files = new FileStore(connection);
  const indexes = setup.prepare('mongodb indexes', async () => {
    await jobs.ensureIndexes();
    await files.ensureIndexes();
  });
  return {
    connection,
    jobs,
    files,
    /**
     * Gives MongoDB a moment, so the first requests and jobs (and the unique dedup index) find it
     * ready; past that the process starts anyway, answers 503 until it connects, and builds the indexes then.
     */
    indexesOrTimeout: () => withTimeout(indexes, INDEX_WAIT_MS, 'mongodb indexes').catch(() => undefined),
  };
}
