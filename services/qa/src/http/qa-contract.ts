import { documentAs, wholeNumberParam } from '@app/common';
import { z } from 'zod';
import { DIFFICULTIES, QUESTION_CATEGORIES } from '@app/resume-analysis';
import { DOCUMENT_PARTS, JOB_STATUSES } from '../domain/qa-job';

// The QA routes' requests and answers as zod schemas: the routes validate with the request
// schemas, and the OpenAPI document is made from all of them.

export const listJobsQuery = z.strictObject({
  limit: wholeNumberParam(1, 100, { default: 20 }).optional(),
  page: wholeNumberParam(1, 1_000_000, { default: 1 }).optional(),
});

export const getJobQuery = z.strictObject({
  include: z
    .enum(['lines'])
    .optional()
    .meta({
      description:
        '`lines`: the result also carries every line of both documents (`result.resume.lines`, `result.job.lines`), contact ' +
        'details redacted. Without it the result carries only the lines it cites.',
    }),
});

/** A job id as it appears in a path; anything that is not one of our ids is a 404, never a 400. */
export const jobIdParam = documentAs(z.string(), { type: 'string', format: 'uuid' });

export const preferHeader = z
  .string()
  .max(1024)
  .optional()
  .meta({
    description:
      'RFC 7240 `wait=N`: wait up to N seconds (at most QA_MAX_WAIT_SECONDS, 60) for the job to finish. If it finishes in time ' +
      'the answer is 200 with the finished job, otherwise 202. The honoured wait is echoed in Preference-Applied. Other preferences are ignored.',
    examples: ['wait=30'],
  });

const pdf = (description: string) =>
  ({
    type: 'string',
    format: 'binary',
    contentMediaType: 'application/pdf',
    // What the service checks on upload: the content starts like a PDF. Whether it is a readable one is the job's outcome.
    pattern: '^%PDF-',
    description,
  }) as const;

export const uploadBody = {
  type: 'object',
  required: ['resume', 'jd'],
  additionalProperties: false,
  properties: {
    resume: pdf("The candidate's resume (PDF, at most QA_MAX_FILE_BYTES, 5 MB)."),
    jd: pdf('The job description (PDF, at most QA_MAX_FILE_BYTES, 5 MB).'),
  },
} as const;

const jobStatus = z.enum(JOB_STATUSES).meta({ id: 'JobStatus' });
const part = z.enum(DOCUMENT_PARTS);

export const jobAcceptedAnswer = z.object({ id: z.uuid(), status: z.enum(['queued', 'active']) }).meta({ id: 'JobAccepted' });

const storedFile = z
  .object({
    name: z.string(),
    size: z.number().int().min(0).meta({ description: 'Bytes' }),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .meta({ id: 'StoredFile' });

const jobError = z
  .object({
    reason: z.string().meta({ description: '`invalid_document` (a bad upload, not retried) or `processing_failed`' }),
    message: z.string(),
    files: z.array(part),
    problems: z
      .array(
        z.object({
          file: part,
          reason: z.string().meta({
            description:
              'encrypted, no_text (no text layer, and OCR found none or is off), malformed (damaged: it could not be read ' +
              'or rendered), too_many_pages (counted or claimed by its page tree), too_much_text (QA_MAX_TEXT_CHARS), ' +
              'line_too_long (QA_MAX_LINE_CHARS), too_much_compressed_data (QA_PDF_MAX_STREAM_MB, QA_PDF_MAX_DECODED_MB), ' +
              'too_complex (QA_PDF_MAX_OBJECTS, QA_PDF_MAX_NESTING), image_too_large (QA_OCR_MAX_IMAGE_MEGAPIXELS), ' +
              'timeout (QA_ANALYSIS_TIMEOUT_MS) or memory_limit (QA_ANALYSIS_PROCESS_MB). None is retried; the message ' +
              'names the file, the limit and what happened, never a program, a path or a library message.',
          }),
          message: z.string(),
        }),
      )
      .optional(),
  })
  .meta({ id: 'JobError' });

export const jobProgressAnswer = z
  .object({
    id: z.uuid(),
    status: jobStatus,
    progress: z.number().int().min(0).max(100),
    stage: z.string().meta({ description: 'queued, started, parse-resume, parse-jd, analyse, store, retrying, completed, failed' }),
    attempts: z.number().int().min(0),
  })
  .meta({ id: 'QaJobProgress' });

// The parts of a result a client shows (score, skills with evidence, questions) are stated in
// full; the parsed resume and job description are open objects, as they grow with the parsers.
const category = z.string().meta({ description: 'A skill category of the taxonomy, or `other`' });
const level = z.enum(['required', 'preferred']);
const lineRef = z.object({ text: z.string(), page: z.number().int(), lineNo: z.number().int() }).meta({ id: 'LineRef' });
const skillEvidence = z
  .object({
    line: z.string().meta({ description: 'The resume line (joined where the PDF wrapped it), contact details redacted' }),
    text: z.string().optional().meta({ description: 'The words in the line that name the skill' }),
    page: z.number().int(),
    lineNo: z.number().int(),
    section: z.string(),
  })
  .meta({ id: 'SkillEvidence' });
const resumeSkill = z.object({ skill: z.string(), category, evidence: skillEvidence, mentions: z.number().int().min(1) }).meta({ id: 'ResumeSkill' });
const skillPart = z.object({ weight: z.number(), points: z.number(), matched: z.number().int(), total: z.number().int() });
const matchReport = z
  .object({
    score: z.number().min(0).max(100),
    parts: z.object({
      requiredSkills: skillPart,
      preferredSkills: skillPart,
      experience: z.object({
        weight: z.number(),
        points: z.number(),
        requiredYears: z.number().nullable(),
        candidateYears: z.number(),
        relevantYears: z.number().meta({ description: 'Years in roles of the same line of work as the job; other years count half' }),
      }),
      education: z.object({
        weight: z.number(),
        points: z.number(),
        asked: z.string().nullable().meta({ description: "The job description's line asking for a degree; the part applies only when there is one" }),
        degree: z.string().nullable(),
      }),
      seniority: z.object({
        weight: z.number(),
        points: z.number(),
        job: z.number().int().meta({ description: '0 the rest, 1 senior, 2 manager or lead, 3 director or head' }),
        candidate: z.number().int(),
      }),
    }),
    matched: z.array(
      z.object({
        skill: z.string(),
        category,
        level,
        source: z.enum(['taxonomy', 'phrase']),
        evidence: skillEvidence,
        by: z.enum(['named', 'related', 'description']).meta({
          description:
            'named: the skill or an alias; related: a narrower skill or tool (in `via`); description: the line describes doing it (`via` quotes the words)',
        }),
        via: z.string().optional(),
      }),
    ),
    missing: z.array(
      z.object({
        skill: z.string(),
        category,
        level,
        source: z.enum(['taxonomy', 'phrase']),
        jobEvidence: lineRef,
        coveredBy: z.string().optional().meta({ description: 'A resume skill the job accepts instead' }),
      }),
    ),
    extra: z.array(resumeSkill),
  })
  .meta({ id: 'MatchReport' });
const interviewQuestion = z
  .object({
    category: z.enum(QUESTION_CATEGORIES),
    skill: z.string().optional(),
    difficulty: z.enum(DIFFICULTIES),
    question: z.string(),
    why: z.string(),
    lookFor: z.string(),
  })
  .meta({ id: 'InterviewQuestion' });
const documentLine = z
  .object({
    text: z.string().meta({ description: 'Contact details redacted' }),
    page: z.number().int(),
    lineNo: z.number().int(),
    section: z.string(),
  })
  .meta({ id: 'DocumentLine' });
const everyLine = z
  .array(documentLine)
  .optional()
  .meta({ description: 'Every line of the document, contact details redacted: only when asked for with `include=lines`' });
const documentSummary = z.object({ pages: z.number().int(), textSource: z.enum(['text', 'ocr']) }).meta({ id: 'DocumentSummary' });
const documentReading = z
  .object({
    language: z.string().nullable().meta({ description: 'ISO 639-1 code of the language detected; null when there is too little prose to tell' }),
    languageName: z.string().nullable().meta({ description: 'The language in English, e.g. German' }),
    english: z.boolean(),
  })
  .meta({ id: 'DocumentReading' });
const readingReport = z
  .object({
    confidence: z.enum(['normal', 'low']).meta({
      description:
        '`low` when a document is not in English or the resume has no dated roles or no recognised sections: read the score and questions with care',
    }),
    resume: documentReading,
    jd: documentReading,
    notes: z.array(z.string()).meta({ description: 'One sentence per problem, naming what could not be read' }),
  })
  .meta({ id: 'ReadingReport' });
const analysisResult = z
  .object({
    generator: z.enum(['offline', 'llm']),
    fallbackReason: z.string().optional().meta({ description: 'Why the model was not used, when one was configured' }),
    resume: z.looseObject({ skills: z.array(resumeSkill), lines: everyLine }),
    job: z.looseObject({ lines: everyLine }),
    match: matchReport,
    reading: readingReport.optional().meta({ description: 'How confidently the documents were read (absent in results from before it existed)' }),
    questions: z.array(interviewQuestion),
    documents: z
      .object({ resume: documentSummary, jd: documentSummary })
      .optional()
      .meta({ description: "Per file: pages, and textSource `text` (the PDF's text layer) or `ocr` (read from page images)" }),
  })
  .meta({ id: 'AnalysisResult' });

const jobSummaryFields = {
  id: z.uuid(),
  status: jobStatus,
  progress: z.number().int().min(0).max(100),
  stage: z.string(),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
  durationMs: z.number().int().min(0).nullable().meta({ description: 'From the start of processing to its end' }),
  attempts: z.number().int().min(0).meta({ description: 'Processing attempts started so far' }),
  error: jobError.optional().meta({ description: 'When failed: why' }),
  files: z.object({ resume: storedFile, jd: storedFile }),
};

export const jobSummaryAnswer = z.object(jobSummaryFields).meta({ id: 'QaJobSummary' });

export const jobAnswer = z
  .object({
    ...jobSummaryFields,
    result: analysisResult.optional().meta({ description: 'When completed: the analysis' }),
  })
  .meta({ id: 'QaJob' });

export const jobPageAnswer = z
  .object({
    items: z.array(jobSummaryAnswer),
    page: z.number().int().min(1),
    limit: z.number().int().min(1).max(100),
    total: z.number().int().min(0),
  })
  .meta({ id: 'QaJobPage' });
