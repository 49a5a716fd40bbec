import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PdfOcr } from './pdf-text';

/**
 * OCR for PDFs without a text layer (scans): poppler's `pdftoppm` renders each page, `tesseract`
 * reads it. Both are separate processes, killed when the time left for the document runs out, so
 * a hostile image cannot outlive the job's limit.
 */

const RESOLUTION_DPI = 200;
// tesseract prints a page's text; far more than any page holds means something is wrong.
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

function run(command: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { timeout: Math.max(1, Math.ceil(timeoutMs)), killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT_BYTES, encoding: 'utf8' },
      (error: Error | null, stdout: string) => (error ? reject(error) : resolve(stdout)),
    );
  });
}

let available: Promise<boolean> | undefined;

/** Whether both programs are installed (checked once per process). */
export function ocrAvailable(): Promise<boolean> {
  available ??= Promise.all([run('pdftoppm', ['-v'], 5000), run('tesseract', ['--version'], 5000)]).then(
    () => true,
    () => false,
  );
  return available;
}

/** Reads every page's image; rejects when the programs fail or `timeoutMs` runs out. */
export const pdfOcr: PdfOcr = async (buffer, pages, timeoutMs) => {
  const deadline = Date.now() + timeoutMs;
  const left = () => {
    const ms = deadline - Date.now();
    if (ms <= 0) throw new Error('OCR ran out of time');
    return ms;
  };
  const dir = await mkdtemp(join(tmpdir(), 'qa-ocr-'));
  try {
    const input = join(dir, 'input.pdf');
    await writeFile(input, buffer);
    await run('pdftoppm', ['-r', String(RESOLUTION_DPI), '-gray', '-png', '-l', String(pages), input, join(dir, 'page')], left());
    const images = (await readdir(dir)).filter((name) => name.startsWith('page') && name.endsWith('.png')).sort();
    const texts: string[] = [];
    for (const image of images) {
      texts.push(await run('tesseract', [join(dir, image), 'stdout', '-l', 'eng', '--psm', '4'], left()));
    }
    return texts;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};
