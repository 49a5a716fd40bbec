/** Problems with an uploaded document that retrying cannot fix, each naming the file. */

export type DocumentFile = 'resume' | 'jd';
export type DocumentProblemReason =
  'encrypted' | 'no_text' | 'malformed' | 'too_many_pages' | 'too_much_text' | 'line_too_long' | 'timeout' | 'memory_limit';

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
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Every problem found across both documents, so a user can fix them all in one go. */
export class DocumentsError extends Error {
  override readonly name = 'DocumentsError';

  constructor(readonly errors: readonly DocumentError[]) {
    // A limit met while reading both files is one message naming both, told once.
    super([...new Set(errors.map((error) => error.message))].join(' '));
  }
}
