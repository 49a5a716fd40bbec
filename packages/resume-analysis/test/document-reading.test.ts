import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseOffline, extractPdfText, type AnalysisResult } from '../src';
import { FIXTURES, loadPair, NOW, type LabelledPair } from './labelled-fixtures';

/** What the analysis cannot read is said in the result, not hidden behind a confident score. */

let software: LabelledPair;

async function analyseResume(file: string): Promise<AnalysisResult> {
  const resume = await extractPdfText(readFileSync(join(FIXTURES, 'degraded', file)), 'resume');
  return analyseOffline({ resumeLines: resume.lines, jdLines: software.jdLines, now: NOW });
}

beforeAll(async () => {
  software = await loadPair('01-software-engineer');
});

test('when the resume is in German, then the result names the language, says what was not read and is of low confidence', async () => {
  const result = await analyseResume('resume-de.pdf');
  expect(result.reading.resume).toEqual({ language: 'de', languageName: 'German', english: false });
  expect(result.reading.jd.english).toBe(true);
  expect(result.reading.confidence).toBe('low');
  expect(result.reading.notes[0]).toMatch(/^The resume appears to be in German; the analysis reads English only/);
  expect(result.reading.notes[0]).toMatch(/\d+ section headings?, \d+ dated roles? and \d+ education entr(y|ies) were recognised/);
});

test('when the resume is in Russian, then the result names the language and is of low confidence', async () => {
  const result = await analyseResume('resume-ru.pdf');
  expect(result.reading.resume).toEqual({ language: 'ru', languageName: 'Russian', english: false });
  expect(result.reading.confidence).toBe('low');
  // Its Russian headings and month names ("март 2021 – настоящее время") are not read, and the note says how little was.
  expect(result.reading.notes[0]).toMatch(
    /^The resume appears to be in Russian; .*\(0 section headings, \d dated roles? and 0 education entries were recognised\)/,
  );
});

test('when a resume has no dated roles and no sections, then it is English but flagged as read with low confidence', async () => {
  const result = await analyseResume('resume-no-dates.pdf');
  expect(result.reading.resume.english).toBe(true);
  expect(result.reading.confidence).toBe('low');
  expect(result.reading.notes).toEqual([
    expect.stringMatching(/^No dated roles were found in the resume/),
    expect.stringMatching(/^No section headings were recognised in the resume/),
  ]);
});

test('when both documents are ordinary English ones, then confidence is normal and there are no notes', () => {
  const result = analyseOffline({ resumeLines: software.resumeLines, jdLines: software.jdLines, now: NOW });
  expect(result.reading).toEqual({
    confidence: 'normal',
    resume: { language: 'en', languageName: 'English', english: true },
    jd: { language: 'en', languageName: 'English', english: true },
    notes: [],
  });
});
