import { createLogger } from '@app/common';
import { connectMongo } from '@app/common/mongo';
import { ConnectionStates } from 'mongoose';
import { RecordRepository } from '../src/data/record-repository';
import { openRecordsDatabase, type RecordsDatabase } from '../src/data/records-database';
import { MONGO_URL } from '@app/testkit/servers';
import { waitFor } from '@app/testkit/wait';
import { newUser, startRecords, type RecordsUnderTest } from './support/records-harness';

// Validation refuses operators at the HTTP edge; these tests check the second line behind it:
// the data layer's connection compares smuggled operator objects for equality instead of running them.
let records: RecordsUnderTest;
let database: RecordsDatabase;
let repository: RecordRepository;

beforeAll(async () => {
  records = await startRecords();
  database = openRecordsDatabase(connectMongo(MONGO_URL, createLogger('records-test', 'silent')), records.db);
  await waitFor('the test connection', async () => (database.connection.readyState === ConnectionStates.connected ? true : undefined));
  repository = new RecordRepository(database.models);
});

afterAll(async () => {
  await database?.client.close();
  await records?.stop();
});

const operator = (value: object) => value as unknown as string;

describe('operator injection past validation', () => {
  it('when a filter value carries an operator, then it is refused (400) or matches nothing, never runs', async () => {
    const victim = newUser();
    const { body: record } = await records.create(victim);
    expect(await repository.findOne(victim.id, record.id)).toMatchObject({ id: record.id });

    const refused = expect.objectContaining({ status: 400, details: [expect.objectContaining({ field: 'owner' })] });
    await expect(repository.count({ owner: operator({ $ne: '' }) })).rejects.toEqual(refused);
    await expect(repository.list({ owner: operator({ $ne: '' }) }, '-createdAt', { skip: 0, limit: 10 })).rejects.toEqual(refused);
    await expect(repository.update(operator({ $ne: '' }), record.id, { kind: 'any' }, { description: 'pwned' }, new Date())).rejects.toEqual(refused);
    await expect(repository.remove(operator({ $ne: '' }), record.id, { kind: 'any' })).rejects.toEqual(refused);
    await expect(repository.removeAllOf(operator({ $ne: '' }))).rejects.toEqual(refused);
    await expect(repository.list({ owner: victim.id, status: operator({ $gt: '' }) }, '-createdAt', { skip: 0, limit: 10 })).rejects.toEqual(
      expect.objectContaining({ status: 400 }),
    );
    expect(await repository.findOne(operator({ $gt: '' }), record.id)).toBeNull();

    const intact = await records.call(victim, 'GET', `/records/${record.id}`);
    expect(intact.body).toEqual(record);
  });
});
