/** Problems with an uploaded document that retrying cannot fix, each naming the file. */

export type DocumentFile = 'resume' | 'jd';

/**
 * Every reason a document is refused, in the user's terms (the message says which limit and what
 * happened). What a program or library said about it never reaches the user: it is kept in
 * `detail`, which goes to the log with the job id.
 *
 * - encrypted: needs a password.
 * - no_text: no text layer, and OCR found none (or is off).
 * - malformed: damaged, or not a PDF: it could not be read or rendered.
 * - too_many_pages: more pages than accepted, counted or claimed by the page tree.
 * - too_much_text, line_too_long: the extracted text passes a bound checked before any pattern runs.
 * - too_much_compressed_data: a stream, or the whole file, inflates to more than accepted.
 * - too_complex: more objects, or objects nested deeper, than a document needs.
 * - image_too_large: an embedded image has more pixels than accepted.
 * - timeout: reading or analysing took longer than the time limit.
 * - memory_limit: reading or rendering needed more memory than the limit.
 */
export type DocumentProblemReason =
  | 'encrypted'
  | 'no_text'
  | 'malformed'
  | 'too_many_pages'
  | 'too_much_text'
  | 'line_too_long'
  | 'too_much_compressed_data'
  | 'too_complex'
  | 'image_too_large'
  | 'timeout'
  | 'memory_limit';

const FILE_LABEL: Readonly<Record<DocumentFile, string>> = { resume: 'resume', jd: 'job description' };

export function fileLabel(file: DocumentFile): string {
  return FILE_LABEL[file];
}

export class DocumentError extends Error {
  override readonly name = 'DocumentError';

  constructor(
    readonly file: DocumentFile,
    readonly reason: DocumentProblemReason,
    message: string,
    options?: { cause?: unknown; detail?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.detail !== undefined) this.detail = options.detail;
  }

  /** What actually failed (a program's or library's own words), for the log only: never shown to the user. */
  readonly detail?: string;
}

/** Every problem found across both documents, so a user can fix them all in one go. */
export class DocumentsError extends Error {
  override readonly name = 'DocumentsError';

  constructor(readonly errors: readonly DocumentError[]) {
    // A limit met while reading both files is one message naming both, told once.
    super([...new Set(errors.map((error) => error.message))].join(' '));
  }
}

/** The internal detail of an error, for the log: its message, and its cause's. */
export function detailOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause === undefined ? '' : `; cause: ${detailOf(error.cause)}`;
  return `${error.name}: ${error.message}${cause}`;
}
