// tinyld's light model: CommonJS (so the worker threads and the tests load it as they load the rest),
// no dependencies, about 70 ms to load, and it tells the European languages and Russian apart on a
// few lines of text.
import { detect } from 'tinyld/light';
import type { JobStructure } from './job-parser';
import type { ResumeStructure } from './resume-parser';

/**
 * How well the documents could be read, said plainly: the language each is written in (the analysis
 * reads English only) and whether the resume's structure was found. A result that rests on little
 * carries `confidence: 'low'` and notes that name what was not read, so nobody takes a confident
 * score of a German resume or of a page without dated roles at face value.
 */

export interface DocumentReading {
  /** ISO 639-1 code of the language detected, or null when there is too little text to tell. */
  language: string | null;
  /** The language's English name ("German"), or null. */
  languageName: string | null;
  english: boolean;
}

export interface ReadingReport {
  /** `low` when a document is not in English, or the resume has no recognised sections, or no dated roles and no education. */
  confidence: 'normal' | 'low';
  resume: DocumentReading;
  jd: DocumentReading;
  /** One sentence per problem, naming what could not be read. */
  notes: string[];
}

/** Below this many letters in prose lines a language guess is noise (a name and an email address). */
const MIN_LETTERS = 120;
/** A line counts as prose (worth a vote) with at least this many words; headings, dates and contact lines do not. */
const MIN_WORDS = 6;
/** Enough prose to tell, and bounded for a long document. */
const SAMPLE_CHARS = 1200;
const names = new Intl.DisplayNames(['en'], { type: 'language' });

/**
 * The language of a document, read from its prose lines only: on the whole text the detector is
 * swayed by names, places, dates and contact lines (an English resume full of
 * "Jan 2022 – Present | Bristol" came out as Hindi).
 */
export function readingOf(text: string): DocumentReading {
  const prose: string[] = [];
  let length = 0;
  for (const line of text.split('\n')) {
    if (length >= SAMPLE_CHARS) break;
    if (line.split(/\s+/).filter((word) => /\p{L}{2}/u.test(word)).length < MIN_WORDS) continue;
    prose.push(line);
    length += line.length;
  }
  const sample = prose.join('\n');
  const language = sample.replace(/[^\p{L}]/gu, '').length >= MIN_LETTERS ? detect(sample) || null : null;
  return { language, languageName: language ? (names.of(language) ?? language) : null, english: language === null || language === 'en' };
}

export function readingReport(
  texts: { resume: string; jd: string },
  resume: Pick<ResumeStructure, 'roles' | 'sections' | 'education'>,
  job: Pick<JobStructure, 'title' | 'required' | 'preferred'>,
): ReadingReport {
  const readings = { resume: readingOf(texts.resume), jd: readingOf(texts.jd) };
  const notes: string[] = [];
  const headings = resume.sections.filter((section) => section.heading !== null).length;
  const label = { resume: 'resume', jd: 'job description' } as const;
  for (const file of ['resume', 'jd'] as const) {
    const reading = readings[file];
    if (reading.english) continue;
    const read =
      file === 'resume'
        ? `${headings} section heading${headings === 1 ? '' : 's'}, ${resume.roles.length} dated role${resume.roles.length === 1 ? '' : 's'} and ${resume.education.length} education entr${resume.education.length === 1 ? 'y' : 'ies'} were recognised`
        : `${job.required.length + job.preferred.length} requirement${job.required.length + job.preferred.length === 1 ? '' : 's'} and ${job.title ? 'the title' : 'no title'} were recognised`;
    notes.push(
      `The ${label[file]} appears to be in ${reading.languageName ?? reading.language}; the analysis reads English only, so its headings, dates and wording were not read (${read}): the match and the questions below rest on the English words alone.`,
    );
  }
  let low = notes.length > 0;
  if (resume.roles.length === 0 && resume.education.length > 0 && headings > 0) {
    // A student or graduate: studies, honours and clubs are there and are not work; said, not doubted.
    notes.push(
      'No paid roles were found in the resume: its experience counts as 0 years; education, honours, clubs and volunteering are not counted as work.',
    );
  } else if (resume.roles.length === 0) {
    notes.push('No dated roles were found in the resume, so its experience years (0) and the role-by-role reading are not reliable.');
    low = true;
  }
  if (headings === 0) {
    notes.push(
      'No section headings were recognised in the resume, so its skills were read from the whole text without knowing where they came from.',
    );
    low = true;
  }
  return { confidence: low ? 'low' : 'normal', ...readings, notes };
}
