import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PdfOcr } from './pdf-text';

/**
 * OCR for PDFs without a text layer (scans): poppler's `pdftoppm` renders each page, `tesseract`
 * reads it. Each is a program of its own, so the limits of the process that calls them do not
 * bind them; each therefore runs under `prlimit` with its own address-space and CPU-time limit, is
 * killed when the time left for the document runs out, and works in a temporary directory removed
 * afterwards (the pool removes the directory above it too, should this process be killed first).
 *
 * Before anything is rendered, `pdfinfo` gives each page's size and `pdfimages -list` the size of
 * every embedded image, both without decoding anything: a page is rendered at the resolution that
 * keeps it within `maxPagePixels` whatever its stated size, and a document with an image larger
 * than `maxImagePixels` is refused.
 */

export interface OcrOptions {
  /** Pages are rendered at this resolution, or lower when that would exceed `maxPagePixels`. */
  dpi: number;
  /** Most pixels of one rendered page (width × height). */
  maxPagePixels: number;
  /** Most pixels of one image embedded in the document. */
  maxImagePixels: number;
  /** Address-space limit of each program, in MB. */
  programMemoryMb: number;
  /** Pages read at once (one tesseract thread each). */
  parallelPages: number;
  /** Where the temporary directories go. Default: the system's. */
  workDir?: string;
}

export const DEFAULT_OCR_OPTIONS: OcrOptions = {
  dpi: 200,
  maxPagePixels: 8_000_000,
  maxImagePixels: 50_000_000,
  programMemoryMb: 256,
  parallelPages: 2,
};

export type OcrFailure = 'timeout' | 'memory_limit' | 'image_too_large' | 'page_too_large' | 'failed';

/** Why reading the page images failed, in terms the caller turns into the user's; `message` is for the log. */
export class OcrError extends Error {
  override readonly name = 'OcrError';

  constructor(
    readonly failure: OcrFailure,
    message: string,
    readonly facts: { width?: number; height?: number; page?: number } = {},
  ) {
    super(message);
  }
}

// tesseract prints a page's text; far more than any page holds means something is wrong.
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
// pdfinfo and pdfimages print a line or two per page or image.
const MAX_LISTING_BYTES = 1024 * 1024;

interface Limits {
  timeoutMs: number;
  memoryMb: number;
  maxBuffer?: number;
}

/**
 * Runs a program under its own hard limits. tesseract is told to use one thread: its OpenMP threads
 * compete for the same cores and a page took five times longer with them; pages run in parallel instead.
 */
function run(command: string, args: string[], limits: Limits): Promise<string> {
  const cpuSeconds = Math.max(1, Math.ceil(limits.timeoutMs / 1000));
  const bounded = ['--as=' + String(limits.memoryMb * 1024 * 1024), '--cpu=' + String(cpuSeconds), '--', command, ...args];
  return new Promise((resolve, reject) => {
    execFile(
      'prlimit',
      bounded,
      {
        timeout: Math.max(1, Math.ceil(limits.timeoutMs)),
        killSignal: 'SIGKILL',
        maxBuffer: limits.maxBuffer ?? MAX_OUTPUT_BYTES,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', OMP_THREAD_LIMIT: '1', LC_ALL: 'C' },
      },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const failed = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null; code?: unknown };
        const said = `${command} ${failed.signal ? `killed by ${failed.signal}` : `exited with ${String(failed.code)}`}: ${stderr.trim().slice(0, 500)}`;
        if (failed.killed || failed.signal === 'SIGXCPU') return reject(new OcrError('timeout', said));
        if (/memory|alloc/i.test(stderr) || failed.signal === 'SIGABRT' || failed.signal === 'SIGSEGV') {
          return reject(new OcrError('memory_limit', said));
        }
        reject(new OcrError('failed', said));
      },
    );
  });
}

let available: Promise<boolean> | undefined;

/** Whether the programs are installed (checked once per process). */
export function ocrAvailable(): Promise<boolean> {
  const check: Limits = { timeoutMs: 5000, memoryMb: 512 };
  available ??= Promise.all([
    run('pdftoppm', ['-v'], check),
    run('pdfinfo', ['-v'], check),
    run('pdfimages', ['-v'], check),
    run('tesseract', ['--version'], check),
  ]).then(
    () => true,
    () => false,
  );
  return available;
}

/** Each page's size in points (its crop box, which is what is rendered), from `pdfinfo -box`. */
function pageSizes(listing: string, pages: number): Array<{ width: number; height: number }> {
  const sizes = new Map<number, { width: number; height: number }>();
  for (const match of listing.matchAll(/^Page\s+([0-9]+) CropBox:\s+(-?[0-9.]+)\s+(-?[0-9.]+)\s+(-?[0-9.]+)\s+(-?[0-9.]+)/gm)) {
    const [x0, y0, x1, y1] = match.slice(2, 6).map(Number) as [number, number, number, number];
    sizes.set(Number(match[1]), { width: Math.abs(x1 - x0), height: Math.abs(y1 - y0) });
  }
  return Array.from({ length: pages }, (_, index) => {
    const size = sizes.get(index + 1);
    if (!size) throw new OcrError('failed', `pdfinfo listed ${sizes.size} of ${pages} page sizes`);
    return size;
  });
}

// Below this resolution a page is not something a person could have scanned to be read.
const MIN_DPI = 1;

/**
 * The resolution that renders a page of `width` × `height` points in at most `maxPagePixels`
 * pixels, or null when even `MIN_DPI` would not (a page hundreds of metres wide).
 */
export function renderDpi(width: number, height: number, options: Pick<OcrOptions, 'dpi' | 'maxPagePixels'>): number | null {
  const area = Math.max(1, width) * Math.max(1, height);
  // pdftoppm rounds each side up to a whole pixel; a hundredth of a dpi less keeps the product under the cap.
  const fitting = Math.floor(72 * Math.sqrt(options.maxPagePixels / area) * 100) / 100 - 0.01;
  return fitting < MIN_DPI ? null : Math.min(options.dpi, fitting);
}

interface ImageListing {
  /** The largest image (width × height), if any. */
  largest: { width: number; height: number } | null;
  /** Per page, the highest resolution at which an image is drawn on it. */
  pagePpi: Map<number, number>;
}

/** What `pdfimages -list` says: page, num, type, width, height, …, x-ppi, y-ppi, … per image. */
function imageListing(listing: string): ImageListing {
  let largest: { width: number; height: number } | null = null;
  const pagePpi = new Map<number, number>();
  for (const line of listing.split('\n').slice(2)) {
    const columns = line.trim().split(/\s+/);
    const column = (index: number) => Number(columns[index] ?? NaN);
    const [page, width, height] = [column(0), column(3), column(4)];
    if (!Number.isFinite(width) || !Number.isFinite(height)) continue;
    if (!largest || width * height > largest.width * largest.height) largest = { width, height };
    const ppi = Math.max(column(12), column(13));
    if (Number.isFinite(page) && Number.isFinite(ppi)) pagePpi.set(page, Math.max(pagePpi.get(page) ?? 0, ppi));
  }
  return { largest, pagePpi };
}

// A scan rendered above its own resolution gains no detail and costs tesseract time (a 107-ppi page
// took 7.1 s at 200 dpi and 4.4 s at 150, with the same words); below this, small print suffers.
const MIN_SCAN_DPI = 150;

/** Runs `work` on each item, at most `parallel` at once, in order of the items. */
async function inParallel<T, R>(items: readonly T[], parallel: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(parallel, items.length)) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index] as T);
      }
    }),
  );
  return results;
}

/** OCR with these limits: reads every page's image; rejects with an OcrError. */
export function createPdfOcr(options: OcrOptions = DEFAULT_OCR_OPTIONS): PdfOcr {
  return async (buffer, pages, timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    const limits = (maxBuffer?: number): Limits => {
      const left = deadline - Date.now();
      if (left <= 0) throw new OcrError('timeout', 'OCR ran out of time');
      return { timeoutMs: left, memoryMb: options.programMemoryMb, ...(maxBuffer ? { maxBuffer } : {}) };
    };
    const dir = await mkdtemp(join(options.workDir ?? tmpdir(), 'ocr-'));
    try {
      const input = join(dir, 'input.pdf');
      await writeFile(input, buffer);
      const range = ['-f', '1', '-l', String(pages)];
      const [info, images] = await Promise.all([
        run('pdfinfo', [...range, '-box', input], limits(MAX_LISTING_BYTES)),
        run('pdfimages', ['-list', ...range, input], limits(MAX_LISTING_BYTES)),
      ]);
      const { largest, pagePpi } = imageListing(images);
      if (largest && largest.width * largest.height > options.maxImagePixels) {
        throw new OcrError('image_too_large', `an embedded image of ${largest.width}×${largest.height} pixels`, largest);
      }
      const sizes = pageSizes(info, pages);
      const dpis = sizes.map(({ width, height }, index) => {
        const dpi = renderDpi(width, height, options);
        if (dpi === null) throw new OcrError('page_too_large', `page ${index + 1} is ${width}×${height} points`, { width, height, page: index + 1 });
        const scanned = pagePpi.get(index + 1);
        return scanned === undefined ? dpi : Math.min(dpi, Math.max(MIN_SCAN_DPI, Math.ceil(scanned)));
      });
      return await inParallel(
        sizes.map((size, index) => ({ ...size, page: index + 1 })),
        options.parallelPages,
        async ({ page }) => {
          const dpi = dpis[page - 1] ?? MIN_DPI;
          const image = join(dir, `page-${page}`);
          await run(
            'pdftoppm',
            ['-r', dpi.toFixed(2), '-gray', '-png', '-singlefile', '-f', String(page), '-l', String(page), input, image],
            limits(),
          );
          return run('tesseract', [`${image}.png`, 'stdout', '-l', 'eng', '--psm', '4'], limits());
        },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}

/** OCR with the default limits. */
export const pdfOcr: PdfOcr = createPdfOcr();
