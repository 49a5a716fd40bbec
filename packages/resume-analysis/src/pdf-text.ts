import Module from 'node:module';
import { dirname, join } from 'node:path';
import { PasswordException, PDFParse } from 'pdf-parse';
import { cleanLine, type DocumentLine } from './document-lines';
import { DocumentError, DocumentsError, detailOf, fileLabel, type DocumentFile } from './document-error';
import { layoutItems, layoutLines, type LayoutLine } from './pdf-layout';
import { OcrError } from './pdf-ocr';
import { checkPdfStructure, DEFAULT_STRUCTURE_LIMITS, type PdfStructureLimits } from './pdf-structure';

export interface PdfLimits extends Partial<Omit<PdfStructureLimits, 'maxPages'>> {
  /** Documents with more pages are refused rather than cut. Default 20. */
  maxPages?: number;
  /** Time allowed for reading one document. Default 10 s. */
  timeoutMs?: number;
  /**
   * Longest line accepted, in characters, checked before any pattern sees the text: a real resume's
   * lines are a page wide, and a line of 100,000 letters only exists to make the parsers work.
   */
  maxLineChars?: number;
  /** Most characters accepted from one document (all pages). */
  maxChars?: number;
  /** Reads a page without a text layer by OCR; without it, such a document is refused. */
  ocr?: PdfOcr;
}

/** Page images to text (see pdf-ocr.ts): one string per page. */
export type PdfOcr = (buffer: Uint8Array, pages: number, timeoutMs: number) => Promise<string[]>;

export interface PdfText {
  text: string;
  pages: number;
  lines: DocumentLine[];
  /** Where the text came from: the PDF's text layer, or OCR of its page images. */
  textSource: 'text' | 'ocr';
}

export const DEFAULT_PDF_LIMITS: Required<Omit<PdfLimits, 'ocr'>> = {
  ...DEFAULT_STRUCTURE_LIMITS,
  maxPages: 20,
  timeoutMs: 10_000,
  maxLineChars: 2000,
  maxChars: 200_000,
};

// Fewer letters than this is a scan or a picture of text, not something we can analyse.
const MIN_LETTERS = 20;

export async function extractPdfText(buffer: Uint8Array, file: DocumentFile, limits: PdfLimits = {}): Promise<PdfText> {
  const bounds = { ...DEFAULT_PDF_LIMITS, ...limits };
  const { timeoutMs } = bounds;
  const label = fileLabel(file);
  if (!hasPdfHeader(buffer)) {
    throw new DocumentError(file, 'malformed', `The ${label} is not a PDF file (it has no PDF header).`);
  }
  // Before pdf.js: it would decode a compressed bomb into memory no limit of its own bounds.
  checkPdfStructure(buffer, file, bounds);
  preloadPdfWorker();
  // pdf.js may take over the bytes it is given, so it gets a copy and the caller keeps theirs.
  const parser = new PDFParse({ data: new Uint8Array(buffer) });
  const timedOut = () =>
    new DocumentError(file, 'timeout', `Reading the ${label} took longer than ${timeoutMs / 1000} s; the file may be too large or too complex.`);
  const started = performance.now();
  const deadline = (): void => {
    if (performance.now() - started > timeoutMs) throw timedOut();
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), timeoutMs);
  });
  const reading = read(parser, buffer, file, bounds, deadline, () => timeoutMs - (performance.now() - started));
  // After a timeout the read is abandoned; its later failure must not surface as unhandled.
  reading.catch(() => undefined);
  try {
    return await Promise.race([reading, timeout]);
  } catch (error) {
    throw asDocumentError(error, file);
  } finally {
    clearTimeout(timer);
    await parser.destroy().catch(() => undefined);
  }
}

/**
 * Reads both documents and reports every problem at once, so a user whose resume is encrypted
 * also learns that the job description is a scan. `onFile` is told before each file is read.
 */
export async function extractPdfTexts(
  resume: Uint8Array,
  jd: Uint8Array,
  limits: PdfLimits = {},
  onFile?: (file: DocumentFile) => unknown,
): Promise<Record<DocumentFile, PdfText>> {
  const results: Partial<Record<DocumentFile, PdfText>> = {};
  const errors: DocumentError[] = [];
  for (const [file, buffer] of [
    ['resume', resume],
    ['jd', jd],
  ] as const) {
    await onFile?.(file);
    try {
      results[file] = await extractPdfText(buffer, file, limits);
    } catch (error) {
      if (!(error instanceof DocumentError)) throw error;
      errors.push(error);
    }
  }
  if (errors.length > 0 || !results.resume || !results.jd) throw new DocumentsError(errors);
  return { resume: results.resume, jd: results.jd };
}

/**
 * pdf.js parses in-process and mostly in microtasks, so a timer alone never interrupts it. Pages
 * are read one at a time, yielding to the event loop and checking the deadline in between; one
 * pathological page can still overrun, which only a separate thread could stop.
 */
async function read(
  parser: PDFParse,
  buffer: Uint8Array,
  file: DocumentFile,
  limits: typeof DEFAULT_PDF_LIMITS & { ocr?: PdfOcr },
  deadline: () => void,
  remainingMs: () => number,
): Promise<PdfText> {
  const label = fileLabel(file);
  const { maxPages } = limits;
  const info = await parser.getInfo();
  if (info.total > maxPages) {
    throw new DocumentError(file, 'too_many_pages', `The ${label} has ${info.total} pages; at most ${maxPages} are accepted.`);
  }
  const document = await (parser as unknown as { load(): Promise<PdfDocument> }).load();
  const pages: LayoutLine[][] = [];
  let characters = 0;
  for (let pageNumber = 1; pageNumber <= info.total; pageNumber++) {
    deadline();
    await new Promise((resolveTurn) => setImmediate(resolveTurn));
    deadline();
    const page = await document.getPage(pageNumber);
    const items = layoutItems((await page.getTextContent()).items);
    page.cleanup();
    // The character bound holds before the layout works on the items.
    characters += items.reduce((sum, item) => sum + item.str.length, 0);
    if (characters > limits.maxChars) throw tooMuchText(file, characters, limits.maxChars);
    pages.push(layoutLines(items));
  }
  deadline();
  const lines = linesOfPages(pages, file, limits);
  if (letterCount(lines) >= MIN_LETTERS) {
    return { text: lines.map((line) => line.text).join('\n'), pages: info.total, lines, textSource: 'text' };
  }
  if (limits.ocr) {
    let ocrPages: string[];
    try {
      ocrPages = await limits.ocr(buffer, info.total, Math.max(0, remainingMs()));
    } catch (error) {
      deadline();
      throw ocrProblem(error, file, limits);
    }
    const ocrLines = linesOfPages(
      ocrPages.map((page) => page.split('\n').map((text) => ({ text, larger: false }))),
      file,
      limits,
    );
    deadline();
    if (letterCount(ocrLines) >= MIN_LETTERS) {
      return { text: ocrLines.map((line) => line.text).join('\n'), pages: info.total, lines: ocrLines, textSource: 'ocr' };
    }
  }
  throw new DocumentError(
    file,
    'no_text',
    limits.ocr
      ? `The ${label} has no text layer and no text could be read from its page images; please upload a PDF with selectable text.`
      : `The ${label} has no extractable text; it may be a scanned image. Please upload a PDF with selectable text.`,
  );
}

/**
 * Pages' lines to document lines, with the bounds checked on the raw text before any pattern runs
 * on it (cleanLine is the first): too long a line or too much text fails the document, naming the limit.
 */
function linesOfPages(
  pages: readonly (readonly LayoutLine[])[],
  file: DocumentFile,
  limits: { maxLineChars: number; maxChars: number },
): DocumentLine[] {
  const label = fileLabel(file);
  const total = pages.reduce((sum, page) => sum + page.reduce((pageSum, line) => pageSum + line.text.length + 1, 0), 0);
  if (total > limits.maxChars) throw tooMuchText(file, total, limits.maxChars);
  const lines: DocumentLine[] = [];
  pages.forEach((page, index) => {
    let lineNo = 0;
    for (const raw of page) {
      if (raw.text.length > limits.maxLineChars) {
        throw new DocumentError(
          file,
          'line_too_long',
          `The ${label} has a line of ${raw.text.length} characters on page ${index + 1}; at most ${limits.maxLineChars} are accepted per line.`,
        );
      }
      const text = cleanLine(raw.text);
      if (text === '') continue;
      lineNo += 1;
      lines.push(raw.larger ? { text, page: index + 1, lineNo, larger: true } : { text, page: index + 1, lineNo });
    }
  });
  return lines;
}

function tooMuchText(file: DocumentFile, total: number, maxChars: number): DocumentError {
  return new DocumentError(file, 'too_much_text', `The ${fileLabel(file)} has ${total} characters of text; at most ${maxChars} are accepted.`);
}

/** The part of pdf.js's document the reader uses (pdf-parse's parser holds it). */
interface PdfDocument {
  getPage(pageNumber: number): Promise<{ getTextContent(): Promise<{ items: unknown[] }>; cleanup(): void }>;
}

/** What went wrong reading the page images, in the user's terms; what the programs said goes to `detail`. */
function ocrProblem(error: unknown, file: DocumentFile, limits: { timeoutMs: number }): DocumentError {
  const label = fileLabel(file);
  const detail = detailOf(error);
  const failure = error instanceof OcrError ? error.failure : 'failed';
  switch (failure) {
    case 'image_too_large': {
      const { width, height } = (error as OcrError).facts;
      return new DocumentError(
        file,
        'image_too_large',
        `The ${label} has no text layer, and one of its images is ${width} × ${height} pixels, too large to be read; please upload a PDF with selectable text or a smaller scan.`,
        { detail },
      );
    }
    case 'page_too_large': {
      const { width = 0, height = 0, page } = (error as OcrError).facts;
      const inches = (points: number) => Math.round(points / 72).toLocaleString('en-US');
      return new DocumentError(
        file,
        'image_too_large',
        `The ${label} has no text layer, and its page ${page ?? ''} is ${inches(width)} × ${inches(height)} inches, too large to be rendered and read.`,
        { detail },
      );
    }
    case 'timeout':
      return new DocumentError(
        file,
        'timeout',
        `The ${label} has no text layer, and reading its page images took longer than the limit of ${limits.timeoutMs / 1000} s.`,
        { detail },
      );
    case 'memory_limit':
      return new DocumentError(file, 'memory_limit', `The ${label} has no text layer, and its pages needed more memory to render than the limit.`, {
        detail,
      });
    default:
      return new DocumentError(
        file,
        'malformed',
        `The ${label} has no text layer, and its pages could not be rendered to be read; the file may be damaged.`,
        {
          detail,
        },
      );
  }
}

function letterCount(lines: readonly DocumentLine[]): number {
  return lines.reduce((count, line) => count + (line.text.match(/\p{L}/gu)?.length ?? 0), 0);
}

function asDocumentError(error: unknown, file: DocumentFile): DocumentError {
  if (error instanceof DocumentError) return error;
  const label = fileLabel(file);
  if (error instanceof PasswordException || (error as Error | null)?.name === 'PasswordException') {
    return new DocumentError(file, 'encrypted', `The ${label} is password-protected; please upload a copy without a password.`, { cause: error });
  }
  // pdf.js could not allocate a decoded buffer: the process's memory limit held.
  if (error instanceof RangeError && /allocat/i.test(error.message)) {
    return new DocumentError(file, 'memory_limit', `Reading the ${label} needed more memory than the limit.`, { detail: detailOf(error) });
  }
  return new DocumentError(file, 'malformed', `The ${label} could not be read as a PDF; it may be damaged.`, { detail: detailOf(error) });
}

function hasPdfHeader(buffer: Uint8Array): boolean {
  const head = Buffer.from(buffer.subarray(0, 1024)).toString('latin1');
  return head.includes('%PDF-');
}

let workerPreloaded = false;

/** Loads pdf.js's parsing code now rather than on the first document (a pool's threads do this when they start). */
export function preparePdfReader(): void {
  preloadPdfWorker();
}

/**
 * pdf.js runs its parsing "worker" in-process by dynamic-importing pdf.worker.mjs. Sandboxed
 * CommonJS loaders (Jest's) cannot evaluate that import; Node's own loader can require the
 * module, and pdf.js then uses the handler found on `globalThis.pdfjsWorker` instead. Where
 * this does not work, pdf.js still falls back to its own import.
 */
function preloadPdfWorker(): void {
  const scope = globalThis as { pdfjsWorker?: { WorkerMessageHandler?: unknown } };
  if (workerPreloaded || scope.pdfjsWorker?.WorkerMessageHandler) return;
  workerPreloaded = true;
  try {
    const workerPath = join(dirname(require.resolve('pdf-parse')), 'pdf.worker.mjs');
    const nodeLoad = (Module as unknown as { _load?: (request: string, parent: null, isMain: boolean) => unknown })._load;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a synchronous load of an ES module found at run time
    const loaded = (nodeLoad ? nodeLoad(workerPath, null, false) : require(workerPath)) as { WorkerMessageHandler?: unknown };
    if (loaded.WorkerMessageHandler) scope.pdfjsWorker = { WorkerMessageHandler: loaded.WorkerMessageHandler };
  } catch {
    // pdf.js will try its own dynamic import.
  }
}
