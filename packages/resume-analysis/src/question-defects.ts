import { isLocation } from './locations';
import { findSkillMentions } from './skill-matcher';

/**
 * Defects an interviewer sees at a glance in a generated question, found by rule: the automatic half
 * of judging questions (the other half is a person's judgement, recorded with the labelled set).
 * Each rule names the evidence it found, so a report can show why a question was flagged.
 */

export const QUESTION_DEFECTS = [
  'grammar',
  'quotes-list',
  'quotes-header',
  'bare-word',
  'location-as-role',
  'cut-quote',
  'reused-line',
  'attribute-as-task',
  'credential-as-work',
  'not-a-title',
  'fragment-as-skill',
  'quotes-honour',
] as const;
export type QuestionDefect = (typeof QUESTION_DEFECTS)[number];

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
/** Letters whose names start with a vowel sound ("an F", "an H", "an S"), for acronyms read letter by letter. */
const VOWEL_LETTERS = /^[AEFHILMNORSX]/;
/** An acronym, read letter by letter: "IT", "FP&A", "UX", "B2B". */
export const ACRONYM = /^[A-Z][A-Z0-9&/]*[A-Z0-9]$/;

/** Whether "an" goes before the word: by sound, so "an IT", "an FP&A", "a UX", "an hour", "a user". */
export function takesAn(word: string): boolean {
  if (ACRONYM.test(word)) return VOWEL_LETTERS.test(word);
  return /^[aeiou]/i.test(word) ? !CONSONANT_SOUND.test(word) : VOWEL_SOUND.test(word);
}

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
  for (const match of question.matchAll(/\b([Aa]n?)\s+([A-Za-z][\w&/-]*)/g)) {
    const [whole, article, word] = [match[0], match[1]!.toLowerCase(), match[2]!];
    if ((article === 'an') !== takesAn(word)) return whole;
  }
  // A plural subject with a singular verb ("your analytical skills was tested").
  const agreement = /\b(?:skills|abilities|tools|methods|techniques|systems|processes)\s+(?:was|has been|is)\b/i.exec(question);
  if (agreement) return agreement[0];
  // Doubled punctuation ("TechCorp Inc..", "done?.") but not an ellipsis.
  const punctuation = /(?<!\.)\.\.(?!\.)|[,;:]\s*[.?!,;:]|[?!]\s*[,;:]|\b[a-z]{4,}\.,|\?\s*\./.exec(question);
  if (punctuation) return punctuation[0];
  // An acronym corrupted by an article fix ("FP&An").
  const corrupted = /\b[A-Z]{1,4}&[A-Z]?n\b/.exec(question);
  if (corrupted) return corrupted[0];
  return null;
}

/** A quotation that is nothing but a skill's name ("Data modeling"), quoted as if it were a claim. A project's name is not one. */
function isBareSkill(span: string): boolean {
  const mentions = findSkillMentions([{ text: span }]);
  const covered = mentions.reduce((total, mention) => total + mention.matchedText.length, 0);
  return covered >= span.replace(/[^\p{L}\p{N}]/gu, '').length * 0.6;
}

/** An honour, award or grade quoted where a piece of work belongs. */
const HONOUR =
  /\b(?:dean'?s list|cum laude|summa|magna|honou?rs? (?:roll|society)|award(?:ed)?|scholarship|prize|valedictorian|first[- ]class|distinction|gpa|fellow(?:ship)?|out of \d[\d,]* (?:applicants|candidates|entrants)|(?:selected|chosen) (?:from|out of|as one of))\b/i;

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

/** A quotation cut off mid-clause: it ends on a word that needs what follows. */
const DANGLING =
  /\b(?:and|or|of|the|a|an|to|for|with|by|in|on|at|from|including|identifying|using|across|into|while|which|that|through|via|over|under|within|between|as|per)$/i;

/** A posting line that states an attribute or a condition, not a task: no scenario can be "behind schedule". */
const ATTRIBUTE =
  /^(?:\(|(?:the )?abilit(?:y|ies)\b|able to\b|(?:an? )?(?:strong|excellent|good|great|solid|proven|demonstrated|deep|working|basic|sound|outstanding|exceptional|effective) |(?:previous |prior |relevant |hands-on )?experience\b|knowledge\b|understanding\b|proficien|familiar|fluen|current |valid |active |(?:at least|minimum(?: of)?|\d+\+?) (?:\w+ )?years?\b|bachelor|master|degree|(?:a )?(?:high school|ged)\b|must\b|should\b|willing|comfortable|passion|self-|detail-|highly |capacity\b|skills?\b|(?:a )?(?:certification|licen[cs]e|diploma)\b)|\b(?:years? of experience|skills|certification|licen[cs]ure|required|preferred)\W*$/i;
/** What a scenario or behavioural template puts a task into. */
const TASK_FRAME = /(?:suppose|halfway through|work like|take on|you owned|hand over|one of them is|role involves|closest to)\s*$/i;

/** A degree, certificate, licence or course: something held, not a piece of work done. */
const CREDENTIAL =
  /\b(?:bachelor|master(?:'?s)? (?:of|in|degree)|b\.?sc|m\.?sc|m\.?b\.?a|ph\.?d|diploma|(?<!-)degree|certificate|certification|certified|licen[cs]e|minor in|major in|gpa|coursework)\b|#\s?\d|^[A-Z]{2,4}\s?\d{3,4}\b/i;
/** Where a question quotes the posting, not the resume. */
const FROM_POSTING = /job description|asks for|role involves|the job |the role needs|we rely on/i;

/** Words a job title ends with; a title not ending so (a town, a society, a sentence) is no title. */
const ROLE_NOUN =
  /(?:er|or|ist|yst|ant|ent|ian|ive|ee|man|woman|person|nurse|rn|lead|head|intern|fellow|chef|clerk|cook|aide|associate|executive|principal|staff|officer|partner|apprentice|coordinator|assistant|volunteer|architect|advocate|tutor|founder|owner|guard|pilot|mechanic|sre|cto|ceo|cfo|coo|vp|qa|member|secretary|midwife|paramedic|barista)s?$/i;

/** Whether a text reads as a job title: short, no sentence, ending on a word for a person who does a job. */
export function plausibleTitle(title: string): boolean {
  const text = title.trim();
  const words = text.split(/\s+/).filter(Boolean);
  if (words.length === 0 || words.length > 8 || /[.!?]$/.test(text) || /^(?:a|an|the)\s/i.test(text) || isLocation(text)) return false;
  if (words.length === 1 && /^member$/i.test(text)) return false;
  // "Senior Staff RN / Charge Nurse", "KPCB Fellow + Software Engineering Intern": any part may carry the title.
  // "Head of Sales" is a title by its head; "National Council of Teachers" is not one by its tail.
  return text.split(/[/+&,|]| and /i).some((part) => {
    const last =
      part
        .split(/ (?:of|in|for|at) /i)[0]!
        .trim()
        .split(/\s+/)
        .pop() ?? '';
    return ROLE_NOUN.test(last) || (last.length >= 2 && last.length <= 4 && last === last.toUpperCase() && /^[A-Z]+$/.test(last));
  });
}

/** Where a template puts a skill's name (the text between the two): it must be a skill, not a fragment of a line or a place. */
const SKILL_SLOTS: readonly (readonly [string, string])[] = [
  ['show us ', ' in your first'],
  ['What does ', ' mean in'],
  ['What is meant by ', ' in '],
  ['does not show ', ' directly'],
  ['worked with ', ', which'],
  ['asks for ', ' ('],
  ['role needs ', ', which'],
  ['rely on ', ';'],
  ['know about ', ', even'],
  ['depends on ', ' ('],
  ['Which part of ', ' do you'],
  ['but not ', ', which'],
];

/**
 * The text between `start` and the next `end` with none of `stop` in it, at the first place it
 * occurs; string search rather than a lazy regular expression, which could backtrack on long text.
 */
function between(text: string, start: string, end: string, stop: RegExp): string | undefined {
  const lower = text.toLowerCase();
  const [open, close] = [start.toLowerCase(), end.toLowerCase()];
  for (let at = lower.indexOf(open); at >= 0; at = lower.indexOf(open, at + 1)) {
    // A slot opens at a word ("as " is not the end of "has ").
    if (at > 0 && /[\p{L}\p{N}]/u.test(text[at - 1]!)) continue;
    const from = at + open.length;
    const to = lower.indexOf(close, from);
    if (to < 0) return undefined;
    const inside = text.slice(from, to);
    if (!stop.test(inside)) return inside;
  }
  return undefined;
}

/**
 * Words cut from a posting's line that name no skill: lower case, opening on a describing word
 * ("immediate software", "local business hours", "multiple disciplines", "maintainable models").
 */
const FRAGMENT = /^[a-z]+(?:al|ate|ive|ous|ble|ple|ic|ed|ent|ant|ful|less|ary|ory)\s+[a-z][a-z\s-]*$/;

/** Job titles and employers as the templates write them ("You were X at Y", "As X at Y"). */
const TITLE_SLOTS: readonly (readonly [string, string, RegExp])[] = [
  ['You have been ', ' at ', /[?"]/],
  ['You were ', ' at ', /[?"]/],
  ['as ', ' at ', /[,?"]/],
  ['most recently as ', ' you bring', /[?"]/],
  ['Going from ', ' at ', /[?"]/],
];

function key(span: string): string {
  return span
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The defects of one question; `headings` adds the document's own section headings to the known ones. */
export function questionDefects(question: string, headings: readonly string[] = [], earlier: readonly string[] = []): DefectFinding[] {
  const found: DefectFinding[] = [];
  // An ellipsis anywhere means a quote was cut; an interviewer cannot read it out.
  if (/…|\.\.\./.test(question)) found.push({ defect: 'cut-quote', evidence: '…' });
  const quotedBefore = new Set(earlier.flatMap(quotedSpans).map(key));
  const fromPosting = FROM_POSTING.test(question);
  const slip = grammar(question);
  if (slip) found.push({ defect: 'grammar', evidence: slip });
  const known = new Set([...HEADINGS, ...headings.map((heading) => heading.toLowerCase().trim())]);
  // Role header lines compare by their words, so "Analyst — Acme, Rotterdam" and "Analyst, Acme" are alike.
  const lines = headings.map(key).filter((line) => line.length >= 8);
  for (const span of quotedSpans(question)) {
    const separators = (span.match(/[•|·;▪]/g) ?? []).length;
    const commas = (span.match(/,/g) ?? []).length;
    const words = span.split(/\s+/).filter(Boolean);
    if (separators >= 2 || (commas >= 3 && words.length <= commas * 3)) found.push({ defect: 'quotes-list', evidence: span });
    else if (known.has(span.toLowerCase().replace(/:$/, ''))) found.push({ defect: 'quotes-header', evidence: span });
    else if (words.length <= 3 && isBareSkill(span)) found.push({ defect: 'bare-word', evidence: span });
    const spanKey = key(span);
    if (
      looksLikeHeader(span) ||
      (spanKey.length >= 8 &&
        lines.some((line) => line !== spanKey && (line.startsWith(spanKey) || (line.includes(' ') && spanKey.startsWith(line)))))
    ) {
      found.push({ defect: 'quotes-header', evidence: span });
    }
    if (HONOUR.test(span) && words.length <= 12) found.push({ defect: 'quotes-honour', evidence: span });
    // "Design methods: GD&T, DFMEA, DFM" is a labelled list, however short.
    if (/^[\p{L}][\p{L} &/-]{1,30}:\s*\S/u.test(span) && span.includes(',')) found.push({ defect: 'quotes-list', evidence: span });
    if (DANGLING.test(span) || /^(?:…|\.\.\.)/.test(span)) found.push({ defect: 'cut-quote', evidence: span });
    if (words.length >= 4 && quotedBefore.has(key(span))) found.push({ defect: 'reused-line', evidence: span });
    const before = question.slice(0, question.indexOf(span)).replace(/["“‘']\s*$/, '');
    if (TASK_FRAME.test(before) && ATTRIBUTE.test(span)) found.push({ defect: 'attribute-as-task', evidence: span });
    if (!fromPosting && CREDENTIAL.test(span)) found.push({ defect: 'credential-as-work', evidence: span });
  }
  for (const [start, end] of SKILL_SLOTS) {
    const skill = between(question, start, end, /[,.?";(]/)?.trim();
    // A place ("South Dakota", "Idaho Content"), or words of a line in lower case that name no known skill ("local business hours").
    const place = isLocation(skill ?? '') || (skill ?? '').split(/\s+/).some((word) => /^[A-Z]/.test(word) && isLocation(word));
    if (skill && (place || (FRAGMENT.test(skill) && findSkillMentions([{ text: skill }]).length === 0))) {
      found.push({ defect: 'fragment-as-skill', evidence: skill });
    }
  }
  for (const [start, end, stop] of TITLE_SLOTS) {
    const title = between(question, start, end, stop)?.trim().replace(/,$/, '');
    if (title && !/^(?:your|this|my)\b/i.test(title) && !plausibleTitle(title)) found.push({ defect: 'not-a-title', evidence: title });
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
