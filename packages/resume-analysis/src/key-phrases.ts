import model from 'wink-eng-lite-web-model';
import winkNLP from 'wink-nlp';

/**
 * Key phrases of a job description that the skill taxonomy does not know ("discharge planning
 * audits", "CDL Class A", "HACCP"), so a job far from the taxonomy still gets requirements.
 * Noun phrases come from wink-nlp's part-of-speech tags; they are ranked by how often the
 * job description repeats them and whether they sit in its requirements.
 */

export interface PhraseSourceLine {
  text: string;
  /** Lines in the requirements count for more than lines describing the work. */
  weight: number;
  /** Words already matched as taxonomy skills on this line; phrases touching them are dropped. */
  skillWords: ReadonlySet<string>;
}

export interface KeyPhrase {
  phrase: string;
  /** Index into the lines passed in, of the first line it appears on. */
  lineIndex: number;
  score: number;
}

type Nlp = ReturnType<typeof winkNLP>;
// The model takes ~150 ms to load, so it is loaded on first use, not with the module.
let nlp: Nlp | null = null;
function language(): Nlp {
  nlp ??= winkNLP(model, ['sbd', 'pos']);
  return nlp;
}

/** Loads the language model now rather than in the first analysis (a pool's threads do this before a job's time limit starts). */
export function prepareLanguageModel(): void {
  language();
}

const GENERIC = new Set(
  (
    'experience experiences knowledge ability abilities skill skills understanding year years team teams role ' +
    'roles candidate candidates work environment company opportunity opportunities plus bonus degree field ' +
    'strong excellent good great proven solid deep demonstrated new various other key ideal successful time day ' +
    'days week weeks month months people business job position organisation organization level range part way ' +
    'ways things thing area areas best high needs requirement requirements responsibility responsibilities ' +
    'background proficiency familiarity exposure expertise passion interest minimum least salary benefits ' +
    'track ownership self starter attitude communication detail details mindset culture world class ' +
    'fast paced pace variety number lot lots range example examples use using able willing comfortable ' +
    'equivalent related relevant similar appropriate effective excellent outstanding exceptional hands hands-on ' +
    'plus nice bonus preferred required desirable advantage must ideally etc e.g i.e you we us our your their ' +
    'career growth development professional member members colleague colleagues stakeholders partner partners ' +
    'standard standards practice practices process processes tool tools system systems support project projects ' +
    'task tasks result results impact focus goal goals way daily weekly monthly role-based level-headed ' +
    'end fixes issues findings failures approach improvements changes uk us usa eu building main first new valid current ' +
    'accurate safe safely notice short board basis'
  ).split(/\s+/),
);

// Qualifiers that say how well or how much ("clear status updates", "tight deadlines", "maximum
// speed", "consistent track record"): the chunk describes how the work is done, in prose; a
// recruiter would name a skill behind it or nothing, so a chunk opening with one is no requirement.
const QUALIFIERS = new Set(
  (
    'clear clearly maximum minimal keen tight consistent detailed upcoming broader immediate pragmatic sound basic ' +
    'maintainable multiple correct timely several numerous'
  ).split(/\s+/),
);
const PHRASE_POS = new Set(['NOUN', 'PROPN', 'ADJ']);
// Imperative verbs that open duty bullets and that the tagger often reads as nouns ("Plan", "Book").
const DUTY_VERBS = new Set(
  (
    'plan book document review report measure build design lead manage own run write support track prepare provide ' +
    'maintain develop define keep help work use deliver create coordinate monitor ensure conduct perform drive improve ' +
    'follow administer recognize recognise teach mark act communicate turn carry investigate produce analyse analyze ' +
    'clean present partner collaborate mentor coach set handle process schedule train assess implement test complete ' +
    'deliver operate'
  ).split(/\s+/),
);
// A phrase about people ("product managers", "graduate nurses") is who the job works with, not a skill.
const PERSON_HEADS = new Set(
  (
    'engineer engineers manager managers analyst analysts nurse nurses developer developers designer designers ' +
    'scientist scientists team teams colleague colleagues customer customers student students pupil pupils people ' +
    'staff member members owner owners partner partners stakeholder stakeholders director directors broker brokers ' +
    'candidate candidates employer employers clients client users user families family patients patient ' +
    'professionals learners audience audiences mentors peers doctors physicians clinicians teachers parents guardians ' +
    'employees workers residents'
  ).split(/\s+/),
);
const HEAD_POS = new Set(['NOUN', 'PROPN']);
// Generic head nouns whose modifiers mean nothing on their own once the head is trimmed off.
const FRAGMENT_HEADS = new Set([
  'process',
  'processes',
  'development',
  'standards',
  'standard',
  'practice',
  'practices',
  'approach',
  'concepts',
  'principles',
]);
const MAX_PHRASE_LINE = 1000;
const ACRONYM = /^[A-Z][A-Z0-9&]{1,7}$/;

export function extractKeyPhrases(lines: readonly PhraseSourceLine[], limit = 8): KeyPhrase[] {
  const nlpInstance = language();
  const its = nlpInstance.its;
  const found = new Map<string, KeyPhrase & { display: string }>();
  lines.forEach((line, lineIndex) => {
    if (line.text.trim() === '') return;
    // wink's tokenizer slows down sharply on very long words; no phrase worth finding needs more.
    const doc = nlpInstance.readDoc(line.text.length > MAX_PHRASE_LINE ? line.text.slice(0, MAX_PHRASE_LINE) : line.text);
    // eslint-disable-next-line @typescript-eslint/unbound-method -- wink's its.* helpers are meant to be passed as they are
    const values = doc.tokens().out(its.value);
    // eslint-disable-next-line @typescript-eslint/unbound-method -- wink's its.* helpers are meant to be passed as they are
    const tags = doc.tokens().out(its.pos) as string[];
    // eslint-disable-next-line @typescript-eslint/unbound-method -- wink's its.* helpers are meant to be passed as they are
    const stops = doc.tokens().out(its.stopWordFlag) as unknown as boolean[];
    // eslint-disable-next-line @typescript-eslint/unbound-method -- wink's its.* helpers are meant to be passed as they are
    const spaces: string[] = doc.tokens().out(its.precedingSpaces);
    let chunk: { value: string; pos: string }[] = [];
    const flush = (): void => {
      for (const phrase of phrasesOf(chunk, line.skillWords)) {
        const key = phrase.toLowerCase();
        const existing = found.get(key);
        if (existing) existing.score += line.weight;
        else found.set(key, { phrase: key, display: phrase, lineIndex, score: line.weight + phraseBonus(phrase) });
      }
      chunk = [];
    };
    let joined = -1;
    values.forEach((value, i) => {
      if (i <= joined) return;
      // The tokenizer splits a hyphenated compound ("GDPR-sensitive data", "high-voltage safety"):
      // its parts are one modifier, not a phrase that starts after the hyphen.
      const next = values[i + 1];
      const last = chunk[chunk.length - 1];
      if (value === '-' && last && next !== undefined && spaces[i] === '' && spaces[i + 1] === '' && /^[\p{L}\p{N}]/u.test(next)) {
        last.value = `${last.value}-${next}`;
        last.pos = tags[i + 1] === 'NOUN' || tags[i + 1] === 'PROPN' ? 'NOUN' : 'ADJ';
        joined = i + 1;
        return;
      }
      // The tagger reads unknown acronyms ("DOT", "HACCP") as anything; they are names.
      const pos = ACRONYM.test(value) ? 'PROPN' : (tags[i] ?? 'X');
      const isWord = /^[\p{L}][\p{L}\p{N}&'-]*$/u.test(value);
      if (isWord && PHRASE_POS.has(pos) && !stops[i]) chunk.push({ value, pos });
      else flush();
    });
    flush();
  });
  return [...found.values()]
    .sort((a, b) => b.score - a.score || a.lineIndex - b.lineIndex || a.phrase.localeCompare(b.phrase))
    .slice(0, limit)
    .map(({ display, lineIndex, score }) => ({ phrase: display, lineIndex, score }));
}

function phraseBonus(phrase: string): number {
  return phrase.includes(' ') ? 0.5 : 0;
}

/** Trims a noun chunk to its meaningful core: no generic words at the ends, a noun at the head. */
function phrasesOf(chunk: readonly { value: string; pos: string }[], skillWords: ReadonlySet<string>): string[] {
  if (chunk.some((token) => skillWords.has(token.value.toLowerCase()))) {
    // Split around taxonomy skills rather than dropping the whole chunk.
    const parts: { value: string; pos: string }[][] = [[]];
    for (const token of chunk) {
      if (skillWords.has(token.value.toLowerCase())) parts.push([]);
      else parts[parts.length - 1]?.push(token);
    }
    return parts.flatMap((part) => (part.length > 0 ? phrasesOf(part, skillWords) : []));
  }
  let start = 0;
  let end = chunk.length;
  const opener = (token: { value: string } | undefined): boolean => {
    const word = token?.value.toLowerCase() ?? '';
    return GENERIC.has(word) || DUTY_VERBS.has(word);
  };
  while (start < end && opener(chunk[start])) start++;
  if (QUALIFIERS.has(chunk[start]?.value.toLowerCase() ?? '')) return [];
  while (end > start && (GENERIC.has(chunk[end - 1]?.value.toLowerCase() ?? '') || !HEAD_POS.has(chunk[end - 1]?.pos ?? ''))) {
    // Without its head the rest only modifies it: "iterative software [development process]",
    // "Idaho Content [Standards]" name no requirement.
    if (end < chunk.length && FRAGMENT_HEADS.has(chunk[end]?.value.toLowerCase() ?? '') && HEAD_POS.has(chunk[end]?.pos ?? '')) return [];
    end--;
  }
  if (end < chunk.length && FRAGMENT_HEADS.has(chunk[end]?.value.toLowerCase() ?? '') && HEAD_POS.has(chunk[end]?.pos ?? '')) return [];
  // A hyphenated modifier in front of a named thing ("system-level thermal models") qualifies it;
  // the thing is the requirement. On its own with one noun ("GDPR-sensitive data") it is kept.
  if (end - start >= 3 && chunk[start]?.value.includes('-')) start++;
  const core = chunk.slice(start, end);
  if (core.length === 0 || core.length > 4) return [];
  if (PERSON_HEADS.has(core[core.length - 1]?.value.toLowerCase() ?? '')) return [];
  if (core.every((token) => GENERIC.has(token.value.toLowerCase()))) return [];
  if (core.length === 1) {
    const only = core[0]?.value ?? '';
    return ACRONYM.test(only) ? [only] : [];
  }
  return [core.map((token) => token.value).join(' ')];
}

// The Porter (v2) stemmer that wink's English model carries, used without the tokenizer: stemming
// is needed per word, and the model's own stemmer is what its `its.stem` applies to tokens.
const MAX_STEMMED_WORD = 40;
const porterStem = (model as unknown as { addons: { stem(this: void, word: string): string } }).addons.stem;

/** A word's stem, so "discharge plans" in a JD finds "planned discharges" lines in a resume. */
export function stemWord(word: string): string {
  const lower = word.toLowerCase();
  // Names with digits or symbols (c++, node-js, s3) are kept whole, and so is anything longer than
  // a word (the stemmer's suffix patterns rescan the word).
  return lower.length <= MAX_STEMMED_WORD && /^\p{L}+$/u.test(lower) ? porterStem(lower) : lower;
}

export function stemsOf(text: string): string[] {
  return (text.match(/[\p{L}\p{N}][\p{L}\p{N}&+#-]*/gu) ?? []).map(stemWord);
}
