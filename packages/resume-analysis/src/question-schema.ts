import { z } from 'zod';

/** One schema for questions, whether the offline generator or a model wrote them. */

export const QUESTION_CATEGORIES = ['technical', 'gap', 'experience', 'behavioural', 'scenario'] as const;
export const DIFFICULTIES = ['easy', 'medium', 'hard'] as const;
export const MIN_QUESTIONS = 12;

export type QuestionCategory = (typeof QUESTION_CATEGORIES)[number];
export type Difficulty = (typeof DIFFICULTIES)[number];

export const interviewQuestionSchema = z.object({
  category: z.enum(QUESTION_CATEGORIES),
  // Models often send null for "no skill"; it means the same as leaving it out.
  skill: z
    .string()
    .trim()
    .min(1)
    .nullish()
    .transform((value) => value ?? undefined),
  difficulty: z.enum(DIFFICULTIES),
  question: z.string().trim().min(15),
  why: z.string().trim().min(10),
  lookFor: z.string().trim().min(10),
});

export type InterviewQuestion = {
  category: QuestionCategory;
  skill?: string;
  difficulty: Difficulty;
  question: string;
  why: string;
  lookFor: string;
};

export const questionSetSchema = z
  .object({ questions: z.array(interviewQuestionSchema).min(MIN_QUESTIONS).max(40) })
  .superRefine((value, context) => {
    const seen = new Set<string>();
    value.questions.forEach((question, index) => {
      const key = normaliseQuestion(question.question);
      if (seen.has(key)) {
        context.addIssue({ code: 'custom', message: 'repeated question', path: ['questions', index, 'question'] });
      }
      seen.add(key);
    });
  });

/** Questions that differ only in case, spacing or punctuation are the same question. */
export function normaliseQuestion(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
