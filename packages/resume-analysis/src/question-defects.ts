import { isLocation } from './locations';
import { findSkillMentions } from './skill-matcher';

/**
 * Defects an interviewer sees at a glance in a generated question, found by rule: the automatic half
 * of judging questions (the other half is a person's judgement, recorded with the labelled set).
 * Each rule names the evidence it found, so a report can show why a question was flagged.
 */

export type QuestionDefect = 'grammar' | 'quotes-list' | 'quotes-header' | 'bare-word' | 'location-as-role';

export interface DefectFinding {
  defect: QuestionDefect;
  evidence: string;
}

/** Words that, doubled, are not a slip ("had had", "that that" are grammatical). */
const DOUBLE_ALLOWED = new Set(['had', 'that', 'is', 'do']);
/** After "a": words that start with a vowel letter but a consonant sound ("a one-off", "a European", "a user"). */
// "u" sounds "you" before one consonant and a vowel (usage, utility, unanimous) and in "uni…" (unique,
// university), but not before two consonants or in a negation: an unfamiliar, an understanding, an uninformed.
export const CONSONANT_SOUND = /^(?:one|once|eu|u[bcfgklmrstv][aeiouy]|unan|uni(?![mn])|use|usu|ura)/i;
/** After "an": words that start with a consonant letter but a vowel sound ("an hour", "an honest"). */
export const VOWEL_SOUND = /^(?:hour|honest|honou?r|heir)/i;
const DETERMINERS = /\b(?:(?:a|an)\s+(?:this|that|the|these|those|your|our|their|his|her|its|my|a|an)|(?:your|our|their|the|this|my)\s+(?:a|an))\b/i;

const HEADINGS = new Set(
  [
    'skills',
    'technical skills',
    'core skills',
    'key skills',
    'core competencies',
    'competencies',
    'experience',
    'work experience',
    'professional experience',
    'employment history',
    'education',
    'qualifications',
    'certifications',
    'summary',
    'professional summary',
    'profile',
    'projects',
    'achievements',
    'awards',
    'honours',
    'honors',
    'interests',
    'languages',
    'references',
    'tools',
    'volunteering',
  ].map((heading) => heading.toLowerCase()),
);

const QUOTES: Readonly<Record<string, string>> = { '“': '”', '‘': '’', '"': '"', "'": "'" };

/** Text in quotation marks: 'straight', "double", ‘curly’ or “curly”; a straight single quote opens only after a space or "(" (not in "don't"). */
function quotedSpans(question: string): string[] {
  const spans: string[] = [];
  for (let i = 0; i < question.length; i++) {
    const close = QUOTES[question[i]!];
    if (!close) continue;
    if (question[i] === "'" && i > 0 && !/[\s(]/.test(question[i - 1]!)) continue;
    const end = question.indexOf(close, i + 1);
    if (end < 0 || end - i > 400) continue;
    const span = question.slice(i + 1, end).trim();
    if (span) spans.push(span);
    i = end;
  }
  return spans;
}

function grammar(question: string): string | null {
  for (const match of question.matchAll(/\b([A-Za-z]{2,})\s+\1\b/gi)) {
    const word = match[1]!.toLowerCase();
    if (match[0].split(/\s+/)[0]!.toLowerCase() === match[0].split(/\s+/)[1]!.toLowerCase() && !DOUBLE_ALLOWED.has(word)) return match[0];
  }
  const determiner = DETERMINERS.exec(question);
  if (determiner) return determiner[0];
  for (const match of question.matchAll(/\b(a|an)\s+([A-Za-z][\w-]*)/g)) {
    const [whole, article, word] = [match[0], match[1]!, match[2]!];
    // Acronyms are read letter by letter ("an SQL query", "a UX review"): left alone.
    if (word.length > 1 && word === word.toUpperCase()) continue;
    const vowel = /^[aeiou]/i.test(word);
    if (article === 'a' && vowel && !CONSONANT_SOUND.test(word)) return whole;
    if (article === 'an' && !vowel && !VOWEL_SOUND.test(word)) return whole;
  }
  return null;
}

/** A quotation that is nothing but a skill's name ("Data modeling"), quoted as if it were a claim. A project's name is not one. */
function isBareSkill(span: string): boolean {
  const mentions = findSkillMentions([{ text: span }]);
  const covered = mentions.reduce((total, mention) => total + mention.matchedText.length, 0);
  return covered >= span.replace(/[^\p{L}\p{N}]/gu, '').length * 0.6;
}

/** The defects of one question; `headings` adds the document's own section headings to the known ones. */
export function questionDefects(question: string, headings: readonly string[] = []): DefectFinding[] {
  const found: DefectFinding[] = [];
  const slip = grammar(question);
  if (slip) found.push({ defect: 'grammar', evidence: slip });
  const known = new Set([...HEADINGS, ...headings.map((heading) => heading.toLowerCase().trim())]);
  for (const span of quotedSpans(question)) {
    const separators = (span.match(/[•|·;▪]/g) ?? []).length;
    const commas = (span.match(/,/g) ?? []).length;
    const words = span.split(/\s+/).filter(Boolean);
    if (separators >= 2 || (commas >= 3 && words.length <= commas * 3)) found.push({ defect: 'quotes-list', evidence: span });
    else if (known.has(span.toLowerCase().replace(/:$/, ''))) found.push({ defect: 'quotes-header', evidence: span });
    else if (words.length <= 3 && isBareSkill(span)) found.push({ defect: 'bare-word', evidence: span });
  }
  // "As Birmingham at Warwickshire, …", "As / Birmingham at …": a place where a job title belongs.
  for (const clause of question.split(/[,.;?]/)) {
    const as = /\bas\s/i.exec(clause);
    if (!as) continue;
    const rest = clause.slice(as.index + as[0].length);
    const at = / (?:at|with|for) /.exec(rest);
    if (!at) continue;
    const role = rest
      .slice(0, at.index)
      .replace(/^[/\s]+/, '')
      .replace(/^an? /, '');
    const organisation = rest.slice(at.index + at[0].length).trim();
    if (isLocation(role) || isLocation(organisation)) found.push({ defect: 'location-as-role', evidence: clause.trim() });
  }
  // "from your time at Rotterdam": a place where the employer belongs.
  for (const match of question.matchAll(/\b(?:time|years?|months?|role|work)\s+(?:at|with)\s+([A-Z][^,.;?]{0,60})/g)) {
    if (isLocation(match[1]!.trim())) found.push({ defect: 'location-as-role', evidence: match[0] });
  }
  return found;
}
