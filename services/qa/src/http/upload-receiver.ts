import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AppError, type Logger } from '@app/common';
import busboy from 'busboy';
import type { Request } from 'express';
import type { DocumentUploads, FileUpload } from '../domain/ports';
import { DOCUMENT_PARTS, isDocumentPart, type DocumentPart, type StoredFile } from '../domain/qa-job';

const PDF_MAGIC = Buffer.from('%PDF-', 'latin1');
const MAX_NAME_LENGTH = 200;

export interface ReceiveOptions {
  maxFileBytes: number;
  store: DocumentUploads;
  owner: string;
  jobId: string;
  logger: Logger;
}

interface PartState {
  part: DocumentPart;
  upload: FileUpload;
  stored: Promise<StoredFile>;
}

function cleanName(filename: string | undefined, part: DocumentPart): string {
  // Control characters (C0, DEL, C1), bidirectional controls and path separators have no place in a
  // name we show back: "invoice" U+202E "fdp.exe" reads as "invoiceexe.pdf" in a listing.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const base = (filename ?? '').replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069/\\]/g, '').trim();
  // Cut in code points: cutting UTF-16 units could leave half a surrogate pair, which storage would mangle.
  return Array.from(base || `${part}.pdf`)
    .slice(0, MAX_NAME_LENGTH)
    .join('');
}

/** Ends an upload stream and waits until it settles either way, so no write is in flight when its file is deleted. */
function settle(stream: FileUpload['stream']): Promise<void> {
  if (stream.writableFinished || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => resolve();
    stream.once('finish', done);
    stream.once('error', done);
    stream.once('close', done);
    if (!stream.writableEnded) stream.end();
  });
}

/**
 * Reads `multipart/form-data` with exactly the files `resume` and `jd`, streaming each into the file
 * store while hashing it and checking that it is a PDF by its first bytes. The first problem ends the
 * reading and rejects with the AppError to answer; whatever was stored by then is deleted first, so a
 * refused upload leaves nothing behind.
 */
export function receiveDocuments(req: Request, options: ReceiveOptions): Promise<Record<DocumentPart, StoredFile>> {
  const contentType = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*(;|$)/i.test(contentType)) {
    return Promise.reject(AppError.unsupportedMediaType('Expected multipart/form-data with the PDF files "resume" and "jd"'));
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      defParamCharset: 'utf8',
      // A bound on everything: one more file and one field than allowed are enough to name the intruder.
      limits: { fileSize: options.maxFileBytes, files: 3, fields: 1, parts: 4, fieldNameSize: 100, headerPairs: 20 },
    });
  } catch (err) {
    return Promise.reject(AppError.badRequest(`Malformed multipart request: ${(err as Error).message}`));
  }

  return new Promise((resolve, reject) => {
    const parts = new Map<DocumentPart, PartState>();
    let failure: AppError | undefined;

    const cleanUp = async () => {
      await Promise.all(
        [...parts.values()].map(async ({ upload }) => {
          await settle(upload.stream);
          try {
            await options.store.delete(upload.id);
          } catch (err) {
            options.logger.error({ err: String(err), fileId: upload.id }, 'could not delete a refused upload');
          }
        }),
      );
    };

    const fail = (err: unknown) => {
      if (failure) return;
      // The store fails with our errors (it maps the database's); anything else is a defect, logged as one.
      if (!(err instanceof AppError)) options.logger.error({ err }, 'an upload failed with an unexpected error');
      failure = err instanceof AppError ? err : AppError.internal();
      // Stop reading at once: the rest of the body is not parsed, and the answer says Connection: close.
      req.unpipe(parser);
      const answer = failure;
      void cleanUp().finally(() => reject(answer));
    };

    const receive = (part: DocumentPart, source: Readable & { truncated?: boolean }, filename: string | undefined) => {
      let upload: FileUpload;
      try {
        // Both files' documents are written together once both are in (commit, below).
        upload = options.store.openUpload(cleanName(filename, part), { owner: options.owner, jobId: options.jobId, part }, { deferred: true });
      } catch (err) {
        source.resume();
        fail(err);
        return;
      }
      const hash = createHash('sha256');
      let size = 0;
      let head = Buffer.alloc(0);
      let isPdf = false;
      const stored = new Promise<StoredFile>((resolveFile, rejectFile) => {
        upload.stream.once('finish', () => resolveFile({ fileId: upload.id, name: cleanName(filename, part), size, sha256: hash.digest('hex') }));
        upload.stream.once('error', rejectFile);
      });
      // Settled through `fail`; this keeps an early rejection from being reported as unhandled.
      stored.catch(() => undefined);
      parts.set(part, { part, upload, stored });
      const notPdf = () => AppError.unsupportedMediaType(`The part "${part}" is not a PDF (its content does not start with %PDF-)`);

      source.on('data', (chunk: Buffer) => {
        if (failure) return;
        size += chunk.length;
        hash.update(chunk);
        if (!isPdf) {
          head = Buffer.concat([head, chunk.subarray(0, PDF_MAGIC.length)]).subarray(0, PDF_MAGIC.length);
          if (head.length === PDF_MAGIC.length) {
            if (!head.equals(PDF_MAGIC)) {
              fail(notPdf());
              return;
            }
            isPdf = true;
          }
        }
        if (!upload.stream.write(chunk)) {
          source.pause();
          upload.stream.once('drain', () => source.resume());
        }
      });
      source.once('limit', () =>
        fail(
          AppError.payloadTooLarge(`The part "${part}" is larger than ${options.maxFileBytes} bytes`, {
            part,
            maxBytes: options.maxFileBytes,
          }),
        ),
      );
      source.once('end', () => {
        if (failure) return;
        if (!isPdf) {
          fail(notPdf());
          return;
        }
        upload.stream.end();
      });
      upload.stream.once('error', (err) => fail(err));
    };

    parser.on('file', (name, source, info) => {
      // busboy destroys the part's stream with the body's error (a cut-off body); the parser reports it too.
      source.on('error', () => undefined);
      if (failure) {
        source.resume();
        return;
      }
      if (!isDocumentPart(name)) {
        source.resume();
        fail(AppError.badRequest(`Unexpected part "${name}": only the files "resume" and "jd" are accepted`, { part: name }));
        return;
      }
      if (parts.has(name)) {
        source.resume();
        fail(AppError.badRequest(`The part "${name}" appears more than once`, { part: name }));
        return;
      }
      receive(name, source, info.filename);
    });
    parser.on('field', (name) => {
      fail(
        AppError.badRequest(
          isDocumentPart(name)
            ? `The part "${name}" must be a file upload (a PDF), not a text field`
            : `Unexpected field "${name}": only the files "resume" and "jd" are accepted`,
          { part: name },
        ),
      );
    });
    for (const limit of ['partsLimit', 'filesLimit', 'fieldsLimit'] as const) {
      parser.on(limit, () => fail(AppError.badRequest('Too many parts: send only the files "resume" and "jd"')));
    }
    parser.on('error', (err: Error) => fail(AppError.badRequest(`Malformed multipart body: ${err.message}`)));
    parser.on('close', () => {
      if (failure) return;
      const missing = DOCUMENT_PARTS.filter((part) => !parts.has(part));
      if (missing.length > 0) {
        fail(
          AppError.badRequest(`Missing file part${missing.length > 1 ? 's' : ''}: ${missing.map((p) => `"${p}"`).join(', ')}`, {
            missing,
          }),
        );
        return;
      }
      Promise.all(DOCUMENT_PARTS.map((part) => parts.get(part)!.stored))
        .then(async ([resume, jd]) => {
          if (failure) return;
          await options.store.commit(DOCUMENT_PARTS.map((part) => parts.get(part)!.upload));
          resolve({ resume: resume!, jd: jd! });
        })
        .catch((err: unknown) => fail(err));
    });
    req.once('error', () => fail(new AppError('request_aborted')));
    req.once('close', () => {
      if (!req.complete) fail(new AppError('request_aborted'));
    });
    req.pipe(parser);
  });
}
