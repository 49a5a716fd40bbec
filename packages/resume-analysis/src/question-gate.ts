import { questionDefects, takesAn, type DefectFinding } from './question-defects';
import { MIN_QUESTIONS, normaliseQuestion, type InterviewQuestion } from './question-schema';

/**
 * The gate every question passes before it is emitted, whoever wrote it (the offline writer or a
 * model). Slips that have one right answer are corrected (an article before a vowel, a doubled
 * word, a missing job title read as "a this role role"); anything still wrong is refused, and the
 * writer replaces the question rather than ship it.
 */

/** Words that, doubled, are not a slip ("had had", "that that"). */
const DOUBLE_ALLOWED = new Set(['had', 'that', 'is', 'do']);

/** Corrects the slips that have one right answer; leaves everything else as written. */
export function polishQuestion(text: string): string {
  let out = text
    // A job description without a title gives "this role": "a this role role" is "this role".
    .replace(/\b(?:a|an|the|this|your) this role role\b/gi, 'this role')
    .replace(/\bthis role role\b/gi, 'this role')
    .replace(/\b(?:a|an|the) this role\b/gi, 'this role')
    .replace(/\bAs this role\b/g, 'In this role')
    .replace(/\bas this role\b/g, 'in this role')
    .replace(/\bfirst (\d+) days as this role\b/gi, 'first $1 days in this role')
    // "your a year at …": a duration written for a sentence of its own.
    .replace(/\byour (?:a|an) (year|month)\b/g, 'your $1')
    .replace(/\byour over (\d)/g, 'your more than $1')
    .replace(/\byour nearly (\d)/g, 'your almost $1');
  out = out.replace(/\b([A-Za-z]{2,})(\s+)\1\b/gi, (whole, word: string, space: string) =>
    DOUBLE_ALLOWED.has(word.toLowerCase()) || whole.split(space)[0] !== whole.split(space)[1] ? whole : word,
  );
  // The article goes by sound and only the article changes: "an IT", "an FP&A", "a UX"; the word itself is never touched.
  out = out.replace(/\b(a|an|A|An) ([A-Za-z][\w&/-]*)/g, (_whole, article: string, word: string) => {
    const wanted = takesAn(word) ? 'an' : 'a';
    const right = article[0] === 'A' ? wanted.charAt(0).toUpperCase() + wanted.slice(1) : wanted;
    return `${right} ${word}`;
  });
  // A plural subject takes a plural verb: "your analytical skills were tested".
  out = out.replace(/\b(skills|abilities|tools|methods|techniques|systems|processes) was\b/gi, '$1 were');
  // A full stop written after a name that ends with one ("Inc.."); an ellipsis is left alone.
  out = out.replace(/(?<!\.)\.\.(?!\.)/g, '.');
  return out;
}

export type GateFinding = DefectFinding;

/** What stops a question from being usable as written; empty when it may be emitted. The gate and the evaluation use the same rules. */
export function gateFindings(question: string, headings: readonly string[] = [], earlier: readonly string[] = []): GateFinding[] {
  return questionDefects(question, headings, earlier);
}

/**
 * Gates questions someone else wrote (a model): each is polished and checked, and one that fails is
 * replaced by a spare of the same category (then of any), never emitted. Tops up to the minimum
 * from the spares.
 */
export function gateQuestions(
  questions: readonly InterviewQuestion[],
  spares: readonly InterviewQuestion[],
  headings: readonly string[] = [],
): { questions: InterviewQuestion[]; replaced: number } {
  const used = new Set<string>();
  const out: InterviewQuestion[] = [];
  const left = [...spares];
  let replaced = 0;
  const take = (category?: InterviewQuestion['category']): InterviewQuestion | undefined => {
    const index = left.findIndex((spare) => (!category || spare.category === category) && !used.has(normaliseQuestion(spare.question)));
    return index < 0 ? undefined : left.splice(index, 1)[0];
  };
  for (const question of questions) {
    const text = polishQuestion(question.question);
    const key = normaliseQuestion(text);
    if (
      !used.has(key) &&
      gateFindings(
        text,
        headings,
        out.map((kept) => kept.question),
      ).length === 0
    ) {
      used.add(key);
      out.push({ ...question, question: text });
      continue;
    }
    replaced += 1;
    const spare = take(question.category) ?? take();
    if (spare) {
      used.add(normaliseQuestion(spare.question));
      out.push(spare);
    }
  }
  while (out.length < MIN_QUESTIONS) {
    const spare = take();
    if (!spare) break;
    used.add(normaliseQuestion(spare.question));
    out.push(spare);
  }
  return { questions: out, replaced };
}
