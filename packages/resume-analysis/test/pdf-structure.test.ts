import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import {
  checkPdfStructure,
  createPdfOcr,
  DEFAULT_OCR_OPTIONS,
  DEFAULT_STRUCTURE_LIMITS,
  DocumentError,
  extractPdfText,
  type PdfStructureLimits,
} from '../src';
import { renderDpi } from '../src/pdf-ocr';
import { rejectionOf } from '@app/testkit/errors';
import { billionsOfPages, deeplyNested, endlessStream, flateBomb, hugeImage, pageSizeBomb, rawPdf, thousandsOfTinyPages } from './hostile-pdfs';
import { BAD, LABELLED, pairIds } from './labelled-fixtures';

const MB = 1024 * 1024;
const check =
  (pdf: Buffer, limits: Partial<PdfStructureLimits> = {}) =>
  () =>
    checkPdfStructure(pdf, 'resume', { ...DEFAULT_STRUCTURE_LIMITS, ...limits });
const refusal = (pdf: Buffer, limits: Partial<PdfStructureLimits> = {}): DocumentError => {
  try {
    check(pdf, limits)();
  } catch (error) {
    if (error instanceof DocumentError) return error;
    throw error;
  }
  throw new Error('expected the structure check to refuse the document');
};

/** One page whose content is `streams` Flate streams of `mb` MB of spaces each. */
function flateStreams(count: number, mb: number): Buffer {
  const data = deflateSync(Buffer.alloc(mb * MB, 0x20));
  const contents = Array.from({ length: count }, (_, index) => `${index + 4} 0 R`).join(' ');
  return rawPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents [${contents}] >>`,
    ...Array.from({ length: count }, () => ({ dictionary: `<< /Length ${data.length} /Filter /FlateDecode >>`, stream: data })),
  ]);
}

describe('the structure check before pdf.js', () => {
  test('when the documents are real resumes and job descriptions, then every one passes', () => {
    const labelled = pairIds().flatMap((pair) => ['resume', 'jd'].map((file) => join(LABELLED, pair, `${file}.pdf`)));
    for (const path of [...labelled, join(LABELLED, '..', 'scanned', 'two-pages.pdf'), join(BAD, 'image-only.pdf')]) {
      expect(check(readFileSync(path))).not.toThrow();
    }
  });

  test.each([
    [
      'a Flate bomb',
      () => flateBomb(1024),
      'too_much_compressed_data',
      /resume holds more compressed data than accepted \(at most 32 MB per stream and 128 MB in all/,
    ],
    ['a page count of billions', billionsOfPages, 'too_many_pages', /^The resume has 2000000000 pages; at most 20 are accepted\.$/],
    ['thousands of tiny pages', () => thousandsOfTinyPages(5000), 'too_many_pages', /^The resume has 5000 pages; at most 20 are accepted\.$/],
    ['deeply nested objects', () => deeplyNested(100_000), 'too_complex', /^The resume has objects nested more than 64 levels deep/],
  ] as const)('when the document is %s, then it is refused as %s before pdf.js parses it', (_, build, reason, message) => {
    const error = refusal(build());
    expect(error).toMatchObject({ file: 'resume', reason });
    expect(error.message).toMatch(message);
    // What was measured goes to the log, not into the message.
    expect(error.detail).toEqual(expect.any(String));
  });

  test('when streams stay under the per-stream bound but together inflate past the document bound, then the document is refused', () => {
    const pdf = flateStreams(5, 8);
    expect(check(pdf)).not.toThrow();
    expect(refusal(pdf, { maxDecodedBytes: 32 * MB })).toMatchObject({ reason: 'too_much_compressed_data' });
    expect(refusal(pdf, { maxStreamBytes: 4 * MB })).toMatchObject({ reason: 'too_much_compressed_data' });
  });

  test('when a stream is compressed twice over, then both layers are inflated and counted', () => {
    const inner = deflateSync(Buffer.alloc(40 * MB, 0x20));
    const twice = deflateSync(inner);
    const pdf = rawPdf([
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>',
      { dictionary: `<< /Length ${twice.length} /Filter [/FlateDecode /FlateDecode] >>`, stream: twice },
    ]);
    expect(refusal(pdf)).toMatchObject({ reason: 'too_much_compressed_data' });
  });

  test('when objects are more than the bound, then the document is refused naming the count', () => {
    const error = refusal(thousandsOfTinyPages(150), { maxObjects: 100, maxPages: 1000 });
    expect(error).toMatchObject({ reason: 'too_complex' });
    expect(error.message).toMatch(/^The resume is built from 154 objects; at most 100 are accepted/);
  });

  test('when brackets sit in strings and comments, then they do not count as nesting', () => {
    const brackets = '['.repeat(500);
    const pdf = rawPdf([
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Title (${brackets} \\( <<) /Hex <5b5b5b> >>\n% ${brackets}`,
      { dictionary: '<< /Length 500 >>', stream: Buffer.from(brackets) },
    ]);
    expect(check(pdf)).not.toThrow();
  });

  test('when a document is refused, then the message says what was wrong without any library or program words', async () => {
    for (const pdf of [flateBomb(64), billionsOfPages(), deeplyNested(), endlessStream()]) {
      const error = await rejectionOf(extractPdfText(pdf, 'resume'), DocumentError);
      expect(error.message).toMatch(/^The resume /);
      expect(error.message).not.toMatch(/exception|error|stack|pdf\.js|\/tmp\//i);
    }
  });
});

describe('OCR before rendering', () => {
  test('when a page claims any size, then it is rendered within the pixel cap', () => {
    const options = { dpi: 200, maxPagePixels: 8_000_000 };
    // A4 at the full 200 dpi: 3.9 megapixels.
    expect(renderDpi(595.28, 841.89, options)).toBe(200);
    for (const [width, height] of [
      [14_400, 14_400],
      [14_400, 1],
      [3, 14_400],
      [200_000, 200_000],
    ] as const) {
      const dpi = renderDpi(width, height, options) ?? 0;
      expect(dpi).toBeGreaterThan(0);
      expect(dpi).toBeLessThanOrEqual(200);
      expect(((width * dpi) / 72) * ((height * dpi) / 72)).toBeLessThanOrEqual(options.maxPagePixels);
    }
    expect(renderDpi(14_400, 14_400, options)).toBeCloseTo(14.13, 1);
    // Hundreds of metres a side: even one dot per inch is too many pixels, so it is not rendered at all.
    expect(renderDpi(1e9, 1e9, options)).toBeNull();
  });

  test('when a page is a 200-inch square, then OCR renders it small and finds no text, in seconds', async () => {
    const started = performance.now();
    const pages = await createPdfOcr(DEFAULT_OCR_OPTIONS)(pageSizeBomb(), 1, 30_000);
    expect(pages.join('').trim()).toBe('');
    expect(performance.now() - started).toBeLessThan(20_000);
  }, 30_000);

  test('when an embedded image is over the pixel cap, then the document is refused before anything is rendered', async () => {
    const error = await rejectionOf(extractPdfText(hugeImage(), 'jd', { ocr: createPdfOcr(DEFAULT_OCR_OPTIONS) }), DocumentError);
    expect(error).toMatchObject({ file: 'jd', reason: 'image_too_large' });
    expect(error.message).toMatch(/^The job description has no text layer, and one of its images is 60000 × 60000 pixels, too large to be read/);
    expect(error.detail).toMatch(/60000×60000/);
  });
});
