import type { Logger } from '@app/common';
import { ConnectionStates, type Connection, type Model } from 'mongoose';
import type { RecordsModels } from './models';

/**
 * Builds the collections' indexes once the database answers, and again after a failure.
 * The unique indexes carry correctness (record ids, idempotency keys), so the service reports
 * itself not ready until they exist.
 */
export class IndexBuilder {
  private built = false;
  private building?: Promise<void>;

  constructor(
    private readonly connection: Connection,
    private readonly models: RecordsModels,
    private readonly logger: Logger,
  ) {
    connection.on('connected', () => void this.ensure());
    connection.on('reconnected', () => void this.ensure());
  }

  isBuilt(): boolean {
    return this.built;
  }

  ensure(): Promise<void> {
    if (this.built || this.connection.readyState !== ConnectionStates.connected) return Promise.resolve();
    this.building ??= Promise.all(Object.values(this.models).map((model: Pick<Model<unknown>, 'createIndexes'>) => model.createIndexes()))
      .then(() => {
        this.built = true;
        this.logger.info('mongodb indexes ready');
      })
      .catch((err: unknown) => this.logger.warn({ err: String(err) }, 'building mongodb indexes failed, will retry'))
      .finally(() => {
        this.building = undefined;
      });
    return this.building;
  }
}
