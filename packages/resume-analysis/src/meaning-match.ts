import { CONCEPTS, type Concept } from './concept-evidence';
import { stemWord } from './key-phrases';
import type { ResumeSection, ResumeStructure } from './resume-parser';

/**
 * Evidence of a requirement the resume shows in other words: a narrower skill it names, or a line
 * describing the work. Words are compared as lemmas then stems ("prepared and filed taxes" and
 * "tax preparation" share "prepar" and "tax"; "led" is "lead"), within a few words of each other on
 * one line, so a long bullet does not match by accident.
 */

export type MatchBasis = 'named' | 'related' | 'description';

export interface MeaningHit {
  lineIndex: number;
  by: Exclude<MatchBasis, 'named'>;
  /** The narrower skill, or the words of the line that describe the work. */
  via: string;
}

/** Past forms the stemmer cannot bring back to their verb. */
const IRREGULAR: Readonly<Record<string, string>> = {
  led: 'lead',
  ran: 'run',
  built: 'build',
  wrote: 'write',
  written: 'write',
  taught: 'teach',
  bought: 'buy',
  sold: 'sell',
  made: 'make',
  drove: 'drive',
  driven: 'drive',
  oversaw: 'oversee',
  overseen: 'oversee',
  kept: 'keep',
  held: 'hold',
  gave: 'give',
  given: 'give',
  met: 'meet',
  brought: 'bring',
  won: 'win',
  grew: 'grow',
  grown: 'grow',
  began: 'begin',
  begun: 'begin',
  chose: 'choose',
  chosen: 'choose',
  spent: 'spend',
  sent: 'send',
  took: 'take',
  taken: 'take',
  set: 'set',
  cut: 'cut',
  put: 'put',
  paid: 'pay',
  undertook: 'undertake',
  undertaken: 'undertake',
};

/** "analyzing" and "analysing", "organization" and "organisation" are one word to the stemmer. */
function britishSpelling(word: string): string {
  return word.length > 6 ? word.replace(/([iy])z(e|es|ed|ing|ation|ations|er|ers)$/, '$1s$2') : word;
}

const STOP = new Set(['a', 'an', 'the', 'of', 'and', 'or', 'to', 'for', 'in', 'on', 'with', 'at', 'by', 'from', 'as', 'into', '&']);
/** Words between the words of one duty, at most. */
const WINDOW = 5;
/** Lines that describe work done; a skills list names things, a header is contact details. */
const DESCRIBING: ReadonlySet<ResumeSection> = new Set(['experience', 'projects', 'summary', 'certifications', 'other']);

// Stemming is the matcher's main cost and resumes repeat their words: remembered, up to a bound.
const NORMS = new Map<string, string>();
const MAX_REMEMBERED = 50_000;

export function normWord(word: string): string {
  const known = NORMS.get(word);
  if (known !== undefined) return known;
  const lower = word.toLowerCase();
  const norm = stemWord(IRREGULAR[lower] ?? britishSpelling(lower));
  if (NORMS.size >= MAX_REMEMBERED) NORMS.clear();
  NORMS.set(word, norm);
  return norm;
}

interface Word {
  text: string;
  start: number;
  end: number;
  /** Position in the line counted in whole words: the parts of "self-service" share one. */
  at: number;
}

/** A line's words with where each stands; a hyphenated compound is its parts ("data-quality checks" has "quality"). */
function wordsAt(text: string): Word[] {
  const words: Word[] = [];
  for (const match of text.matchAll(/[\p{L}\p{N}][\p{L}\p{N}&+#]*/gu)) {
    const previous = words[words.length - 1];
    const joined = previous !== undefined && previous.end === match.index - 1 && text[previous.end] === '-';
    const at = previous === undefined ? 0 : joined ? previous.at : previous.at + 1;
    words.push({ text: match[0], start: match.index, end: match.index + match[0].length, at });
  }
  return words;
}

function wordsOf(text: string): string[] {
  return wordsAt(text).map((word) => word.text);
}

interface Pattern {
  content: string[];
  /** One content word with stop words around it ("head of"): matched as the exact sequence. */
  sequence?: string[];
}

function patternOf(text: string): Pattern {
  const words = wordsOf(text).map(normWord);
  const content = words.filter((word) => !STOP.has(word));
  return content.length === 1 && words.length > 1 ? { content, sequence: words } : { content };
}

interface CompiledConcept {
  answers: { key: string; stems: string[] }[];
  narrower: readonly string[];
  duties: Pattern[];
}

const COMPILED: readonly CompiledConcept[] = CONCEPTS.map((concept: Concept) => ({
  answers: concept.answers.map((answer) => ({ key: answer.toLowerCase(), stems: patternOf(answer).content })),
  narrower: concept.narrower ?? [],
  duties: (concept.duties ?? []).map(patternOf).filter((pattern) => pattern.content.length > 0),
}));

/**
 * The concepts a requirement stands for: its taxonomy name exactly, or a phrase that contains every
 * word of one of the concept's answers, its last word (the head of the phrase) among them. "external
 * auditors" is about audit, but "training budget" is a budget, not training, and "organic traffic"
 * is not organisation however the stems compare.
 */
export function conceptsFor(requirement: { skill: string; source: 'taxonomy' | 'phrase' }): CompiledConcept[] {
  const name = requirement.skill.toLowerCase();
  const words = patternOf(requirement.skill).content;
  const stems = new Set(words);
  const head = words[words.length - 1];
  return COMPILED.filter((concept) =>
    concept.answers.some(
      (answer) =>
        answer.key === name ||
        (requirement.source === 'phrase' &&
          answer.stems.length > 0 &&
          answer.stems.every((stem) => stems.has(stem)) &&
          head !== undefined &&
          answer.stems.includes(head)),
    ),
  );
}

/** Where in a line's words a pattern occurs; the matched words as written, or null. */
function find(pattern: Pattern, norms: readonly string[], raw: readonly Word[], text: string): string | null {
  const quote = (lo: number, hi: number) => text.slice(raw[lo]?.start ?? 0, raw[hi]?.end ?? 0);
  if (pattern.sequence) {
    const sequence = pattern.sequence;
    for (let i = 0; i + sequence.length <= norms.length; i++) {
      if (sequence.every((word, k) => norms[i + k] === word)) return quote(i, i + sequence.length - 1);
    }
    return null;
  }
  const [first, ...rest] = pattern.content;
  if (first === undefined) return null;
  for (let i = 0; i < norms.length; i++) {
    if (norms[i] !== first) continue;
    const reach = WINDOW + rest.length;
    const at = raw[i]?.at ?? i;
    const positions = [i];
    // The words in reach, counted in whole words (the parts of "self-service" count once).
    let from = i;
    while (from > 0 && at - (raw[from - 1]?.at ?? 0) <= reach) from -= 1;
    const ok = rest.every((word) => {
      for (let j = from; j < norms.length && (raw[j]?.at ?? j) - at <= reach; j++) {
        if (norms[j] === word && !positions.includes(j)) {
          positions.push(j);
          return true;
        }
      }
      return false;
    });
    if (ok) {
      const lo = Math.min(...positions);
      const hi = Math.max(...positions);
      return quote(lo, hi);
    }
  }
  return null;
}

export interface MeaningMatcher {
  (requirement: { skill: string; source: 'taxonomy' | 'phrase'; category?: string }): MeaningHit | undefined;
}

/**
 * A matcher over one resume. `skillLines` gives, for each skill the resume names, the line that
 * shows it best (the one a named match would cite).
 */
export function meaningMatcher(resume: ResumeStructure, quoteText: readonly string[], skillLines: ReadonlyMap<string, number>): MeaningMatcher {
  const lines = resume.lines.map((line, index) => {
    const text = quoteText[index] ?? line.text;
    const raw = wordsAt(text);
    const norms = raw.map((word) => normWord(word.text));
    return { text, raw, norms, present: new Set(norms), describes: DESCRIBING.has(line.section) };
  });
  // Experience lines first: they show the work, a summary only claims it.
  const order = [...lines.keys()].filter((index) => lines[index]?.describes).sort((a, b) => sectionRank(resume, a) - sectionRank(resume, b) || a - b);
  return (requirement) => {
    const concepts = conceptsFor(requirement);
    if (concepts.length === 0) return undefined;
    for (const concept of concepts) {
      for (const skill of concept.narrower) {
        if (skill === requirement.skill) continue;
        const lineIndex = skillLines.get(skill);
        if (lineIndex === undefined) continue;
        // A soft skill is shown by work that uses it, not by another name in a skills list:
        // "Technical documentation" listed does not show communication, a manual written does.
        if (requirement.category === 'soft-skill' && !lines[lineIndex]?.describes) continue;
        return { lineIndex, by: 'related', via: skill };
      }
    }
    for (const concept of concepts) {
      for (const duty of concept.duties) {
        for (const index of order) {
          const line = lines[index];
          // Most lines lack one of the duty's words: a set look-up rules them out before any scan.
          if (!line || !duty.content.every((word) => line.present.has(word))) continue;
          const words = find(duty, line.norms, line.raw, line.text);
          if (words) return { lineIndex: index, by: 'description', via: words };
        }
      }
    }
    return undefined;
  };
}

function sectionRank(resume: ResumeStructure, index: number): number {
  const section = resume.lines[index]?.section;
  return section === 'experience' ? 0 : section === 'projects' ? 1 : 2;
}
