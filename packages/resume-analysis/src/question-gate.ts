import { CONSONANT_SOUND, questionDefects, VOWEL_SOUND, type DefectFinding } from './question-defects';
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
  out = out.replace(/\b(a|an|A|An) ([A-Za-z][\w-]*)/g, (whole, article: string, word: string) => {
    if (word.length > 1 && word === word.toUpperCase()) return whole;
    const vowel = /^[aeiou]/i.test(word) ? !CONSONANT_SOUND.test(word) : VOWEL_SOUND.test(word);
    const wanted = vowel ? 'an' : 'a';
    const right = article[0] === 'A' ? wanted.charAt(0).toUpperCase() + wanted.slice(1) : wanted;
    return `${right} ${word}`;
  });
  return out;
}

/** An honour, award or grade quoted where a piece of work belongs. */
const HONOUR =
  /\b(?:dean'?s list|cum laude|summa|magna|honou?rs? (?:roll|society)|award(?:ed)?|scholarship|prize|valedictorian|first[- ]class|distinction|gpa|fellow(?:ship)?|out of \d[\d,]* (?:applicants|candidates|entrants)|(?:selected|chosen) (?:from|out of|as one of))\b/i;
const QUOTED = /"([^"]{1,400})"/g;

/** A quotation cut off mid-clause: it ends on a word that needs what follows. */
const DANGLING =
  /\b(?:and|or|of|the|a|an|to|for|with|by|in|on|at|from|including|identifying|using|across|into|while|which|that|through|via|over|under|within|between|as|per)$/i;

/** A date or season as a role's header gives it ("Summer 2012", "Aug 2012", "2019"). */
const HEADER_DATE = /^(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|spring|summer|autumn|fall|winter)[a-z]*\.? )?(?:19|20)\d\d\b/i;
/** A town with its US state or country code ("Austin, TX"). */
const TOWN_AND_CODE = /, [A-Z]{2}$/;

/**
 * A role's header the reading did not know as one: parts joined by a dash or bar, one of them a
 * date or a town ("Data Scientist — Summer 2012 and 2013", "Dell Seton Medical Center, Austin, TX —
 * 24-bed unit").
 */
function looksLikeHeader(span: string): boolean {
  const parts = span.split(/ [—–|] /).map((part) => part.trim());
  return parts.length >= 2 && parts.some((part) => HEADER_DATE.test(part) || TOWN_AND_CODE.test(part));
}

/** A line reduced to its words, so "Analyst — Acme, Rotterdam" and "Analyst, Acme" compare alike. */
function headerKey(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export interface GateFinding {
  defect: DefectFinding['defect'] | 'quotes-honour' | 'cut-quote';
  evidence: string;
}

/** What stops a question from being usable as written; empty when it may be emitted. */
export function gateFindings(question: string, headings: readonly string[] = []): GateFinding[] {
  const found: GateFinding[] = [...questionDefects(question, headings)];
  const lines = headings.map(headerKey).filter((line) => line.length >= 8);
  for (const match of question.matchAll(QUOTED)) {
    const span = match[1] ?? '';
    // A role's header quoted with or without its dates or town ("Analyst — Acme, Rotterdam") is still a header.
    const key = headerKey(span);
    if (looksLikeHeader(span) || (key.length >= 8 && lines.some((line) => line !== key && (line.startsWith(key) || key.startsWith(line))))) {
      found.push({ defect: 'quotes-header', evidence: span });
    }
    if (HONOUR.test(span) && span.split(/\s+/).length <= 12) found.push({ defect: 'quotes-honour', evidence: span });
    // "Design methods: GD&T, DFMEA, DFM" is a labelled list, however short.
    if (/^[\p{L}][\p{L} &/-]{1,30}:\s*\S/u.test(span) && span.includes(',')) found.push({ defect: 'quotes-list', evidence: span });
    // Cut at either end: it stops on a word that needs what follows, or starts mid-sentence ("…I take").
    if (DANGLING.test(span.trim()) || /^[…]|^\.\.\./.test(span.trim())) found.push({ defect: 'cut-quote', evidence: span });
  }
  return found;
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
    if (!used.has(key) && gateFindings(text, headings).length === 0) {
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
