import { Writable } from 'node:stream';
import { AppError } from '@app/common';
import { mapMongoError } from '@app/common/mongo';
import mongoose, { type Connection } from 'mongoose';
import type { Binary, Collection, Db } from 'mongodb';
import type { DocumentStore, DocumentUploads, FileMetadata, FileUpload } from '../domain/ports';

export class FileNotFoundError extends Error {
  constructor(id: string) {
    super(`file ${id} not found`);
    this.name = 'FileNotFoundError';
  }
}

/** A stored file. Written last, after its chunks: a file without this document is not (yet) there. */
interface FileDoc {
  _id: string;
  owner: string;
  jobId: string;
  part: string;
  name: string;
  size: number;
  uploadedAt: Date;
  /** The content, when it fits in one chunk (every upload within the default size limit does). */
  data?: Binary;
  /** Otherwise how many chunks (`<id>:0` …) hold it. */
  chunks?: number;
}

interface ChunkDoc {
  /** `<file id>:<n>`: a chunk is found by `_id` alone. */
  _id: string;
  /** So that chunks an interrupted upload left behind are still found when their owner is deleted. */
  owner: string;
  data: Binary;
}

/** Below MongoDB's 16 MiB document limit with room to spare, and above the default upload limit (5 MiB). */
const CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * What an upload fails with, as the routes see it: our own error, or the database's mapped to one. A
 * driver error that maps to nothing the caller could fix means the store could not take the file: the 503.
 */
function uploadError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const mapped = mapMongoError(err);
  return mapped instanceof AppError ? mapped : AppError.unavailable('mongodb');
}

function bytesOf(data: Binary): Buffer {
  return Buffer.from(data.buffer.buffer, data.buffer.byteOffset, data.position);
}

/**
 * The uploaded documents, in the database beside their jobs (a resume is personal data; it does not
 * travel through Redis). Each file is one document found by `_id` (`qa_files`), with chunks of
 * deterministic `_id`s (`qa_file_chunks`, `<id>:<n>`) only past CHUNK_BYTES: FerretDB v1 reads a whole
 * collection for any filter but `_id` alone, which GridFS's chunk reads by `files_id` are.
 */
export class FileStore implements DocumentStore, DocumentUploads {
  /** Documents of deferred uploads whose stream has finished, waiting for `commit`. */
  private readonly prepared = new Map<string, FileDoc>();

  constructor(
    private readonly connection: Connection,
    /** Bytes per chunk past which a file is split (smaller in tests, to exercise the chunks). */
    private readonly chunkBytes = CHUNK_BYTES,
  ) {}

  private db(): Db {
    // Through the default import: ConnectionStates lives on the Mongoose prototype, which a namespace
    // import beside a default one (TypeScript's importStar) does not copy, leaving it undefined.
    const db = this.connection.db;
    if (!db || this.connection.readyState !== mongoose.ConnectionStates.connected) throw AppError.unavailable('mongodb');
    return db;
  }

  /** What a user's deletion reads (`{owner}`); every other read is by `_id`. One index per command (FerretDB v1.24). */
  async ensureIndexes(): Promise<void> {
    try {
      await this.files().createIndex({ owner: 1 }, { name: 'owner' }, undefined);
      await this.chunks().createIndex({ owner: 1 }, { name: 'owner' }, undefined);
    } catch (err) {
      throw mapMongoError(err);
    }
  }

  private files(): Collection<FileDoc> {
    return this.db().collection<FileDoc>('qa_files');
  }

  private chunks(): Collection<ChunkDoc> {
    return this.db().collection<ChunkDoc>('qa_file_chunks');
  }

  /**
   * A stream that stores one file. Its document is written when the stream finishes, or with
   * `deferred` by `commit`, so that the files of one upload cost one write (chunks of a large file
   * are written as they come either way). It fails, and its stream errs, only with an AppError.
   */
  openUpload(name: string, metadata: FileMetadata, { deferred = false } = {}): FileUpload {
    const prepared = this.prepared;
    let files: Collection<FileDoc>;
    let chunks: Collection<ChunkDoc>;
    try {
      files = this.files();
      chunks = this.chunks();
    } catch (err) {
      throw uploadError(err);
    }
    const id = new mongoose.mongo.ObjectId().toHexString();
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let size = 0;
    let written = 0;
    const chunkBytes = this.chunkBytes;
    // Writes whole chunks while there are, or what is left when `all`.
    const flush = async (all: boolean) => {
      let rest = Buffer.concat(pending, pendingBytes);
      while (rest.length >= chunkBytes || (all && rest.length > 0)) {
        const data = rest.subarray(0, chunkBytes);
        rest = rest.subarray(data.length);
        await chunks.insertOne({ _id: `${id}:${written}`, owner: metadata.owner, data: new mongoose.mongo.Binary(data) });
        written += 1;
      }
      pending = [rest];
      pendingBytes = rest.length;
    };
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        pending.push(chunk);
        pendingBytes += chunk.length;
        size += chunk.length;
        if (pendingBytes < chunkBytes) {
          done();
          return;
        }
        flush(false).then(
          () => done(),
          (err: unknown) => done(uploadError(err)),
        );
      },
      final(done) {
        void (async () => {
          const doc: FileDoc = { _id: id, ...metadata, name, size, uploadedAt: new Date() };
          if (written === 0) doc.data = new mongoose.mongo.Binary(Buffer.concat(pending, pendingBytes));
          else {
            await flush(true);
            doc.chunks = written;
          }
          if (deferred) prepared.set(id, doc);
          else await files.insertOne(doc);
        })().then(
          () => done(),
          (err: unknown) => done(uploadError(err)),
        );
      },
    });
    return { id, stream };
  }

  /** Writes the documents of deferred uploads whose streams have finished, in one command; fails only with an AppError. */
  async commit(uploads: FileUpload[]): Promise<void> {
    const docs = uploads.map((upload) => this.prepared.get(upload.id));
    if (docs.some((doc) => doc === undefined)) throw AppError.internal('commit of an upload that has not finished');
    try {
      await this.files().insertMany(docs as FileDoc[]);
    } catch (err) {
      throw uploadError(err);
    } finally {
      for (const upload of uploads) this.prepared.delete(upload.id);
    }
  }

  async read(id: string): Promise<Buffer> {
    let doc: FileDoc | null;
    try {
      doc = await this.files().findOne({ _id: id });
      if (doc?.data) return bytesOf(doc.data);
      if (doc) {
        const parts: Buffer[] = [];
        for (let n = 0; n < (doc.chunks ?? 0); n += 1) {
          const chunk = await this.chunks().findOne({ _id: `${id}:${n}` });
          if (!chunk) throw new FileNotFoundError(id);
          parts.push(bytesOf(chunk.data));
        }
        return Buffer.concat(parts);
      }
    } catch (err) {
      if (err instanceof FileNotFoundError) throw err;
      throw mapMongoError(err);
    }
    throw new FileNotFoundError(id);
  }

  /**
   * Deletes a file and its chunks, also one an interrupted upload left without its file document;
   * deleting a file that is not there is not an error.
   */
  async delete(id: string): Promise<void> {
    this.prepared.delete(id);
    try {
      const doc = await this.files().findOne({ _id: id }, { projection: { chunks: 1 } });
      const known = doc?.chunks ?? 0;
      // Chunks are numbered from 0 without holes: past the known count, the first one missing ends them.
      for (let n = 0; ; n += 1) {
        const { deletedCount } = await this.chunks().deleteOne({ _id: `${id}:${n}` });
        if (deletedCount === 0 && n >= known) break;
      }
      if (doc) await this.files().deleteOne({ _id: id });
    } catch (err) {
      throw mapMongoError(err);
    }
  }

  /** Every file stored for `owner`, including any a crashed upload left without a job. */
  async deleteByOwner(owner: string): Promise<number> {
    try {
      const files = await this.files()
        .find({ owner }, { projection: { _id: 1 } })
        .toArray();
      for (const file of files) await this.delete(file._id);
      // Chunks of uploads cut short before their file document was written.
      await this.chunks().deleteMany({ owner });
      return files.length;
    } catch (err) {
      throw mapMongoError(err);
    }
  }

  /** For tests and operators: how many files `owner` has stored. */
  async countByOwner(owner: string): Promise<number> {
    try {
      return await this.files().countDocuments({ owner });
    } catch (err) {
      throw mapMongoError(err);
    }
  }
}
