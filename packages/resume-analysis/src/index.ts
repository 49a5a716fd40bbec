import { monthDateOf } from './date-ranges';
import { readingReport, type ReadingReport } from './document-reading';
import { linesFromText, type DocumentLine } from './document-lines';
import { parseJob, type JobStructure } from './job-parser';
import { briefFor, generateQuestionsWithLlm, type LlmOptions } from './llm-questions';
import { buildMatchReport, resumeSkillsOf, type MatchReport, type ResumeSkill } from './match-report';
import { extractPdfTexts, type PdfLimits, type PdfText } from './pdf-text';
import { gateHeadings, generateQuestions } from './question-generator';
import { gateQuestions } from './question-gate';
import type { InterviewQuestion } from './question-schema';
import { parseResume, type ResumeStructure } from './resume-parser';

/**
 * The analysis library: a resume and a job description in, a match report and tailored
 * interview questions out. No HTTP or queue here; the same inputs (including `now`) give the
 * same result, and no network is needed unless `llm` options are passed.
 */

export interface AnalyseInput {
  resumeText?: string;
  /** Lines with positions (e.g. from `extractPdfText`); used instead of `resumeText`. */
  resumeLines?: readonly DocumentLine[];
  jdText?: string;
  jdLines?: readonly DocumentLine[];
  /** What "Present" means in date ranges. Default: the current date. */
  now?: Date | string;
  /** When given, questions are written by this model, falling back to the offline writer. */
  llm?: LlmOptions;
  /** Told when each step ends, with its start and end (ms since the epoch): the caller's trace shows them. */
  onStep?: StepReporter;
}

/** A step of the analysis after reading: structure and matching, then the questions. */
export type AnalysisStep = 'match' | 'questions';
export type StepReporter = (step: AnalysisStep, startedMs: number, endedMs: number) => void;

const clockMs = () => performance.timeOrigin + performance.now();

/** Runs `work`, telling `onStep` how long it took (also when it throws). */
function timed<T>(step: AnalysisStep, onStep: StepReporter | undefined, work: () => T): T {
  if (!onStep) return work();
  const started = clockMs();
  const report = () => onStep(step, started, clockMs());
  try {
    const result = work();
    if (result instanceof Promise) return result.finally(report) as T;
    report();
    return result;
  } catch (error) {
    report();
    throw error;
  }
}

export type AnalysisStage = 'parse-resume' | 'parse-jd' | 'analyse';

export interface AnalysePdfOptions {
  now?: Date | string;
  llm?: LlmOptions;
  limits?: PdfLimits;
  /** Told as each stage starts; a returned promise is awaited. */
  onProgress?: (stage: AnalysisStage) => unknown;
  onStep?: StepReporter;
}

export interface ResumeAnalysis extends ResumeStructure {
  skills: ResumeSkill[];
}

export interface AnalysisResult {
  generator: 'offline' | 'llm';
  /** Why the model's questions were not used, when `llm` was asked for. */
  fallbackReason?: string;
  resume: ResumeAnalysis;
  job: JobStructure;
  match: MatchReport;
  /** The documents' language and how confidently the resume's structure was read, with notes on what was not. */
  reading: ReadingReport;
  questions: InterviewQuestion[];
  /** Page counts and where the text came from (the text layer or OCR), when the input came from PDFs. */
  documents?: { resume: DocumentSummary; jd: DocumentSummary };
}

export interface DocumentSummary {
  pages: number;
  textSource: 'text' | 'ocr';
}

/** The whole analysis without a model: synchronous, deterministic, offline. */
export function analyseOffline(input: Omit<AnalyseInput, 'llm'>): AnalysisResult {
  const { resume, job, match, resumeSkills, reading } = analyseStructure(input);
  return {
    generator: 'offline',
    resume: { ...resume, skills: resumeSkills },
    job,
    match,
    reading,
    questions: generateQuestions({ resume, resumeSkills, job, match }),
  };
}

export async function analyse(input: AnalyseInput): Promise<AnalysisResult> {
  const { resume, job, match, resumeSkills, reading } = timed('match', input.onStep, () => analyseStructure(input));
  const base = { resume: { ...resume, skills: resumeSkills }, job, match, reading };
  if (!input.llm) {
    return {
      generator: 'offline',
      ...base,
      questions: timed('questions', input.onStep, () => generateQuestions({ resume, resumeSkills, job, match })),
    };
  }
  const llm = input.llm;
  const offline = generateQuestions({ resume, resumeSkills, job, match });
  return timed('questions', input.onStep, () => withModelQuestions({ generator: 'offline', ...base, questions: offline }, llm));
}

/**
 * Extraction and analysis together. Throws `DocumentsError` listing every unreadable document
 * (each a `DocumentError` naming the file and the reason) before any analysis is done.
 */
export async function analysePdfs(resumePdf: Uint8Array, jdPdf: Uint8Array, options: AnalysePdfOptions = {}): Promise<AnalysisResult> {
  const texts = await extractPdfTexts(resumePdf, jdPdf, options.limits, (file) =>
    options.onProgress?.(file === 'resume' ? 'parse-resume' : 'parse-jd'),
  );
  await options.onProgress?.('analyse');
  const result = await analyse({
    resumeLines: texts.resume.lines,
    jdLines: texts.jd.lines,
    ...(options.now !== undefined ? { now: options.now } : {}),
    ...(options.llm ? { llm: options.llm } : {}),
    ...(options.onStep ? { onStep: options.onStep } : {}),
  });
  const summary = (text: PdfText): DocumentSummary => ({ pages: text.pages, textSource: text.textSource });
  return { ...result, documents: { resume: summary(texts.resume), jd: summary(texts.jd) } };
}

/**
 * Replaces an offline result's questions with a model's, keeping the offline ones (and saying why)
 * when the model fails. Lets the bounded, CPU-bound part run apart from the network wait.
 */
export async function withModelQuestions(result: AnalysisResult, llm: LlmOptions): Promise<AnalysisResult> {
  try {
    const model = await generateQuestionsWithLlm(briefFor(result.resume, result.job, result.match), llm);
    // The model's questions pass the offline writer's gate; a failing one is replaced by an offline question.
    const { questions } = gateQuestions(model, result.questions, gateHeadings(result.resume));
    return { ...result, generator: 'llm', questions };
  } catch (error) {
    return { ...result, generator: 'offline', fallbackReason: error instanceof Error ? error.message : String(error) };
  }
}

function analyseStructure(input: AnalyseInput) {
  const resumeLines = input.resumeLines ?? linesFromText(input.resumeText ?? '');
  const jdLines = input.jdLines ?? linesFromText(input.jdText ?? '');
  const now = input.now === undefined ? new Date() : new Date(input.now);
  if (Number.isNaN(now.getTime())) throw new TypeError(`analyse: "now" is not a valid date: ${String(input.now)}`);
  const { structure: resume, mentions, quoteText } = parseResume(resumeLines, { now: monthDateOf(now) });
  const job = parseJob(jdLines);
  const resumeSkills = resumeSkillsOf(resume, mentions, quoteText);
  const match = buildMatchReport(resume, resumeSkills, job, quoteText);
  const textOf = (lines: readonly DocumentLine[]) => lines.map((line) => line.text).join('\n');
  const reading = readingReport({ resume: textOf(resumeLines), jd: textOf(jdLines) }, resume, job);
  return { resume, job, match, resumeSkills, reading };
}

export { DocumentError, DocumentsError, detailOf, type DocumentFile, type DocumentProblemReason } from './document-error';
export { extractPdfText, extractPdfTexts, preparePdfReader, type PdfLimits, type PdfOcr, type PdfText } from './pdf-text';
export { prepareLanguageModel } from './key-phrases';
export { createPdfOcr, DEFAULT_OCR_OPTIONS, pdfOcr, ocrAvailable, type OcrOptions } from './pdf-ocr';
export { checkPdfStructure, DEFAULT_STRUCTURE_LIMITS, type PdfStructureLimits } from './pdf-structure';
export { linesFromText, type DocumentLine } from './document-lines';
export type { DocumentReading, ReadingReport } from './document-reading';
export { redactContactDetails, redactDocumentLines } from './contact-redaction';
export { findSkillMentions, SKILLS, type SkillMention } from './skill-matcher';
export { SKILL_CATEGORIES, type SkillCategory } from './skill-taxonomy';
export type { LlmOptions } from './llm-questions';
export {
  QUESTION_CATEGORIES,
  DIFFICULTIES,
  interviewQuestionSchema,
  type InterviewQuestion,
  type QuestionCategory,
  type Difficulty,
} from './question-schema';
export type { JobStructure, JobRequirement } from './job-parser';
export type { MatchReport, MatchedSkill, MissingSkill, ResumeSkill, SkillEvidence } from './match-report';
export type { ResumeStructure, ResumeRole, ResumeEducation, ResumeProject, LineRef } from './resume-parser';
