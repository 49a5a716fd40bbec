import { redactContactDetails, redactDocumentLines } from './contact-redaction';
import type { DocumentLine } from './document-lines';
import { headingShape, isBulletLine, stripBullet } from './heading-shape';
import { extractKeyPhrases, type PhraseSourceLine } from './key-phrases';
import type { LineRef } from './resume-parser';
import { isLocation } from './locations';
import { findSkillMentions, tokenize, type SkillMention } from './skill-matcher';
import { mergeWrappedLines } from './wrapped-lines';
import type { SkillCategory } from './skill-taxonomy';
import { capsLineIsHeading } from './unknown-heading';

export const JOB_SECTIONS = ['intro', 'about', 'responsibilities', 'required', 'preferred', 'benefits', 'other'] as const;
export type JobSection = (typeof JOB_SECTIONS)[number];

export interface JobLine extends DocumentLine {
  section: JobSection;
}

export type RequirementLevel = 'required' | 'preferred';

export interface JobRequirement {
  skill: string;
  /** `other` for key phrases the taxonomy does not know. */
  category: SkillCategory | 'other';
  level: RequirementLevel;
  source: 'taxonomy' | 'phrase';
  evidence: LineRef;
  /** Skills the job accepts instead ("Playwright, Cypress or Selenium"): any one of them will do. */
  alternatives?: string[];
  /** Skills named as parts of this one ("AWS (ECS, S3)", "Microsoft Office: Word, Excel"): its evidence, not requirements of their own. */
  parts?: string[];
}

export interface JobStructure {
  title: string | null;
  requiredYears: number | null;
  requiredYearsLine: LineRef | null;
  required: JobRequirement[];
  preferred: JobRequirement[];
  /** Skills named outside the requirements (company blurb, benefits): listed, not scored. */
  mentioned: JobRequirement[];
  responsibilities: LineRef[];
  keyPhrases: string[];
  sections: { name: JobSection; heading: string | null; lineCount: number }[];
  lines: JobLine[];
}

const HEADINGS: Readonly<Record<string, JobSection>> = {
  responsibilities: 'responsibilities',
  'key responsibilities': 'responsibilities',
  'the role': 'responsibilities',
  'about the role': 'responsibilities',
  'what youll do': 'responsibilities',
  'what you will do': 'responsibilities',
  'your responsibilities': 'responsibilities',
  duties: 'responsibilities',
  'key duties': 'responsibilities',
  'main duties': 'responsibilities',
  'role and responsibilities': 'responsibilities',
  'day to day': 'responsibilities',
  'the job': 'responsibilities',
  'your impact': 'responsibilities',
  'what the job involves': 'responsibilities',
  'what you will be doing': 'responsibilities',
  'what youll be doing': 'responsibilities',
  'your day': 'responsibilities',
  'in this role you will': 'responsibilities',
  'duties and responsibilities': 'responsibilities',
  'responsibilities and duties': 'responsibilities',
  'the opportunity': 'responsibilities',
  'your role': 'responsibilities',
  requirements: 'required',
  required: 'required',
  'required qualifications': 'required',
  'required skills': 'required',
  'must have': 'required',
  'must haves': 'required',
  essential: 'required',
  'essential criteria': 'required',
  'essential skills': 'required',
  'minimum qualifications': 'required',
  'basic qualifications': 'required',
  qualifications: 'required',
  'what youll need': 'required',
  'what you will need': 'required',
  'what you need': 'required',
  'what were looking for': 'required',
  'what we are looking for': 'required',
  'who you are': 'required',
  'you have': 'required',
  'about you': 'required',
  'skills and experience': 'required',
  'experience and skills': 'required',
  'key skills': 'required',
  'person specification': 'required',
  'requirements and qualifications': 'required',
  'your profile': 'required',
  'your skills': 'required',
  'what you bring': 'required',
  'you will have': 'required',
  'youll have': 'required',
  'qualifications and experience': 'required',
  'must have skills': 'required',
  preferred: 'preferred',
  'preferred qualifications': 'preferred',
  'preferred skills': 'preferred',
  'nice to have': 'preferred',
  'nice to haves': 'preferred',
  bonus: 'preferred',
  'bonus points': 'preferred',
  desirable: 'preferred',
  'desirable criteria': 'preferred',
  'desirable skills': 'preferred',
  pluses: 'preferred',
  'it would be great if': 'preferred',
  'extra credit': 'preferred',
  'good to have': 'preferred',
  'bonus points if': 'preferred',
  'even better if': 'preferred',
  'nice to have skills': 'preferred',
  benefits: 'benefits',
  'what we offer': 'benefits',
  'we offer': 'benefits',
  perks: 'benefits',
  compensation: 'benefits',
  salary: 'benefits',
  'why join us': 'benefits',
  'our offer': 'benefits',
  package: 'benefits',
  'whats in it for you': 'benefits',
  'benefits and perks': 'benefits',
  'perks and benefits': 'benefits',
  'salary and benefits': 'benefits',
  'about us': 'about',
  'about the company': 'about',
  'who we are': 'about',
  'our company': 'about',
  'company overview': 'about',
  'our mission': 'about',
  'the team': 'about',
  'about the team': 'about',
  'our team': 'about',
  'how we work': 'about',
  'our culture': 'about',
  'life at the company': 'about',
  'how to apply': 'other',
  'equal opportunity': 'other',
  'equal opportunity employer': 'other',
  location: 'other',
  'application process': 'other',
  'diversity and inclusion': 'other',
  'working here': 'other',
};

const PREFERRED_CUE =
  /\b(preferred|a plus|is a plus|nice[- ]to[- ]have|bonus|desirable|ideally|advantageous|an advantage|would be great|beneficial|(?:is|are|also) welcome|not required|not essential)\b/i;
// A cue qualifies its own clause: in "4+ years of product management, ideally in fintech" only
// fintech is preferred.
const CLAUSE_BREAK = /[;,]|\s[–—]\s|\.\s|\s\(|\)/;
const MIN_PHRASE_REQUIREMENTS = 2;
const MAX_PHRASE_REQUIREMENTS = 8;
// What may stand between the skills of "A, B or C" / "A or another B" / "A/B".
const ALTERNATIVE_CONNECTOR = /^[\s,()]*(?:(?:(?:and\/)?or(?:\s+(?:another|other|a similar|similar|an equivalent|equivalent))?|\/)[\s,()]*)?$/i;
const REQUIRED_CUE = /\b(required|must|essential|mandatory)\b/i;
// Lines about the employer, not the candidate, that postings put under any heading: what the company
// offers, who it is, its equal-opportunity statement, how to apply. Nothing on them is asked of anyone.
const COMPANY_PROSE =
  /^\W*(?:we\s+offer|we\s+provide|we\s+are\s+(?:an?\s+)?(?:equal|proud|committed)|about\s+us\b|our\s+(?:benefits|perks|mission)\b|how\s+to\s+apply\b|apply\s+(?:now|today|online|here)\b)|\bequal\s+(?:employment\s+)?opportunit(?:y|ies)\s+employer\b|\bregardless\s+of\s+(?:race|age|gender|sex)\b/i;
// A line asking for a degree or a course of study ("Bachelor's degree in Computer Science or related
// field", "Graduate from an accredited nursing program", "Computer Science Education or equivalent courses").
const DEGREE_LINE =
  /\b(?:(?:bachelor|master)(?:'?s)?\s+(?:degree|of|in)|bachelor'?s|degree|diploma in|ph\.?d|mba|b\.?sc|m\.?sc|graduate (?:of|from)|accredited(?: [\w-]+){0,3} program(?:me)?|equivalent courses|foundation studies)\b/i;
const TITLE_LABEL = /^(?:job title|position|role|title|vacancy)\s*[:\-–]\s*(\S.*)$/i;
const TITLE_WORD =
  /\b(engineer|developer|analyst|scientist|manager|director|lead|specialist|consultant|coordinator|co-ordinator|administrator|assistant|associate|nurse|teacher|tutor|lecturer|accountant|auditor|controller|bookkeeper|designer|tester|technician|supervisor|officer|representative|executive|architect|marketer|planner|buyer|driver|operator|agent|writer|researcher|therapist|pharmacist|owner|sdet|educator|head|paralegal|generalist|intern|trainee|apprentice)s?\b/i;

const NUMBER_WORDS: Readonly<Record<string, number>> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  twelve: 12,
  fifteen: 15,
};
// `\s*(?:\+\s*)?` rather than `\s*\+?\s*`: two adjacent runs of spaces backtrack against each other.
const YEARS_NUMERIC = /(\d{1,2})\s*(?:\+\s*)?(?:(?:-|–|to)\s*\d{1,2}\s*(?:\+\s*)?)?(?:years?|yrs?)\b/gi;
const YEARS_WORDED =
  /\b(?:at least|minimum of|a minimum of|min\.?|over|more than)\s+(one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|\d{1,2})\s*(?:\+\s*)?(?:years?|yrs?)\b/gi;
const YEARS_WORD_PLUS = /\b(one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen)\s*(?:\(\d+\)\s*)?(?:\+\s*)?(?:years?|yrs?)\b/gi;

export function parseJob(sourceLines: readonly DocumentLine[]): JobStructure {
  const headings = new Map<number, string>();
  let section: JobSection = 'intro';
  const lines: JobLine[] = redactDocumentLines(sourceLines).map((line, index) => {
    const heading = classifyHeading(line.text);
    if (heading) {
      section = heading;
      headings.set(index, line.text);
    }
    return { text: line.text, page: line.page, lineNo: line.lineNo, section };
  });
  // Quote and phrase-mine whole lines, not the pieces a PDF wraps them into; redacted again as joined.
  const merged = mergeWrappedLines(lines, (index) => headings.has(index)).map((entry) => ({
    ...entry,
    line: { ...entry.line, text: redactContactDetails(entry.line.text) },
  }));
  const logicalOf: number[] = [];
  merged.forEach((entry, logicalIndex) => entry.parts.forEach((part) => (logicalOf[part] = logicalIndex)));
  const ref = (index: number): LineRef => {
    const line = lines[index];
    const whole = merged[logicalOf[index] ?? -1]?.line.text ?? line?.text ?? '';
    return { text: stripBullet(whole), page: line?.page ?? 1, lineNo: line?.lineNo ?? 0 };
  };

  const hasRequirementSections = lines.some((line) => line.section === 'required' || line.section === 'responsibilities');
  const levelOf = (index: number, text?: string): RequirementLevel | null => {
    const line = lines[index];
    if (!line || headings.has(index)) return null;
    if (COMPANY_PROSE.test(text ?? line.text)) return null;
    const scored =
      line.section === 'required' ||
      line.section === 'preferred' ||
      line.section === 'responsibilities' ||
      (!hasRequirementSections && line.section === 'intro');
    if (!scored) return null;
    const cueText = text ?? line.text;
    if (line.section === 'preferred') return REQUIRED_CUE.test(cueText) && !PREFERRED_CUE.test(cueText) ? 'required' : 'preferred';
    return PREFERRED_CUE.test(cueText) ? 'preferred' : 'required';
  };

  const mentions = findSkillMentions(lines.map((line, index) => ({ text: headings.has(index) ? '' : line.text })));
  const required = new Map<string, JobRequirement>();
  const preferred = new Map<string, JobRequirement>();
  const mentioned = new Map<string, JobRequirement>();
  const partsOf = partsByParent(lines, mentions);
  const isPart = new Set([...partsOf.values()].flat());
  for (const mention of mentions) {
    if (isPart.has(mention)) continue;
    if (namesPeople(lines[mention.lineIndex]?.text ?? '', mention)) continue;
    const level = levelOf(mention.lineIndex, clauseAround(ref(mention.lineIndex).text, mention.matchedText));
    const requirement: JobRequirement = {
      skill: mention.skill,
      category: mention.category,
      level: level ?? 'preferred',
      source: 'taxonomy',
      evidence: ref(mention.lineIndex),
    };
    if (level === 'required') {
      if (!required.has(mention.skill)) required.set(mention.skill, requirement);
    } else if (level === 'preferred') {
      if (!preferred.has(mention.skill)) preferred.set(mention.skill, requirement);
    } else if (!mentioned.has(mention.skill)) {
      mentioned.set(mention.skill, requirement);
    }
  }
  for (const skill of required.keys()) {
    preferred.delete(skill);
    mentioned.delete(skill);
  }
  for (const skill of preferred.keys()) mentioned.delete(skill);

  const alternatives = alternativesOf(merged, mentions, (index) => levelOf(index) !== null);
  for (const requirement of [...required.values(), ...preferred.values()]) {
    const others = alternatives.get(requirement.skill);
    if (others && others.length > 0) requirement.alternatives = others;
  }
  for (const [parent, parts] of partsOf) {
    const requirement = required.get(parent.skill) ?? preferred.get(parent.skill) ?? mentioned.get(parent.skill);
    const names = [...new Set(parts.map((part) => part.skill))].filter((name) => name !== parent.skill);
    if (requirement && names.length > 0) requirement.parts = [...new Set([...(requirement.parts ?? []), ...names])];
  }

  const phraseLines: (PhraseSourceLine & { index: number })[] = [];
  for (const entry of merged) {
    const index = entry.parts[0] ?? 0;
    const level = levelOf(index);
    if (!level) continue;
    // A degree asked for is labelled apart from the skills; its subject is no skill requirement.
    if (DEGREE_LINE.test(entry.line.text)) continue;
    const skillWords = new Set(
      mentions
        .filter((mention) => entry.parts.includes(mention.lineIndex))
        .flatMap((mention) => tokenize(mention.matchedText).map((token) => token.norm)),
    );
    const weight = entry.line.section === 'responsibilities' ? 0.6 : level === 'required' ? 1 : 0.8;
    phraseLines.push({ text: stripBullet(entry.line.text), weight, skillWords, index });
  }
  const keyPhrases = extractKeyPhrases(phraseLines);
  const knownSkills = new Set([...required.keys(), ...preferred.keys()].map((skill) => skill.toLowerCase()));
  // Phrases fill in where the taxonomy is thin: many for a job it barely knows, few for one it covers.
  // Skills named as parts still show how well the taxonomy knows the job.
  const known = knownSkills.size + new Set([...isPart].map((part) => part.skill)).size;
  const phraseBudget = Math.max(MIN_PHRASE_REQUIREMENTS, MAX_PHRASE_REQUIREMENTS - Math.floor(known / 4));
  for (const phrase of keyPhrases.filter((key) => !isLocation(key.phrase)).slice(0, phraseBudget)) {
    const source = phraseLines[phrase.lineIndex];
    if (!source || knownSkills.has(phrase.phrase.toLowerCase())) continue;
    const level = levelOf(source.index) ?? 'preferred';
    const requirement: JobRequirement = { skill: phrase.phrase, category: 'other', level, source: 'phrase', evidence: ref(source.index) };
    (level === 'required' ? required : preferred).set(phrase.phrase, requirement);
  }

  const years = requiredYearsOf(lines, headings);
  const wholeLinesIn = (section: JobSection, bulletsOnly: boolean): LineRef[] =>
    merged
      .filter((entry) => {
        const first = entry.parts[0] ?? -1;
        return entry.line.section === section && !headings.has(first) && (!bulletsOnly || isBulletLine(entry.line.text));
      })
      .map((entry) => ref(entry.parts[0] ?? 0));
  // Without a duties section, the requirements are the best description of the work.
  const duties = wholeLinesIn('responsibilities', false);
  const responsibilities = duties.length > 0 ? duties : wholeLinesIn('required', true);

  return {
    title: titleOf(lines, headings),
    requiredYears: years?.years ?? null,
    requiredYearsLine: years ? ref(years.index) : null,
    required: [...required.values()],
    preferred: [...preferred.values()],
    mentioned: [...mentioned.values()],
    responsibilities,
    keyPhrases: keyPhrases.map((phrase) => phrase.phrase),
    sections: summariseSections(lines, headings),
    lines,
  };
}

// A list of parts is short; looking no further keeps a long line linear.
const MAX_PARTS_LIST = 300;

/**
 * One concept per requirement: "AWS (ECS, RDS, S3, Lambda)" and "Microsoft Office: Word, Excel" ask
 * for one thing each, named by the skill before the list; the skills inside the bracket (or after the
 * colon, to the end of the clause) are the parts that show it, not requirements of their own.
 */
function partsByParent(lines: readonly { text: string }[], mentions: readonly SkillMention[]): Map<SkillMention, SkillMention[]> {
  const parts = new Map<SkillMention, SkillMention[]>();
  const byLine = new Map<number, SkillMention[]>();
  for (const mention of mentions) {
    const onLine = byLine.get(mention.lineIndex);
    if (onLine) onLine.push(mention);
    else byLine.set(mention.lineIndex, [mention]);
  }
  const isPart = new Set<SkillMention>();
  for (const [lineIndex, onLine] of byLine) {
    const text = lines[lineIndex]?.text ?? '';
    const sorted = [...onLine].sort((a, b) => a.start - b.start);
    sorted.forEach((parent, position) => {
      if (isPart.has(parent)) return;
      let at = parent.end;
      while (at < text.length && at - parent.end < 2 && text[at] === ' ') at++;
      const bracket = text[at] === '(';
      if (!bracket && (text[at] !== ':' || text.startsWith('//', at + 1))) return;
      const listStart = at + 1;
      const rest = text.slice(listStart, listStart + MAX_PARTS_LIST);
      // A bracket closes its list; a colon's list runs to the end of its sentence or clause.
      const close = bracket ? rest.indexOf(')') : rest.search(/[.;](?:\s|$)/);
      const listEnd = listStart + (close < 0 ? rest.length : close);
      const inside: SkillMention[] = [];
      for (let next = position + 1; next < sorted.length; next++) {
        const mention = sorted[next];
        if (!mention || mention.start >= listEnd) break;
        if (mention.start >= listStart && mention.end <= listEnd) inside.push(mention);
      }
      if (inside.length === 0) return;
      parts.set(parent, inside);
      for (const mention of inside) isPart.add(mention);
    });
  }
  return parts;
}

// Skill names that are also the names of teams and functions the job works with.
const TEAM_CATEGORIES = new Set<SkillCategory>(['product', 'design', 'sales-marketing', 'people-ops', 'finance', 'legal', 'soft-skill', 'method']);
const TEAM_AFTER = /^\s+(?:team|teams|department|departments|function|functions|group|org|organisation|organization)\b/i;
const WORK_WITH_BEFORE = /\b(?:work(?:s|ing)?|partner(?:s|ing)?|collaborat\w*|liais\w*|together)\s+(?:closely\s+)?with\s+(?:the\s+|our\s+)?$/i;
const STAKEHOLDER_LIST_BEFORE = /\b(?:stakeholders|teams|functions|departments)\s*\((?:[^()]*,\s*)?$/i;
const PEOPLE_WORDS = /^(?:mentors|coaches|leaders|managers)$/i;

/**
 * A skill's name used for people, not asked of the candidate: "the Procurement Leadership Team",
 * "work with Product Management and other stakeholders (Backend, UX, etc.)", "support from mentors".
 */
function namesPeople(text: string, mention: SkillMention): boolean {
  const written = text.slice(mention.start, mention.end);
  if (PEOPLE_WORDS.test(written)) return true;
  if (!/^\p{Lu}/u.test(written)) return false;
  const [before, after] = [text.slice(0, mention.start), text.slice(mention.end)];
  if (TEAM_AFTER.test(after)) return true;
  return TEAM_CATEGORIES.has(mention.category) && (WORK_WITH_BEFORE.test(before) || STAKEHOLDER_LIST_BEFORE.test(before));
}

/** The clause of a line that holds a mention; the whole line when it cannot be placed. */
function clauseAround(text: string, mentionText: string): string {
  const at = text.indexOf(mentionText);
  if (at < 0) return text;
  let start = 0;
  for (const match of text.matchAll(new RegExp(CLAUSE_BREAK.source, 'g'))) {
    const position = match.index;
    if (position + match[0].length <= at) start = position + match[0].length;
    else if (position >= at + mentionText.length) return text.slice(start, position);
  }
  return text.slice(start);
}

// Wording not in the list above, recognised by its key words.
const HEADING_KEYWORDS: readonly [RegExp, JobSection][] = [
  [/\b(nice|bonus|desirable|preferred|plus|pluses|extra)\b/, 'preferred'],
  [/\b(benefits|perks|offer|salary|compensation|package)\b/, 'benefits'],
  [/\b(requirements|qualifications|need|needs|looking|skills|essential|criteria|bring|specifications?)\b/, 'required'],
  [/\b(responsibilities|duties|do|doing|role|day)\b/, 'responsibilities'],
  [/\b(apply|application|hiring|hire|interview|process|equal|conditions)\b/, 'other'],
];

// "Bachelor's Degree in nursing (preferred)" ranks a requirement; it heads nothing.
const RANKED_ITEM = /\((?:preferred|required|desirable|essential|a plus|nice to have|optional)\)\s*$/i;

function classifyHeading(text: string): JobSection | null {
  if (isBulletLine(text) || RANKED_ITEM.test(text)) return null;
  const shape = headingShape(text);
  if (!shape) return null;
  const known = HEADINGS[shape.key];
  if (known) return known;
  if (shape.key.startsWith('about ') && shape.key.split(' ').length <= 4) return 'about';
  const words = shape.key.split(' ');
  if (words.length <= 6 && (shape.colon || shape.allCaps || words.length <= 5)) {
    for (const [pattern, section] of HEADING_KEYWORDS) if (pattern.test(shape.key)) return section;
  }
  if (shape.allCaps && shape.key.split(' ').length <= 4 && !TITLE_WORD.test(shape.key) && capsLineIsHeading(text)) return 'other';
  return null;
}

function titleOf(lines: readonly JobLine[], headings: ReadonlyMap<number, string>): string | null {
  const top = lines.slice(0, 8);
  for (const line of top) {
    const labelled = TITLE_LABEL.exec(line.text.trim());
    if (labelled?.[1]) return cleanTitle(labelled[1]);
  }
  for (const [index, line] of top.entries()) {
    if (headings.has(index)) continue;
    const pieces = line.text.split(/(\t|\s[|–—]\s|\s-\s|\s@\s|\s·\s)/);
    const at = pieces.findIndex((piece, position) => position % 2 === 0 && TITLE_WORD.test(piece));
    const part = pieces[at];
    if (part && part.split(/\s+/).length <= 8 && !/[.!?]$/.test(part.trim())) return cleanTitle(withSpecialism(part, pieces[at + 1], pieces[at + 2]));
  }
  // No heading names the job: read it from the prose ("We are looking for a Senior Backend Engineer to …").
  for (const line of lines.slice(0, 30)) {
    const title = titleInProse(line.text);
    if (title) return title;
  }
  return null;
}

// "join us as a …" is caught by "as a".
const PROSE_TITLE_CUE = /\b(?:looking for|seeking|hiring|recruiting|as) (?:an?|our) /gi;
const TITLE_CONNECTOR = /^(?:of|and|&|\/|-|in|for)$/;

/** The capitalised words after a cue ("hiring a Senior Backend Engineer to"), when they name a job. */
function titleInProse(text: string): string | null {
  for (const cue of text.matchAll(PROSE_TITLE_CUE)) {
    const words: string[] = [];
    // The next few words only: splitting the rest of a 100,000-character line at every cue would be quadratic.
    for (const word of text
      .slice(cue.index + cue[0].length, cue.index + cue[0].length + 160)
      .split(/\s+/)
      .slice(0, 9)) {
      const bare = word.replace(/(?<![,.;:!?)])[,.;:!?)]+$/, '');
      if (/^[\p{Lu}\d]/u.test(bare) || (words.length > 0 && TITLE_CONNECTOR.test(bare))) words.push(bare);
      else break;
      if (bare !== word) break;
    }
    while (words.length > 0 && TITLE_CONNECTOR.test(words[words.length - 1]!)) words.pop();
    const title = words.join(' ');
    if (words.length >= 1 && words.length <= 7 && TITLE_WORD.test(title)) return cleanTitle(title);
  }
  return null;
}

// After a dash, what is no part of the job's name: the employer ("Ltd", "Group"), the place, a team or unit.
const NOT_SPECIALISM =
  /\b(?:inc|ltd|llc|plc|gmbh|corp|corporation|company|group|solutions|technologies|unit|team|department|ward|remote|hybrid|full[- ]time|part[- ]time|permanent|contract|temporary|job|vacancy)\b|\d/i;

/**
 * "Senior Mechanical Engineer – Battery Systems", "Key Account Manager – Public Sector", "Teacher -
 * Secondary Music at Sandpoint High": the words after a dash name a specialism of the job and belong
 * to its title; an employer ("Analytics Engineer — Mentimeter"), a place or a unit ("– Medical-Surgical
 * Unit") does not. A single word after the dash is read as the employer's name.
 */
function withSpecialism(title: string, separator: string | undefined, next: string | undefined): string {
  if (!separator || !next || !/^\s[–—-]\s$/.test(separator)) return title;
  const specialism = (next.split(/\s(?:at|@)\s/)[0] ?? '').trim();
  const words = specialism.split(/\s+/);
  if (words.length < 2 || words.length > 4 || NOT_SPECIALISM.test(specialism) || isLocation(specialism)) return title;
  if (!words.every((word) => /^[\p{Lu}(&]/u.test(word))) return title;
  return `${title.trim()} ${separator.trim()} ${specialism}`;
}

function cleanTitle(text: string): string {
  return text
    .replace(/(?:\s[-–—:])?\s(?:job|position|vacancy|role) (?:details|description|posting|profile|summary)$/i, '')
    .replace(/(?<!\s)\s*\((?:m\/f\/d|f\/m\/d|remote|hybrid)\)\s*/gi, ' ')
    .replace(/(?<![\s:|–—-])[\s:|–—-]+$/, '')
    .trim();
}

function requiredYearsOf(lines: readonly JobLine[], headings: ReadonlyMap<number, string>): { years: number; index: number } | null {
  const candidates: { years: number; index: number; priority: number }[] = [];
  lines.forEach((line, index) => {
    if (headings.has(index) || line.section === 'benefits' || line.section === 'about') return;
    const years = yearsIn(line.text);
    if (years === null || years > 25) return;
    // Years in the requirements, next to "experience", decide; a "2+ years with Tableau" line
    // elsewhere only counts when nothing better is said.
    const priority = (line.section === 'required' ? 2 : line.section === 'preferred' ? 0 : 1) + (/experience/i.test(line.text) ? 2 : 0);
    candidates.push({ years, index, priority });
  });
  const best = candidates.sort((a, b) => b.priority - a.priority || b.years - a.years || a.index - b.index)[0];
  return best ? { years: best.years, index: best.index } : null;
}

function yearsIn(text: string): number | null {
  const values: number[] = [];
  for (const pattern of [YEARS_NUMERIC, YEARS_WORDED, YEARS_WORD_PLUS]) {
    for (const match of text.matchAll(pattern)) {
      const raw = (match[1] ?? '').toLowerCase();
      const value = NUMBER_WORDS[raw] ?? Number(raw);
      if (Number.isFinite(value) && value > 0) values.push(value);
    }
  }
  return values.length > 0 ? Math.max(...values) : null;
}

function summariseSections(lines: readonly JobLine[], headings: ReadonlyMap<number, string>): JobStructure['sections'] {
  const sections: JobStructure['sections'] = [];
  lines.forEach((line, index) => {
    const last = sections[sections.length - 1];
    if (headings.has(index)) {
      sections.push({ name: line.section, heading: line.text, lineCount: 0 });
      return;
    }
    if (!last) sections.push({ name: line.section, heading: null, lineCount: 1 });
    else last.lineCount += 1;
  });
  return sections;
}

/**
 * Skills a line offers as alternatives ("Playwright, Cypress or Selenium WebDriver"). A skill
 * gets alternatives only when every requirement line naming it offers them; one plain mention
 * elsewhere makes it required in its own right.
 */
function alternativesOf(
  merged: readonly { line: { text: string }; parts: number[] }[],
  mentions: readonly SkillMention[],
  scored: (index: number) => boolean,
): Map<string, string[]> {
  const offered = new Map<string, Set<string>>();
  const standalone = new Set<string>();
  for (const entry of merged) {
    if (!scored(entry.parts[0] ?? -1)) continue;
    const text = entry.line.text;
    const inLine = mentions
      .filter((mention) => entry.parts.includes(mention.lineIndex))
      .sort((a, b) => a.lineIndex - b.lineIndex || a.start - b.start);
    let cursor = 0;
    const located = inLine.map((mention) => {
      const at = text.indexOf(mention.matchedText, cursor);
      if (at >= 0) cursor = at + mention.matchedText.length;
      return { skill: mention.skill, start: at, end: at < 0 ? -1 : at + mention.matchedText.length };
    });
    let run: typeof located = [];
    let hasOr = false;
    const close = (): void => {
      const skills = [...new Set(run.map((item) => item.skill))];
      if (hasOr && skills.length >= 2) {
        for (const skill of skills) {
          const set = offered.get(skill) ?? new Set<string>();
          for (const other of skills) if (other !== skill) set.add(other);
          offered.set(skill, set);
        }
      } else {
        for (const skill of skills) standalone.add(skill);
      }
      run = [];
      hasOr = false;
    };
    for (const item of located) {
      const previous = run[run.length - 1];
      const connector = previous && previous.end >= 0 && item.start >= 0 ? text.slice(previous.end, item.start) : null;
      if (previous && connector !== null && ALTERNATIVE_CONNECTOR.test(connector)) {
        hasOr ||= /\bor\b|\//i.test(connector);
        run.push(item);
      } else {
        if (run.length > 0) close();
        run = [item];
      }
    }
    if (run.length > 0) close();
  }
  const result = new Map<string, string[]>();
  for (const [skill, others] of offered) if (!standalone.has(skill)) result.set(skill, [...others]);
  return result;
}
