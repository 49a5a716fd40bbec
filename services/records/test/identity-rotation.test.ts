import { randomUUID } from 'node:crypto';
import { loadRecordsConfig } from '../src/config';
import { identityHeaders, newUser, SECRET, startRecords, type RecordsUnderTest } from './support/records-harness';

// IDENTITY_SECRET is rotated without downtime by letting the services accept two keys for a while.
describe('when IDENTITY_SECRET is being rotated (IDENTITY_SECRET_PREVIOUS set)', () => {
  const next = `records-next-secret-${randomUUID()}`;
  let records: RecordsUnderTest;
  beforeAll(async () => {
    records = await startRecords({ IDENTITY_SECRET: next, IDENTITY_SECRET_PREVIOUS: SECRET });
  });
  afterAll(async () => {
    await records.stop();
  });

  it('then a proof signed with either key is accepted, and one signed with any other key is refused with 401', async () => {
    const user = newUser();
    const signedWith = (secret: string) => records.call(user, 'GET', '/records/', { identity: identityHeaders(user, 'GET', '/records/', secret) });
    expect((await signedWith(SECRET)).status).toBe(200);
    expect((await signedWith(next)).status).toBe(200);
    const other = await signedWith(`some-other-secret-${randomUUID()}`);
    expect(other.status).toBe(401);
    expect(other.body.error.code).toBe('identity_proof_invalid');
  });
});

describe('IDENTITY_SECRET_PREVIOUS in the configuration', () => {
  const env = { IDENTITY_SECRET: 'x'.repeat(32), MONGO_URL: 'mongodb://127.0.0.1:27017/', AMQP_URL: 'amqp://127.0.0.1:5672' };

  it('when it is shorter than 32 characters, then the service refuses to start and names it', () => {
    expect(() => loadRecordsConfig({ ...env, IDENTITY_SECRET_PREVIOUS: 'short' })).toThrow(
      /IDENTITY_SECRET_PREVIOUS is invalid: must be at least 32 characters/,
    );
  });

  it('when it is empty or unset, then only IDENTITY_SECRET is accepted', () => {
    expect(loadRecordsConfig({ ...env, IDENTITY_SECRET_PREVIOUS: '' }).IDENTITY_SECRET_PREVIOUS).toBeUndefined();
    expect(loadRecordsConfig(env).IDENTITY_SECRET_PREVIOUS).toBeUndefined();
  });
});
