import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DocumentError, extractPdfText, ocrAvailable, pdfOcr, type DocumentLine } from '../src';
import type { LabelledRequirement } from '../scripts/evaluation';

/** The labelled resume/job-description pairs in fixtures/labelled, read from their PDFs. */

export const FIXTURES = join(__dirname, '..', 'fixtures');
export const LABELLED = join(FIXTURES, 'labelled');
export const BAD = join(FIXTURES, 'bad');
/** The date the labels' years were computed for. */
export const NOW = '2025-06-15';

export interface Expected {
  id: string;
  role: string;
  /** How the labels were written (pairs labelled without seeing the taxonomy say so). */
  labelling?: string;
  resume: {
    file: string;
    skills: string[];
    roles: number;
    totalYears: number;
    education: number;
    /** The candidate's current (latest) job title, as written. */
    candidateTitle?: string;
    /** Each degree with the institution that awarded it. */
    degrees?: { degree: string; institution: string }[];
  };
  jd: {
    file: string;
    title: string;
    requiredYears: number | null;
    required: string[];
    preferred: string[];
    mentioned: string[];
    /** Every requirement as a recruiter reads it, one per concept, with whether the resume shows it (LABELLING.md). */
    requirements?: LabelledRequirement[];
  };
  /** The programs that made the PDFs, for pairs whose PDFs were not made by scripts/make-fixtures.ts. */
  producers?: { resume: string; jd: string };
  /** A hiring manager's 0–100 fit rating of this resume for this job, written before seeing the analysis. */
  fit?: number;
  /**
   * Structure the parser is known to read differently from a blind label: what it finds instead and
   * why. The test holds the parser to `found`, so a change either way is noticed.
   */
  knownGaps?: Partial<Record<StructureField, { found: number | string | null; why: string }>>;
}

export type StructureField = 'roles' | 'totalYears' | 'education' | 'title' | 'requiredYears';

export interface LabelledPair {
  id: string;
  expected: Expected;
  resumePdf: Buffer;
  jdPdf: Buffer;
  resumeLines: DocumentLine[];
  jdLines: DocumentLine[];
}

/** The pair folders of a set laid out like fixtures/labelled (the committed set unless another is named). */
export function pairIds(set: string = LABELLED): string[] {
  return readdirSync(set, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

export async function loadPair(id: string, set: string = LABELLED): Promise<LabelledPair> {
  const expected = JSON.parse(readFileSync(join(set, id, 'expected.json'), 'utf8')) as Expected;
  const resumePdf = readFileSync(join(set, id, expected.resume.file));
  const jdPdf = readFileSync(join(set, id, expected.jd.file));
  // A scanned pair is read by OCR, as the service reads it, where the OCR programs are installed.
  // The time limit is the service's business (its own tests); on a loaded machine OCR of one page
  // can take longer than its default, which says nothing about what the pair measures.
  const limits = { timeoutMs: 120_000, ...((await ocrAvailable()) ? { ocr: pdfOcr } : {}) };
  const [resume, jd] = [await extractPdfText(resumePdf, 'resume', limits), await extractPdfText(jdPdf, 'jd', limits)];
  return { id, expected, resumePdf, jdPdf, resumeLines: resume.lines, jdLines: jd.lines };
}

/** Time for a hook that loads every pair: 48 PDFs, one of them read by OCR, on a machine that may be busy. */
export const LOAD_ALL_PAIRS_MS = 180_000;

/** Every pair; a scanned one is left out where no OCR programs are installed (test:unit runs without them). */
export async function loadAllPairs(set: string = LABELLED): Promise<LabelledPair[]> {
  const pairs: LabelledPair[] = [];
  for (const id of pairIds(set)) {
    try {
      pairs.push(await loadPair(id, set));
    } catch (error) {
      if (error instanceof DocumentError && error.reason === 'no_text' && !(await ocrAvailable())) continue;
      throw error;
    }
  }
  return pairs;
}

/** The pairs whose PDFs other programs made (Chromium, LibreOffice, groff, a scan), the fairer test of reading. */
export const madeElsewhere = (pair: LabelledPair): boolean => pair.expected.producers !== undefined;
