/**
 * Builds the PDF fixtures the analysis tests read:
 *   fixtures/labelled/<pair>/{resume,jd}.pdf  from the .txt sources beside them
 *   fixtures/bad/*.pdf                         unreadable documents, one per DocumentError reason
 *   examples/*.pdf (repository root)           the README's QA example, from the .txt sources beside them
 *   fixtures/hostile/*.pdf                     small files built to make a reader work hard
 *   fixtures/scanned/*.pdf                     resume pages as images only (needs pdftoppm)
 *   fixtures/degraded/*.pdf                    what the analysis cannot read well: German and Russian
 *                                              resumes (drawn in DejaVu Sans: Debian fonts-dejavu-core), one without dates
 *
 * Run from the repository root: npx tsx packages/resume-analysis/scripts/make-fixtures.ts
 * The output is deterministic (fixed creation date), so re-running it only changes a PDF whose
 * source changed. The PDFs are committed; tests never build them.
 *
 * Source format, one line each: "# " name or title, "## " section heading, "- " bullet,
 * "left || right" a line with right-aligned text (dates), blank line a small gap, anything else
 * a paragraph. A source whose first line is "#! two-column" is drawn in two columns: the lines
 * before "#! sidebar" in the wide right column, the lines after it in a narrow left sidebar.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, mkdirSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import PDFDocument from 'pdfkit';
import { renderPdf } from '@app/testkit/pdf';

const FIXTURES = resolve(__dirname, '..', 'fixtures');
const LABELLED = join(FIXTURES, 'labelled');
const BAD = join(FIXTURES, 'bad');
const EXAMPLES = resolve(__dirname, '..', '..', '..', 'examples');
const HOSTILE = join(FIXTURES, 'hostile');
const SCANNED = join(FIXTURES, 'scanned');
const DEGRADED = join(FIXTURES, 'degraded');
const DEJAVU = '/usr/share/fonts/truetype/dejavu';
const FIXED_DATE = new Date('2025-01-01T00:00:00Z');
const MARGIN = 56;
const BODY_SIZE = 11.5;
const LINE_GAP = 4.5;

type Doc = InstanceType<typeof PDFDocument>;

/** The fonts drawSource uses: the standard ones, or embedded ones for text outside WinAnsi. */
const FONT = { regular: 'Helvetica', bold: 'Helvetica-Bold' };

function createDocument(options: PDFKit.PDFDocumentOptions = {}): Doc {
  return new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    info: { Title: 'fixture', Producer: 'make-fixtures', Creator: 'make-fixtures', CreationDate: FIXED_DATE },
    ...options,
  });
}

// The standard PDF fonts only cover WinAnsi; anything else would come out as garbage.
const WIN_ANSI_EXTRAS = new Set(Array.from('–—‘’“”•…€£·×'));
function checkCharacters(file: string, text: string): void {
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code > 0xff && !WIN_ANSI_EXTRAS.has(ch)) throw new Error(`${file}: character "${ch}" cannot be drawn with the standard fonts`);
  }
}

interface Column {
  left: number;
  width: number;
}

// A two-column resume: the main text on the right, a narrow sidebar (contact, skills, languages)
// on the left of the first page, as many designed templates lay them out.
const SIDEBAR_WIDTH = 150;
const COLUMN_GAP = 22;

function drawTwoColumns(doc: Doc, source: string): void {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const split = lines.findIndex((line) => line.trim() === '#! sidebar');
  const main = lines.slice(1, split < 0 ? undefined : split).join('\n');
  const sidebar = split < 0 ? '' : lines.slice(split + 1).join('\n');
  const full = doc.page.width - MARGIN * 2;
  const mainColumn = { left: MARGIN + SIDEBAR_WIDTH + COLUMN_GAP, width: full - SIDEBAR_WIDTH - COLUMN_GAP };
  doc.y = MARGIN;
  drawSource(doc, main, mainColumn);
  doc.switchToPage(0);
  doc.y = MARGIN;
  drawSource(doc, sidebar, { left: MARGIN, width: SIDEBAR_WIDTH });
}

function drawSource(doc: Doc, source: string, column: Column = { left: MARGIN, width: doc.page.width - MARGIN * 2 }): void {
  if (source.startsWith('#! two-column')) {
    drawTwoColumns(doc, source);
    return;
  }
  const { left: columnLeft, width } = column;
  for (const raw of source.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.trimEnd();
    doc.x = columnLeft;
    if (line === '') {
      doc.moveDown(0.6);
    } else if (line.startsWith('## ')) {
      doc.moveDown(0.8);
      doc.font(FONT.bold).fontSize(13).text(line.slice(3), columnLeft, undefined, { width });
      const y = doc.y + 1;
      doc
        .moveTo(columnLeft, y)
        .lineTo(columnLeft + width, y)
        .lineWidth(0.6)
        .strokeColor('#888888')
        .stroke();
      doc.moveDown(0.35);
    } else if (line.startsWith('# ')) {
      doc.font(FONT.bold).fontSize(18).text(line.slice(2), columnLeft, undefined, { width });
      doc.moveDown(0.15);
    } else if (line.startsWith('- ')) {
      doc
        .font(FONT.regular)
        .fontSize(BODY_SIZE)
        .text(`•  ${line.slice(2)}`, columnLeft + 10, undefined, { width: width - 10, lineGap: LINE_GAP });
      doc.moveDown(0.3);
    } else if (line.includes(' || ')) {
      const [left = '', right = ''] = line.split(' || ');
      if (width < 400) {
        // A narrow column has no room beside the title: the dates go on the line below, as
        // two-column templates set them.
        doc.font(FONT.bold).fontSize(BODY_SIZE).text(left, columnLeft, undefined, { width, lineGap: LINE_GAP });
        doc.font(FONT.regular).fontSize(BODY_SIZE).text(right, columnLeft, undefined, { width, lineGap: LINE_GAP });
        continue;
      }
      const y = doc.y;
      doc
        .font(FONT.bold)
        .fontSize(BODY_SIZE)
        .text(left, columnLeft, y, { width: width * 0.66, lineGap: LINE_GAP });
      const below = doc.y;
      doc.font(FONT.regular).fontSize(BODY_SIZE).text(right, columnLeft, y, { width, align: 'right', lineGap: LINE_GAP });
      doc.y = Math.max(below, doc.y);
    } else {
      doc.font(FONT.regular).fontSize(BODY_SIZE).text(line, columnLeft, undefined, { width, lineGap: LINE_GAP });
      doc.moveDown(0.1);
    }
  }
}

async function buildFromSource(sourcePath: string, options: PDFKit.PDFDocumentOptions = {}): Promise<string> {
  const source = readFileSync(sourcePath, 'utf8');
  checkCharacters(sourcePath, source);
  const pdf = await renderPdf(createDocument(options), (doc) => drawSource(doc, source));
  const target = sourcePath.replace(/\.txt$/, '.pdf');
  writeFileSync(target, pdf);
  return target;
}

// Letters outside WinAnsi (ü, ß, Cyrillic) need an embedded font: DejaVu Sans, drawn by the same
// drawSource as the labelled documents. (Registered under its own name: a TrueType font registered
// as "Helvetica" comes out without a usable text mapping.)
async function buildDegraded(): Promise<string[]> {
  if (!existsSync(join(DEJAVU, 'DejaVuSans.ttf'))) {
    console.warn('DejaVu Sans is not installed: fixtures/degraded not rebuilt (Debian: fonts-dejavu-core)');
    return [];
  }
  const written: string[] = [];
  for (const file of readdirSync(DEGRADED).sort()) {
    if (!file.endsWith('.txt')) continue;
    const sourcePath = join(DEGRADED, file);
    const source = readFileSync(sourcePath, 'utf8');
    const doc = createDocument();
    doc.registerFont('DejaVu', join(DEJAVU, 'DejaVuSans.ttf'));
    doc.registerFont('DejaVu-Bold', join(DEJAVU, 'DejaVuSans-Bold.ttf'));
    const target = sourcePath.replace(/\.txt$/, '.pdf');
    Object.assign(FONT, { regular: 'DejaVu', bold: 'DejaVu-Bold' });
    try {
      writeFileSync(target, await renderPdf(doc, (d) => drawSource(d, source)));
    } finally {
      Object.assign(FONT, { regular: 'Helvetica', bold: 'Helvetica-Bold' });
    }
    written.push(target);
  }
  return written;
}

async function buildLabelled(): Promise<string[]> {
  const written: string[] = [];
  for (const pair of readdirSync(LABELLED).sort()) {
    for (const name of ['resume', 'jd']) {
      const sourcePath = join(LABELLED, pair, `${name}.txt`);
      if (existsSync(sourcePath)) written.push(await buildFromSource(sourcePath, { bufferPages: true }));
    }
  }
  return written;
}

async function buildExamples(): Promise<string[]> {
  const written: string[] = [];
  for (const file of readdirSync(EXAMPLES).sort()) {
    if (file.endsWith('.txt')) written.push(await buildFromSource(join(EXAMPLES, file)));
  }
  return written;
}

async function buildBad(): Promise<string[]> {
  mkdirSync(BAD, { recursive: true });
  const sample = readFileSync(join(LABELLED, '01-software-engineer', 'resume.txt'), 'utf8');
  const good = await renderPdf(createDocument(), (doc) => drawSource(doc, sample));
  const files: Record<string, Buffer> = {
    // Cut mid-file: the cross-reference table and trailer are gone.
    'truncated.pdf': good.subarray(0, Math.floor(good.length * 0.35)),
    'encrypted.pdf': await renderPdf(createDocument({ userPassword: 'open-sesame', ownerPassword: 'owner-secret', pdfVersion: '1.7' }), (doc) =>
      drawSource(doc, sample),
    ),
    // What a scanner without OCR produces, minus the pixels: pages with marks but no text.
    'image-only.pdf': await renderPdf(createDocument(), (doc) => {
      doc.rect(MARGIN, MARGIN, 300, 40).fill('#222222');
      for (let i = 0; i < 18; i++) doc.rect(MARGIN, 120 + i * 28, 200 + ((i * 37) % 260), 9).fill('#555555');
      doc.addPage();
      doc.rect(MARGIN, MARGIN, 420, 300).lineWidth(2).stroke('#333333');
    }),
    'not-a-pdf.pdf': Buffer.from(`${sample.split('\n').slice(0, 12).join('\n')}\n`, 'utf8'),
    'too-many-pages.pdf': await renderPdf(createDocument(), (doc) => {
      for (let page = 1; page <= 25; page++) {
        if (page > 1) doc.addPage();
        doc.font(FONT.regular).fontSize(12).text(`Appendix page ${page}: supporting material for the application.`);
      }
    }),
  };
  return Object.entries(files).map(([name, bytes]) => {
    const target = join(BAD, name);
    writeFileSync(target, bytes);
    return target;
  });
}

async function buildHostile(): Promise<string[]> {
  mkdirSync(HOSTILE, { recursive: true });
  const sample = readFileSync(join(LABELLED, '01-software-engineer', 'resume.txt'), 'utf8');
  // A normal resume with one line of 100,000 letters in a tiny font: a few KB once compressed, and
  // before the bounds it held a worker for seconds (the time grows with the square of the line).
  const longLine = await renderPdf(createDocument(), (doc) => {
    drawSource(doc, sample.split('\n').slice(0, 20).join('\n'));
    // Small enough that the whole line fits the page width: text outside the page is not extracted.
    doc.font(FONT.regular).fontSize(0.008).text('a'.repeat(100_000), MARGIN, doc.y, { lineBreak: false });
  });
  const target = join(HOSTILE, 'long-line.pdf');
  writeFileSync(target, longLine);
  return [target];
}

/**
 * A labelled resume rendered to pixels and placed in a PDF with no text layer: its first page
 * (`resume.pdf`), and both pages (`two-pages.pdf`, the scan whose OCR time is measured).
 */
async function buildScanned(): Promise<string[]> {
  const source = join(LABELLED, '01-software-engineer', 'resume.pdf');
  const work = mkdtempSync(join(tmpdir(), 'qa-fixture-'));
  try {
    try {
      execFileSync('pdftoppm', ['-r', '110', '-gray', '-png', '-f', '1', '-l', '2', source, join(work, 'page')]);
    } catch {
      console.warn('pdftoppm is not installed: fixtures/scanned not rebuilt (Debian: poppler-utils)');
      return [];
    }
    const images = readdirSync(work)
      .filter((name) => name.endsWith('.png'))
      .sort();
    if (images.length < 2) throw new Error('pdftoppm wrote fewer than two images');
    mkdirSync(SCANNED, { recursive: true });
    const written: string[] = [];
    for (const [name, pages] of [
      ['resume.pdf', images.slice(0, 1)],
      ['two-pages.pdf', images],
    ] as const) {
      const pdf = await renderPdf(createDocument({ margin: 0, autoFirstPage: false }), (doc) => {
        for (const image of pages) {
          doc.addPage({ margin: 0 });
          doc.image(join(work, image), 0, 0, { width: doc.page.width, height: doc.page.height });
        }
      });
      const target = join(SCANNED, name);
      writeFileSync(target, pdf);
      written.push(target);
    }
    return written;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const written = [
    ...(await buildLabelled()),
    ...(await buildBad()),
    ...(await buildHostile()),
    ...(await buildScanned()),
    ...(await buildDegraded()),
    ...(await buildExamples()),
  ];
  const root = resolve(__dirname, '..', '..', '..');
  for (const file of written) console.log(`wrote ${file.slice(root.length + 1)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
