import { AppError, mapMongoError } from '@app/common';
import mongoose, { type Connection } from 'mongoose';

type GridFSBucket = InstanceType<typeof mongoose.mongo.GridFSBucket>;
type UploadStream = ReturnType<GridFSBucket['openUploadStream']>;

export interface FileMetadata {
  owner: string;
  jobId: string;
  part: string;
}

export interface FileUpload {
  id: string;
  stream: UploadStream;
}

export class FileNotFoundError extends Error {
  constructor(id: string) {
    super(`file ${id} not found`);
    this.name = 'FileNotFoundError';
  }
}

function objectId(id: string) {
  return new mongoose.mongo.ObjectId(id);
}

/**
 * The uploaded documents, in GridFS (bucket `qaFiles`): a resume is personal data, so it stays in the
 * database beside its job instead of travelling through Redis.
 */
export class FileStore {
  private bucketFor?: { db: unknown; bucket: GridFSBucket };

  constructor(private readonly connection: Connection) {}

  private bucket(): GridFSBucket {
    // Through the default import: ConnectionStates lives on the Mongoose prototype, which a namespace
    // import beside a default one (TypeScript's importStar) does not copy, leaving it undefined.
    const db = this.connection.db;
    if (!db || this.connection.readyState !== mongoose.ConnectionStates.connected) throw AppError.unavailable('mongodb');
    if (this.bucketFor?.db !== db) {
      this.bucketFor = { db, bucket: new mongoose.mongo.GridFSBucket(db, { bucketName: 'qaFiles' }) };
    }
    return this.bucketFor.bucket;
  }

  openUpload(name: string, metadata: FileMetadata): FileUpload {
    const id = new mongoose.mongo.ObjectId();
    const stream = this.bucket().openUploadStream(name, { id, metadata });
    return { id: id.toHexString(), stream };
  }

  async read(id: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of this.bucket().openDownloadStream(objectId(id))) chunks.push(chunk as Buffer);
    } catch (err) {
      if (/FileNotFound|File not found/i.test(String((err as { message?: unknown } | null | undefined)?.message))) throw new FileNotFoundError(id);
      throw mapMongoError(err);
    }
    return Buffer.concat(chunks);
  }

  /** Deletes a file and its chunks; deleting a file that is not there is not an error. */
  async delete(id: string): Promise<void> {
    if (!mongoose.mongo.ObjectId.isValid(id)) return;
    const bucket = this.bucket();
    try {
      await bucket.delete(objectId(id));
    } catch (err) {
      if (/File not found|FileNotFound/i.test(String((err as { message?: unknown } | null | undefined)?.message))) {
        // GridFS deletes the chunks before reporting a missing file entry; nothing is left either way.
        return;
      }
      throw mapMongoError(err);
    }
  }

  /** Every file stored for `owner`, including any a crashed upload left without a job. */
  async deleteByOwner(owner: string): Promise<number> {
    const bucket = this.bucket();
    let files: { _id: unknown }[];
    try {
      files = await bucket.find({ 'metadata.owner': owner }, { projection: { _id: 1 } }).toArray();
    } catch (err) {
      throw mapMongoError(err);
    }
    for (const file of files) await this.delete(String(file._id));
    return files.length;
  }

  /** For tests and operators: how many files `owner` has stored. */
  async countByOwner(owner: string): Promise<number> {
    try {
      return await this.bucket().find({ 'metadata.owner': owner }).toArray().then((files) => files.length);
    } catch (err) {
      throw mapMongoError(err);
    }
  }
}
