import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analysePdfs, DocumentError, DocumentsError, extractPdfText, extractPdfTexts } from '../src';
import { rejectionOf } from '@app/testkit/errors';
import { BAD, LABELLED, NOW } from './labelled-fixtures';

const bad = (name: string) => readFileSync(join(BAD, name));
const good = (pair: string, file: 'resume' | 'jd') => readFileSync(join(LABELLED, pair, `${file}.pdf`));

const problemOf = (promise: Promise<unknown>) => rejectionOf(promise, DocumentError);

describe('PDF text', () => {
  test('lines keep their page and line number', async () => {
    const text = await extractPdfText(good('07-registered-nurse', 'resume'), 'resume');
    expect(text.pages).toBe(2);
    // The name is set larger than the body text: the layout reader marks it as a heading candidate.
    expect(text.lines[0]).toEqual({ text: 'Grace Mensah, RN, BSN', page: 1, lineNo: 1, larger: true });
    expect(text.lines.some((line) => line.page === 2)).toBe(true);
    // A right-aligned date stays on the line of the title beside it.
    expect(text.lines.some((line) => /^Staff Nurse, Medical-Surgical Unit\s+Jun 2021 – Present$/.test(line.text))).toBe(true);
  });

  test.each([
    ['encrypted.pdf', 'encrypted', /password-protected/],
    ['image-only.pdf', 'no_text', /no extractable text/],
    ['truncated.pdf', 'malformed', /could not be read as a PDF/],
    ['not-a-pdf.pdf', 'malformed', /not a PDF file/],
    ['too-many-pages.pdf', 'too_many_pages', /25 pages; at most 20/],
  ])('%s is reported as %s, naming the file', async (name, reason, message) => {
    const error = await problemOf(extractPdfText(bad(name), 'jd'));
    expect(error).toBeInstanceOf(DocumentError);
    expect(error.name).toBe('DocumentError');
    expect(error).toMatchObject({ file: 'jd', reason });
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/job description/);
  });

  test('page and time limits are options', async () => {
    await expect(extractPdfText(bad('too-many-pages.pdf'), 'resume', { maxPages: 30 })).resolves.toMatchObject({ pages: 25 });
    const error = await problemOf(extractPdfText(good('01-software-engineer', 'resume'), 'resume', { timeoutMs: 1 }));
    expect(error).toMatchObject({ file: 'resume', reason: 'timeout' });
    expect(error.message).toMatch(/resume took longer than/);
    // The parser is still usable after a timed-out read.
    await expect(extractPdfText(good('01-software-engineer', 'resume'), 'resume')).resolves.toMatchObject({ pages: 2 });
  });

  test("both files are checked, and the other file's problems are reported too", async () => {
    let caught: unknown;
    try {
      await extractPdfTexts(bad('encrypted.pdf'), bad('image-only.pdf'));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DocumentsError);
    const errors = (caught as DocumentsError).errors;
    expect((caught as DocumentsError).name).toBe('DocumentsError');
    expect(errors.map((error) => [error.file, error.reason])).toEqual([
      ['resume', 'encrypted'],
      ['jd', 'no_text'],
    ]);
    expect((caught as Error).message).toMatch(/resume.*job description/);
  });

  test('one bad file is reported on its own, with the good one read', async () => {
    await expect(extractPdfTexts(good('02-data-analyst', 'resume'), bad('truncated.pdf'))).rejects.toMatchObject({
      name: 'DocumentsError',
      errors: [expect.objectContaining({ file: 'jd', reason: 'malformed' })],
    });
  });

  test('analysePdfs reports its stages in order and returns the analysis', async () => {
    const stages: string[] = [];
    const result = await analysePdfs(good('08-accountant', 'resume'), good('08-accountant', 'jd'), {
      now: NOW,
      onProgress: async (stage) => {
        stages.push(stage);
      },
    });
    expect(stages).toEqual(['parse-resume', 'parse-jd', 'analyse']);
    expect(result.generator).toBe('offline');
    expect(result.documents).toEqual({ resume: { pages: 2, textSource: 'text' }, jd: { pages: 2, textSource: 'text' } });
    expect(result.match.score).toBeGreaterThan(60);
    expect(result.questions.length).toBeGreaterThanOrEqual(12);
  });

  test('analysePdfs refuses unreadable documents before analysing', async () => {
    const stages: string[] = [];
    await expect(analysePdfs(bad('not-a-pdf.pdf'), bad('encrypted.pdf'), { onProgress: (stage) => void stages.push(stage) })).rejects.toMatchObject({
      name: 'DocumentsError',
      errors: [expect.objectContaining({ file: 'resume' }), expect.objectContaining({ file: 'jd' })],
    });
    expect(stages).toEqual(['parse-resume', 'parse-jd']);
  });
});
