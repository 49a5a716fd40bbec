import { randomBytes, randomUUID } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { FileNotFoundError, FileStore } from '../../src/data/file-store';
import { MONGO_URL } from '@app/testkit/servers';

// Files are found by `_id` alone (FerretDB v1 scans a collection for any other filter).
let client: Connection;
let db: Connection;

beforeAll(async () => {
  client = await mongoose.createConnection(MONGO_URL).asPromise();
  db = client.useDb(`test-${randomUUID()}`);
  await db.asPromise();
});

afterAll(async () => {
  await db?.dropDatabase().catch(() => undefined);
  await client?.close();
});

async function store(files: FileStore, owner: string, content: Buffer, writes = 1): Promise<string> {
  const upload = files.openUpload('x.pdf', { owner, jobId: randomUUID(), part: 'resume' });
  const step = Math.ceil(content.length / writes);
  await new Promise<void>((resolve, reject) => {
    upload.stream.once('finish', resolve).once('error', reject);
    for (let at = 0; at < content.length; at += step) upload.stream.write(content.subarray(at, at + step));
    upload.stream.end();
  });
  return upload.id;
}

test('when a file fits in one chunk, then it is one document, read back whole and deleted', async () => {
  const files = new FileStore(db);
  const owner = `user-${randomUUID()}`;
  const content = randomBytes(5000);
  const id = await store(files, owner, content, 3);
  expect(await db.collection('qa_files').countDocuments({ _id: id as never })).toBe(1);
  expect((await files.read(id)).equals(content)).toBe(true);
  expect(await files.countByOwner(owner)).toBe(1);
  await files.delete(id);
  await expect(files.read(id)).rejects.toBeInstanceOf(FileNotFoundError);
  expect(await files.countByOwner(owner)).toBe(0);
});

test('when uploads are deferred, then their documents are written by one commit; one deleted before it leaves nothing', async () => {
  const files = new FileStore(db, 1000);
  const owner = `user-${randomUUID()}`;
  const finish = async (content: Buffer) => {
    const upload = files.openUpload('x.pdf', { owner, jobId: randomUUID(), part: 'resume' }, { deferred: true });
    await new Promise<void>((resolve, reject) => upload.stream.once('finish', resolve).once('error', reject).end(content));
    return upload;
  };
  const [small, large] = [randomBytes(500), randomBytes(2500)];
  const uploads = [await finish(small), await finish(large)];
  // Finished, not committed: no file document yet (the large one's chunks are written as they come).
  expect(await db.collection('qa_files').countDocuments({ owner })).toBe(0);
  await files.commit(uploads);
  expect(await db.collection('qa_files').countDocuments({ owner })).toBe(2);
  expect((await files.read(uploads[0]!.id)).equals(small)).toBe(true);
  expect((await files.read(uploads[1]!.id)).equals(large)).toBe(true);

  const dropped = await finish(randomBytes(100));
  await files.delete(dropped.id);
  await expect(files.commit([dropped])).rejects.toThrow('has not finished');
  await expect(files.read(dropped.id)).rejects.toBeInstanceOf(FileNotFoundError);
});

test('when a file is larger than a chunk, then it is kept in chunks with ids of their own, read back in order and deleted with them', async () => {
  const files = new FileStore(db, 1000);
  const owner = `user-${randomUUID()}`;
  const content = randomBytes(4500);
  const id = await store(files, owner, content, 7);
  const chunks = await db.collection('qa_file_chunks').find({ owner }).toArray();
  expect(chunks.map((chunk) => String(chunk._id)).sort()).toEqual([0, 1, 2, 3, 4].map((n) => `${id}:${n}`));
  expect((await files.read(id)).equals(content)).toBe(true);
  await files.delete(id);
  expect(await db.collection('qa_file_chunks').countDocuments({ owner })).toBe(0);
  expect(await db.collection('qa_files').countDocuments({ owner })).toBe(0);
});

test('when an upload stopped before its file document was written, then deleting its id removes its chunks', async () => {
  const files = new FileStore(db, 1000);
  const owner = `user-${randomUUID()}`;
  const upload = files.openUpload('x.pdf', { owner, jobId: randomUUID(), part: 'jd' });
  await new Promise<void>((resolve, reject) => upload.stream.write(randomBytes(2500), (err) => (err ? reject(err) : resolve())));
  expect(await db.collection('qa_file_chunks').countDocuments({ owner })).toBe(2);
  await files.delete(upload.id);
  expect(await db.collection('qa_file_chunks').countDocuments({ owner })).toBe(0);
  upload.stream.destroy();
});
