import { redactContactDetails } from './contact-redaction';
import type { JobStructure } from './job-parser';
import type { MatchReport } from './match-report';
import { MIN_QUESTIONS, questionSetSchema, type InterviewQuestion } from './question-schema';
import type { ResumeStructure } from './resume-parser';

/**
 * Questions written by a model behind an OpenAI-compatible chat completions endpoint. The model sees
 * the extracted structure and the text of both documents with contact details redacted, so it can
 * correct what extraction missed; its answer must pass the same schema as the offline questions
 * (anything else is an error the caller falls back on) and then the same question gate.
 */

export interface LlmOptions {
  /** e.g. "http://localhost:11434/v1"; "/chat/completions" is appended. */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Whole request, including reading the answer. Default 20 s. */
  timeoutMs?: number;
}

class LlmQuestionError extends Error {
  override readonly name = 'LlmQuestionError';
}

export interface LlmBrief {
  /** Both documents as read, contact details redacted, each cut at MAX_DOCUMENT_CHARS. */
  documents: { resume: string; jobDescription: string };
  job: {
    title: string | null;
    requiredYears: number | null;
    required: string[];
    preferred: string[];
    responsibilities: string[];
  };
  candidate: {
    totalYears: number;
    roles: { title: string | null; organisation: string | null; years: number; highlights: string[] }[];
    projects: { name: string; highlights: string[] }[];
  };
  match: {
    score: number;
    matched: { skill: string; level: string; resumeLine: string }[];
    missing: { skill: string; level: string; jobLine: string }[];
    extra: string[];
  };
}

const DEFAULT_TIMEOUT_MS = 20_000;
/** Enough for a long resume; bounds what one request sends. */
const MAX_DOCUMENT_CHARS = 12_000;

const SYSTEM_PROMPT = [
  'You are an experienced interviewer preparing tailored interview questions.',
  'You receive a job description and a candidate resume: their text (contact details removed) and a JSON summary extracted from it.',
  'The summary can be wrong (a missed role, a skill reported missing that the resume shows in other words): trust the text where they differ.',
  `Reply with one JSON object: {"questions": [...]} holding ${MIN_QUESTIONS} to 16 questions, none repeated.`,
  'Each question: {"category": "technical"|"gap"|"experience"|"behavioural"|"scenario", "skill": string (optional),',
  '"difficulty": "easy"|"medium"|"hard", "question": string, "why": string, "lookFor": string}.',
  "technical: probe matched skills against the candidate's own resume lines. gap: probe missing required skills.",
  "experience: name the candidate's roles and projects. behavioural and scenario: come from the job responsibilities.",
  '"why" quotes the resume or job description line that led to the question; "lookFor" says what a good answer covers.',
  'Never ask how the candidate would learn something the resume shows; never quote a skills list, a heading, a place or an award as an achievement.',
  'Where it applies, ask about a career change, over- or under-qualification, leadership for a lead role and gaps in employment.',
  'Use every category at least twice. Vary the phrasing. Output JSON only.',
].join(' ');

export function briefFor(resume: ResumeStructure, job: JobStructure, match: MatchReport): LlmBrief {
  const textOf = (lines: readonly { text: string }[]) => redactContactDetails(lines.map((line) => line.text).join('\n')).slice(0, MAX_DOCUMENT_CHARS);
  return {
    documents: { resume: textOf(resume.lines), jobDescription: textOf(job.lines) },
    job: {
      title: job.title,
      requiredYears: job.requiredYears,
      required: job.required.map((requirement) => requirement.skill),
      preferred: job.preferred.map((requirement) => requirement.skill),
      responsibilities: job.responsibilities.slice(0, 12).map((line) => line.text),
    },
    candidate: {
      totalYears: resume.totalYears,
      roles: resume.roles.slice(0, 6).map((role) => ({
        title: role.title,
        organisation: role.organisation,
        years: role.years,
        highlights: role.highlights.slice(0, 4).map((line) => line.text),
      })),
      projects: resume.projects.slice(0, 4).map((project) => ({
        name: project.name,
        highlights: project.highlights.slice(0, 3).map((line) => line.text),
      })),
    },
    match: {
      score: match.score,
      matched: match.matched.map((skill) => ({ skill: skill.skill, level: skill.level, resumeLine: skill.evidence.line })),
      missing: match.missing.map((skill) => ({ skill: skill.skill, level: skill.level, jobLine: skill.jobEvidence.text })),
      extra: match.extra.map((skill) => skill.skill),
    },
  };
}

export async function generateQuestionsWithLlm(brief: LlmBrief, options: LlmOptions): Promise<InterviewQuestion[]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const url = `${options.baseUrl.replace(/(?<!\/)\/+$/, '')}/chat/completions`;
  let body: unknown;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model: options.model,
        temperature: 0,
        response_format: { type: 'json_object' },
        messages: [
          { role: 'system', content: SYSTEM_PROMPT },
          { role: 'user', content: JSON.stringify(brief) },
        ],
      }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) throw new LlmQuestionError(`model service answered HTTP ${response.status}`);
    const raw = await response.text();
    try {
      body = JSON.parse(raw);
    } catch {
      throw new LlmQuestionError('model service sent a body that is not JSON');
    }
  } catch (error) {
    if (error instanceof LlmQuestionError) throw error;
    const name = (error as { name?: string } | null)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') throw new LlmQuestionError(`no answer within ${timeoutMs} ms`);
    throw new LlmQuestionError(`model service unreachable: ${(error as Error).message}`);
  }
  return questionsFrom(body);
}

function questionsFrom(body: unknown): InterviewQuestion[] {
  const content = (body as { choices?: { message?: { content?: unknown } }[] } | null)?.choices?.[0]?.message?.content;
  if (content === undefined || content === null) throw new LlmQuestionError('answer has no message content');
  let parsed: unknown = content;
  if (typeof content === 'string') {
    try {
      // Some models wrap JSON in a Markdown fence despite response_format.
      parsed = JSON.parse(content.trim().replace(/^```(?:json)?\s*|(?<!\s)\s*```$/g, ''));
    } catch {
      throw new LlmQuestionError('answer content is not JSON');
    }
  }
  const result = questionSetSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new LlmQuestionError(`answer does not match the question schema (${issue?.path.join('.') || 'root'}: ${issue?.message ?? 'invalid'})`);
  }
  return result.data.questions.map((question) => ({
    category: question.category,
    ...(question.skill ? { skill: question.skill } : {}),
    difficulty: question.difficulty,
    question: question.question,
    why: question.why,
    lookFor: question.lookFor,
  }));
}
