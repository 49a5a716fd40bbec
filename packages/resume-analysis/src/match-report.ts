import { excerptAround, quoteLine } from './document-lines';
import type { JobRequirement, JobStructure, RequirementLevel } from './job-parser';
import { stemsOf } from './key-phrases';
import type { LineRef, ResumeSection, ResumeStructure } from './resume-parser';
import { findSkillMentions, type SkillMention } from './skill-matcher';
import type { SkillCategory } from './skill-taxonomy';
import { meaningMatcher, type MatchBasis } from './meaning-match';

export interface SkillEvidence {
  /** The resume line, quoted with contact details redacted. */
  line: string;
  /** The words in that line that name the skill, as written ("Postgres", "k8s"). */
  text?: string;
  page: number;
  lineNo: number;
  section: ResumeSection;
}

export interface ResumeSkill {
  skill: string;
  category: SkillCategory;
  evidence: SkillEvidence;
  /** How many resume lines mention it. */
  mentions: number;
}

export interface MatchedSkill {
  skill: string;
  category: SkillCategory | 'other';
  level: RequirementLevel;
  source: JobRequirement['source'];
  evidence: SkillEvidence;
  /**
   * How the resume shows it: `named` (the skill or one of its aliases), `related` (a narrower skill
   * or tool, named in `via`), or `description` (the line describes doing it; `via` quotes the words).
   */
  by: MatchBasis;
  via?: string;
}

export interface MissingSkill {
  skill: string;
  category: SkillCategory | 'other';
  level: RequirementLevel;
  source: JobRequirement['source'];
  /** Where the job description asks for it. */
  jobEvidence: LineRef;
  /** The job accepts this resume skill instead, so it does not count against the score. */
  coveredBy?: string;
}

export interface SkillScorePart {
  /** Points this part can contribute to the 0–100 score. */
  weight: number;
  points: number;
  matched: number;
  total: number;
}

export interface ExperienceScorePart {
  weight: number;
  points: number;
  requiredYears: number | null;
  candidateYears: number;
  /** Years in roles of the same line of work as the job (their titles share a word), which count in full; other years count half. */
  relevantYears: number;
}

export interface EducationScorePart {
  weight: number;
  points: number;
  /** The job description's line asking for a degree; the part applies only when there is one. */
  asked: string | null;
  /** The resume's degree that answers it. */
  degree: string | null;
}

export interface SeniorityScorePart {
  weight: number;
  points: number;
  /** 0 the rest, 1 senior, 2 manager or lead, 3 director or head. */
  job: number;
  candidate: number;
}

export interface MatchReport {
  score: number;
  parts: {
    /** Requirements met, each weighted by how the job description ranks it (required before preferred, earlier before later, named skills before soft ones). */
    requiredSkills: SkillScorePart;
    preferredSkills: SkillScorePart;
    experience: ExperienceScorePart;
    education: EducationScorePart;
    seniority: SeniorityScorePart;
  };
  matched: MatchedSkill[];
  missing: MissingSkill[];
  extra: ResumeSkill[];
}

/** Required skills weigh most, then preferred skills and relevant years, then education and seniority. */
const BASE_WEIGHTS = { requiredSkills: 55, preferredSkills: 15, experience: 18, education: 5, seniority: 7 } as const;

// Evidence from doing the work beats a line in a skills list.
const SECTION_PRIORITY: Readonly<Record<ResumeSection, number>> = {
  experience: 0,
  projects: 1,
  certifications: 2,
  summary: 3,
  skills: 4,
  education: 5,
  other: 6,
  header: 7,
};

/** Collapses mentions into one entry per skill, citing the most convincing line. */
export function resumeSkillsOf(resume: ResumeStructure, mentions: readonly SkillMention[], quoteText: readonly string[] = []): ResumeSkill[] {
  type Found = { category: SkillCategory; lineIndexes: number[]; written: Map<number, string> };
  const bySkill = new Map<string, Found>();
  for (const mention of mentions) {
    const entry: Found = bySkill.get(mention.skill) ?? { category: mention.category, lineIndexes: [], written: new Map() };
    if (!entry.lineIndexes.includes(mention.lineIndex)) entry.lineIndexes.push(mention.lineIndex);
    if (!entry.written.has(mention.lineIndex)) entry.written.set(mention.lineIndex, mention.matchedText);
    bySkill.set(mention.skill, entry);
  }
  return [...bySkill].map(([skill, { category, lineIndexes, written }]) => ({
    skill,
    category,
    evidence: bestEvidence(resume, lineIndexes, quoteText, written),
    mentions: lineIndexes.length,
  }));
}

function bestEvidence(
  resume: ResumeStructure,
  lineIndexes: readonly number[],
  quoteText: readonly string[] = [],
  written: ReadonlyMap<number, string> = new Map(),
): SkillEvidence {
  const ranked = [...lineIndexes].sort((a, b) => {
    const sectionA = resume.lines[a]?.section ?? 'other';
    const sectionB = resume.lines[b]?.section ?? 'other';
    return SECTION_PRIORITY[sectionA] - SECTION_PRIORITY[sectionB] || a - b;
  });
  const index = ranked[0] ?? 0;
  const line = resume.lines[index];
  const text = written.get(index);
  return {
    line: excerptAround(quoteText[index] ?? line?.text ?? '', text, 160),
    ...(text ? { text } : {}),
    page: line?.page ?? 1,
    lineNo: line?.lineNo ?? 0,
    section: line?.section ?? 'other',
  };
}

// Soft skills and untaxonomised phrases are weaker signals than named technical skills, and a job
// description lists what matters most first: the first item weighs 1.5 times the last.
function requirementWeight(requirement: JobRequirement, position: number, count: number): number {
  const kind = requirement.source === 'phrase' || requirement.category === 'soft-skill' ? 0.5 : 1;
  return kind * (1 + 0.5 * (count > 1 ? 1 - position / (count - 1) : 1));
}

export function buildMatchReport(
  resume: ResumeStructure,
  resumeSkills: readonly ResumeSkill[],
  job: JobStructure,
  quoteText: readonly string[] = [],
): MatchReport {
  const skillByName = new Map(resumeSkills.map((skill) => [skill.skill, skill]));
  const phraseMatcher = phraseEvidenceFinder(resume, quoteText);
  const matched: MatchedSkill[] = [];
  const missing: MissingSkill[] = [];
  const tally = { required: { matched: 0, total: 0, count: 0, hits: 0 }, preferred: { matched: 0, total: 0, count: 0, hits: 0 } };

  const lineIndexOf = new Map(resume.lines.map((line, index) => [`${line.page}:${line.lineNo}`, index]));
  const skillLines = new Map<string, number>();
  for (const skill of resumeSkills) {
    const index = lineIndexOf.get(`${skill.evidence.page}:${skill.evidence.lineNo}`);
    if (index !== undefined) skillLines.set(skill.skill, index);
  }
  const byMeaning = meaningMatcher(resume, quoteText, skillLines);
  const evidenceFor = (requirement: JobRequirement): { evidence: SkillEvidence; by: MatchBasis; via?: string } | undefined => {
    const named = requirement.source === 'taxonomy' ? skillByName.get(requirement.skill)?.evidence : phraseMatcher(requirement.skill);
    if (named) return { evidence: named, by: 'named' };
    const hit = byMeaning(requirement);
    if (!hit) return undefined;
    const evidence = hit.by === 'related' ? skillByName.get(hit.via)?.evidence : undefined;
    return {
      evidence: evidence ?? bestEvidence(resume, [hit.lineIndex], quoteText, new Map([[hit.lineIndex, hit.via]])),
      by: hit.by,
      via: hit.via,
    };
  };
  // An alternative the job line offers in words the taxonomy does not tie together ("preferably in
  // manufacturing, warehousing or logistics"): shown when the resume names it as a skill or shows it
  // by meaning. A bare word found somewhere ("finance" in "finance directors") is not enough.
  const alternativeShown = (part: string): boolean =>
    findSkillMentions([{ text: part }]).some((mention) => skillByName.has(mention.skill)) ||
    byMeaning({ skill: part, source: 'phrase' }) !== undefined;
  // "Playwright, Cypress or Selenium" is one requirement: met by any, missed once.
  const countedGroups = new Set<string>();
  const positionIn = new Map<JobRequirement, [number, number]>();
  job.required.forEach((requirement, index) => positionIn.set(requirement, [index, job.required.length]));
  job.preferred.forEach((requirement, index) => positionIn.set(requirement, [index, job.preferred.length]));
  for (const requirement of [...job.required, ...job.preferred]) {
    const [position, count] = positionIn.get(requirement) ?? [0, 1];
    const weight = requirementWeight(requirement, position, count);
    const bucket = tally[requirement.level];
    const found = evidenceFor(requirement);
    const evidence = found?.evidence;
    const alternatives = requirement.alternatives ?? [];
    const coveredBy = evidence
      ? undefined
      : (alternatives.find((skill) => skillByName.has(skill)) ?? listedAlternatives(requirement).find((part) => alternativeShown(part)));
    const group = [requirement.skill, ...alternatives].sort().join('|');
    const counted = evidence !== undefined || (coveredBy === undefined && !countedGroups.has(group));
    if (alternatives.length > 0 && counted) countedGroups.add(group);
    if (counted) {
      bucket.total += weight;
      bucket.count += 1;
    }
    if (found) {
      bucket.matched += weight;
      bucket.hits += 1;
      matched.push({
        skill: requirement.skill,
        category: requirement.category,
        level: requirement.level,
        source: requirement.source,
        evidence: found.evidence,
        by: found.by,
        ...(found.via ? { via: found.via } : {}),
      });
    } else {
      missing.push({
        skill: requirement.skill,
        category: requirement.category,
        level: requirement.level,
        source: requirement.source,
        jobEvidence: { ...requirement.evidence, text: quoteLine(requirement.evidence.text) },
        ...(coveredBy ? { coveredBy } : {}),
      });
    }
  }

  const wanted = new Set([...job.required, ...job.preferred, ...job.mentioned].map((requirement) => requirement.skill));
  const extra = resumeSkills.filter((skill) => !wanted.has(skill.skill));

  const degreeAsked = job.lines.find((line) => (line.section === 'required' || line.section === 'preferred') && DEGREE.test(line.text)) ?? null;
  const degree = resume.education.find((entry) => entry.degree !== null)?.degree ?? null;
  const jobRank = job.title ? seniorityOf(job.title) : null;
  const latest = [...resume.roles].filter((role) => role.title).sort((a, b) => b.start.localeCompare(a.start))[0];
  const candidateRank = latest?.title ? seniorityOf(latest.title) : null;
  const applicable = {
    requiredSkills: tally.required.total > 0,
    preferredSkills: tally.preferred.total > 0,
    experience: job.requiredYears !== null,
    education: degreeAsked !== null,
    seniority: jobRank !== null && candidateRank !== null && jobRank > 0,
  };
  const weights = redistribute(applicable);
  const requiredRatio = tally.required.total > 0 ? tally.required.matched / tally.required.total : 0;
  const preferredRatio = tally.preferred.total > 0 ? tally.preferred.matched / tally.preferred.total : 0;
  const candidateYears = resume.totalYears;
  const relevantYears = relevantYearsOf(resume, job.title);
  // Years in another line of work still count, at half: they are experience, not this experience.
  const countedYears = relevantYears + 0.5 * Math.max(0, candidateYears - relevantYears);
  const experienceRatio = job.requiredYears ? Math.min(1, countedYears / job.requiredYears) : 0;
  const educationRatio = degreeAsked && degree ? 1 : 0;
  // One step below the job's seniority is half way; above it is fine, two or more below is not.
  const seniorityRatio = jobRank !== null && candidateRank !== null ? Math.max(0, 1 - Math.max(0, jobRank - candidateRank) * 0.5) : 0;

  const parts: MatchReport['parts'] = {
    requiredSkills: {
      weight: weights.requiredSkills,
      points: round1(weights.requiredSkills * requiredRatio),
      matched: tally.required.hits,
      total: tally.required.count,
    },
    preferredSkills: {
      weight: weights.preferredSkills,
      points: round1(weights.preferredSkills * preferredRatio),
      matched: tally.preferred.hits,
      total: tally.preferred.count,
    },
    experience: {
      weight: weights.experience,
      points: round1(weights.experience * experienceRatio),
      requiredYears: job.requiredYears,
      candidateYears,
      relevantYears: round1(relevantYears),
    },
    education: {
      weight: weights.education,
      points: round1(weights.education * educationRatio),
      asked: degreeAsked ? quoteLine(degreeAsked.text) : null,
      degree,
    },
    seniority: {
      weight: weights.seniority,
      points: round1(weights.seniority * seniorityRatio),
      job: jobRank ?? 0,
      candidate: candidateRank ?? 0,
    },
  };
  const score = Math.round(
    weights.requiredSkills * requiredRatio +
      weights.preferredSkills * preferredRatio +
      weights.experience * experienceRatio +
      weights.education * educationRatio +
      weights.seniority * seniorityRatio,
  );
  return { score: Math.max(0, Math.min(100, score)), parts, matched, missing, extra };
}

/** A part the job description gives nothing to judge by hands its points to the others. */
function redistribute(applicable: Record<keyof typeof BASE_WEIGHTS, boolean>): Record<keyof typeof BASE_WEIGHTS, number> {
  const keys = Object.keys(BASE_WEIGHTS) as (keyof typeof BASE_WEIGHTS)[];
  const active = keys.filter((key) => applicable[key]);
  const activeTotal = active.reduce((sum, key) => sum + BASE_WEIGHTS[key], 0);
  const result = { requiredSkills: 0, preferredSkills: 0, experience: 0, education: 0, seniority: 0 };
  for (const key of active) result[key] = round1((BASE_WEIGHTS[key] / activeTotal) * 100);
  return result;
}

/** Words a key phrase's words may spread over beyond its own length ("managed state with Redux" for "state management"). */
const PHRASE_SLACK = 1;

/**
 * Finds the resume line that carries every (stemmed) word of a key phrase close together, within
 * one sentence: "accounting software" is not shown by "B2B software. … mid-market accounts", nor
 * "product design" by "design system used by four product squads".
 */
function phraseEvidenceFinder(resume: ResumeStructure, quoteText: readonly string[]): (phrase: string) => SkillEvidence | undefined {
  const lineSentences = resume.lines.map((line, index) =>
    (quoteText[index] ?? line.text)
      .split(SENTENCE_END)
      .map((sentence) => stemsOf(sentence).filter((stem) => !FILLER.has(stem) && !/^\d/.test(stem)))
      .filter((stems) => stems.length > 0),
  );
  const lineStems = lineSentences.map((sentences) => new Set(sentences.flat()));
  return (phrase) => {
    const wanted = [...new Set(stemsOf(phrase).filter((stem) => !FILLER.has(stem) && !/^\d/.test(stem)))];
    if (wanted.length === 0) return undefined;
    const candidates: number[] = [];
    lineStems.forEach((stems, index) => {
      if (!wanted.every((stem) => stems.has(stem))) return;
      if (lineSentences[index]?.some((sentence) => withinSpan(sentence, wanted, wanted.length + PHRASE_SLACK))) candidates.push(index);
    });
    return candidates.length > 0 ? bestEvidence(resume, candidates, quoteText) : undefined;
  };
}

/** Words that do not separate a phrase's words: articles, prepositions, possessives, counts ("renewed all five framework contracts"). */
const FILLER = new Set(
  stemsOf(
    'a an the of and or to for in on with at by from as into all every each some both its their our my his her one two three four five six seven eight nine ten',
  ),
);

/** A full stop, semicolon or question mark followed by a space ends a sentence; "2.1" and "Node.js" do not. */
const SENTENCE_END = /[.;!?](?:\s|$)/;

/** Whether every wanted word occurs in some run of at most `span` consecutive words. */
export function withinSpan(words: readonly string[], wanted: readonly string[], span: number): boolean {
  const last = new Map<string, number>();
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!wanted.includes(word)) continue;
    last.set(word, i);
    if (last.size === wanted.length && i - Math.min(...last.values()) < span) return true;
  }
  return false;
}

/** Words that lead into a list item without being part of it ("preferably in manufacturing"). */
const LEAD_IN =
  /^(?:(?:preferably|ideally|ideal|especially|particularly|e\.?g\.?|such as|including|like|either|professional|proven|solid|strong|good|hands-on|experience|knowledge|familiarity|background|another|other|similar|modern|in|with|of|an?|the|some|any) )+/i;
/** Between the items of a list, in text whose white space is single spaces. */
const LIST_SEPARATOR = /, ?| (?:and\/)?or | \/ /i;
/** A list item is a name or a short phrase; longer parts are the sentence around the list. */
const MAX_ITEM_WORDS = 3;

/**
 * The other items of an "or" list on the job line that asks for the requirement: "manufacturing,
 * warehousing or logistics" gives "manufacturing" and "logistics" for the warehousing item. Empty
 * when the line has no such list or the requirement is not one of its items.
 */
export function listedAlternatives(requirement: Pick<JobRequirement, 'skill' | 'evidence'>): string[] {
  const own = stemsOf(requirement.skill);
  const isOwn = (part: string) => {
    const stems = new Set(stemsOf(part));
    return own.every((stem) => stems.has(stem)) || findSkillMentions([{ text: part }]).some((mention) => mention.skill === requirement.skill);
  };
  const text = requirement.evidence.text.replace(/\s+/g, ' ');
  for (const sentence of text.split(/[.;:](?: |$)/)) {
    // "VueJS or another JavaScript framework (React, Angular, Ember)": the examples in brackets are
    // instances of the item they follow, and the job accepts any item of the list, that one included.
    const open = sentence.indexOf('(');
    const close = open < 0 ? -1 : sentence.indexOf(')', open);
    const clause = open < 0 ? sentence : sentence.slice(0, open);
    if (!/ (?:and\/)?or /i.test(clause)) continue;
    const parts = clause
      .split(LIST_SEPARATOR)
      .map((part) => part.trim().replace(LEAD_IN, '').trim())
      .filter((part) => part !== '' && part.split(' ').length <= MAX_ITEM_WORDS);
    if (parts.length < 2) continue;
    if (parts.some(isOwn)) return parts.filter((part) => !isOwn(part));
    const examples = open < 0 ? [] : sentence.slice(open + 1, close < 0 ? undefined : close).split(LIST_SEPARATOR);
    if (examples.some(isOwn)) return parts;
  }
  return [];
}

const DEGREE = /\b(?:bachelor'?s?|master'?s?|degree|BSc|BEng|MSc|MBA|PhD|diploma)\b/i;

/** 3 runs a function, 2 leads people or a specialism, 1 is senior, 0 is the rest. */
export function seniorityOf(title: string): number {
  if (/\b(?:director|head|vp|vice president|chief)\b/i.test(title)) return 3;
  if (/\b(?:manager|lead|principal|supervisor)\b/i.test(title)) return 2;
  if (/\b(?:senior|sr)\b/i.test(title)) return 1;
  return 0;
}

const RANK_WORDS = new Set([
  'senior',
  'sr',
  'junior',
  'jr',
  'lead',
  'principal',
  'staff',
  'head',
  'chief',
  'associate',
  'assistant',
  'of',
  'the',
  'and',
  'for',
  'to',
  'in',
  'a',
]);

/** The words of a title that say what the work is, stemmed ("Management Accountant" → manag, account). */
export function titleStems(title: string): Set<string> {
  return new Set(
    (title.toLowerCase().match(/\p{L}+/gu) ?? []).filter((word) => word.length > 1 && !RANK_WORDS.has(word)).map((word) => stemsOf(word)[0] ?? word),
  );
}

/** Years in roles whose title shares a word of the job's title: the same line of work. All years when either title is unknown. */
function relevantYearsOf(resume: ResumeStructure, jobTitle: string | null): number {
  if (!jobTitle) return resume.totalYears;
  const wanted = titleStems(jobTitle);
  const titled = resume.roles.filter((role) => role.title);
  if (titled.length === 0 || wanted.size === 0) return resume.totalYears;
  const relevant = titled.filter((role) => [...titleStems(role.title ?? '')].some((stem) => wanted.has(stem)));
  return Math.min(
    resume.totalYears,
    relevant.reduce((sum, role) => sum + role.years, 0),
  );
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
