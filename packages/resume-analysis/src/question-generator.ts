import { clauseExcerpt, excerptAround, quoteLine } from './document-lines';
import type { JobStructure } from './job-parser';
import { seniorityOf, titleStems, type MatchedSkill, type MatchReport, type MissingSkill, type ResumeSkill } from './match-report';
import {
  BEHAVIOURAL_TEMPLATES,
  CATEGORY_FOCUS,
  FALLBACK_TEMPLATES,
  FAMILY_CLAIM_TEMPLATES,
  FAMILY_OF,
  GAP_PROBE_TEMPLATES,
  GAP_TEMPLATES,
  GENERAL_CLAIM_TEMPLATES,
  OPENING_TEMPLATES,
  type OpeningVars,
  PHRASE_GAP_TEMPLATES,
  PROJECT_TEMPLATES,
  ROLE_TEMPLATES,
  SCENARIO_TEMPLATES,
  type DutyVars,
  type QuestionTemplate,
} from './question-templates';
import { MIN_QUESTIONS, normaliseQuestion, type InterviewQuestion, type QuestionCategory } from './question-schema';
import type { LineRef, ResumeRole, ResumeStructure } from './resume-parser';
import { skillInSentence } from './skill-display';
import { findSkillMentions } from './skill-matcher';
import { isLocation } from './locations';
import { stableHash } from './stable-hash';
import { gateFindings, polishQuestion } from './question-gate';
import { plausibleTitle } from './question-defects';

/** The offline question writer: every question is tied to a line of the resume or the job description. */

export interface QuestionContext {
  resume: ResumeStructure;
  resumeSkills: readonly ResumeSkill[];
  job: JobStructure;
  match: MatchReport;
}

const TARGET = { technical: 5, gap: 3, experience: 3, behavioural: 3, scenario: 2 } as const;
const MAX_TECHNICAL = 7;
const MAX_GAP = 5;

export function generateQuestions(context: QuestionContext): InterviewQuestion[] {
  const writer = new QuestionWriter(context.job.title ?? 'this role', gateHeadings(context.resume));
  const opening = openingQuestions(context, writer);
  const technical = technicalQuestions(context, writer, TARGET.technical);
  const gaps = gapQuestions(context, writer, TARGET.gap + Math.max(0, TARGET.technical - technical.length));
  // A preferred requirement the resume lacks is still worth one question when every required one is met.
  if (gaps.length === 0) gaps.push(...gapQuestions(context, writer, 1, true));
  const experience = experienceQuestions(context, writer, TARGET.experience);
  const duties = rankedDuties(context.job);
  // Each goes down the ranked duties until it has its count: a duty whose every question the gate refuses is passed over.
  const behavioural = dutyQuestions(context, writer, 'behavioural', duties, TARGET.behavioural);
  const scenario = dutyQuestions(context, writer, 'scenario', duties.slice(TARGET.behavioural).concat(duties), TARGET.scenario);

  const total = () => opening.length + technical.length + gaps.length + experience.length + behavioural.length + scenario.length;
  // Top up in order of how grounded the extra questions are.
  if (total() < MIN_QUESTIONS + 2) technical.push(...technicalQuestions(context, writer, MAX_TECHNICAL - technical.length));
  if (total() < MIN_QUESTIONS + 2) gaps.push(...gapQuestions(context, writer, MAX_GAP - gaps.length, true));
  if (total() < MIN_QUESTIONS + 2) behavioural.push(...softSkillQuestions(context, writer));
  if (total() < MIN_QUESTIONS + 2) scenario.push(...dutyQuestions(context, writer, 'scenario', duties, 2));
  if (total() < MIN_QUESTIONS + 2) behavioural.push(...dutyQuestions(context, writer, 'behavioural', duties, 2));
  const fallback: InterviewQuestion[] = [];
  // A category the posting's lines could not fill (every duty quoted already, or no task among them)
  // gets one question that needs no quote, so an interview still covers every kind.
  for (const [questions, category] of [
    [behavioural, 'behavioural'],
    [scenario, 'scenario'],
  ] as const) {
    if (questions.length > 0) continue;
    const generic = FALLBACK_TEMPLATES.filter((template) => template.category === category);
    const question = writer.write<DutyVars>(category, [generic], { duty: '', jobTitle: writer.jobTitle }, `fallback|${category}`, {
      why: `Job title: "${writer.jobTitle}"; the posting's duties are all asked about already or state no task.`,
    });
    if (question) questions.push(question);
  }
  for (const template of FALLBACK_TEMPLATES) {
    if (total() + fallback.length >= MIN_QUESTIONS) break;
    const vars: DutyVars = { duty: '', jobTitle: writer.jobTitle };
    const question = writer.write<DutyVars>(template.category, [template], vars, template.id, {
      why: `Job title: "${writer.jobTitle}"; added because the documents give little else to ask about.`,
    });
    if (question) fallback.push(question);
  }
  return [...opening, ...technical, ...gaps, ...experience, ...behavioural, ...scenario, ...fallback];
}

const PEOPLE =
  /\b(?:buyers|managers|engineers|analysts|nurses|developers|designers|colleagues|customers|clients|stakeholders|partners|teams|users|patients|students|pupils|suppliers)$/i;

/** A line of work that shows leading people ("Managed a 7-person team", "Supervised 12 nurses"). */
const LED_PEOPLE =
  /\b(?:led|lead|leading|managed|managing|supervised|supervising|mentored|coached|directed|oversaw|hired)\b[^.;]{0,40}\b(?:team|teams|staff|people|reports|engineers|nurses|reps|representatives|analysts|developers|employees|\d+)\b/i;

const LEADERSHIP_SKILLS = new Set(['Leadership', 'People management', 'Mentoring', 'Leadership and mentoring']);

function monthsOf(yearMonth: string): number | null {
  const match = /^(\d{4})-(\d{2})$/.exec(yearMonth);
  return match ? Number(match[1]) * 12 + Number(match[2]) - 1 : null;
}

/** The longest gap of over six months between two paid roles, with the roles either side. */
function employmentGap(roles: readonly ResumeRole[]): { months: number; before: ResumeRole; after: ResumeRole } | null {
  const spans = roles
    .map((role) => ({ role, start: monthsOf(role.start), end: role.end === 'present' ? Infinity : monthsOf(role.end) }))
    .filter((span): span is { role: ResumeRole; start: number; end: number } => span.start !== null && span.end !== null)
    .sort((a, b) => a.start - b.start);
  let reached: { end: number; role: ResumeRole } | null = null;
  let longest: { months: number; before: ResumeRole; after: ResumeRole } | null = null;
  for (const span of spans) {
    if (reached) {
      const months = span.start - reached.end - 1;
      if (months > 6 && (!longest || months > longest.months)) longest = { months, before: reached.role, after: span.role };
    }
    if (!reached || span.end > reached.end) reached = { end: span.end, role: span.role };
  }
  return longest;
}

/** Career change, over- or under-qualification, leadership for a lead role, a gap in employment: where they apply. */
function openingQuestions(context: QuestionContext, writer: QuestionWriter): InterviewQuestion[] {
  const { resume, job, match } = context;
  const latest = [...resume.roles]
    .filter((role) => role.title && plausibleTitle(role.title) && (!role.organisation || !isLocation(role.organisation)))
    .sort((a, b) => b.start.localeCompare(a.start))[0];
  const questions: InterviewQuestion[] = [];
  const jobTitle = job.title;
  const years = formatYears(resume.totalYears);
  const base: OpeningVars = {
    title: latest?.title ?? 'your last role',
    org: latest?.organisation ?? 'your last employer',
    jobTitle: writer.jobTitle,
    years,
  };
  const ask = (kind: keyof typeof OPENING_TEMPLATES, category: 'experience' | 'behavioural', vars: OpeningVars, why: string): void => {
    const question = writer.write(category, [OPENING_TEMPLATES[kind]], vars, `opening|${kind}`, { why });
    if (question) questions.push(question);
  };
  if (latest?.title && jobTitle) {
    const own = titleStems(latest.title);
    const wanted = titleStems(jobTitle);
    const shared = [...wanted].some((stem) => own.has(stem));
    if (!shared && own.size > 0 && wanted.size > 0) {
      ask(
        'careerChange',
        'experience',
        base,
        `Resume (${at(latest.line)}): "${short(latest.line.text)}"; the job is "${jobTitle}", a different line of work.`,
      );
    }
    const requiredYears = job.requiredYears;
    const overByYears = requiredYears !== null && resume.totalYears >= requiredYears * 2 + 5;
    const overByRank = seniorityOf(latest.title) >= 2 && seniorityOf(latest.title) > seniorityOf(jobTitle);
    if (overByRank || overByYears) {
      ask(
        'overQualified',
        'experience',
        base,
        `Resume (${at(latest.line)}): "${short(latest.line.text)}", ${years} in all; the job is "${jobTitle}"${requiredYears !== null ? ` asking for ${requiredYears} years` : ''}.`,
      );
    }
  }
  if (job.requiredYears !== null && resume.totalYears + 1 < job.requiredYears) {
    ask(
      'underQualified',
      'experience',
      { ...base, requiredYears: formatYears(job.requiredYears) },
      `The job asks for ${job.requiredYears} years; the resume's dated roles add up to ${years}.`,
    );
  }
  const leadsPeople =
    jobTitle !== null &&
    (/\b(?:lead|head|director|supervisor|chief|vp)\b/i.test(jobTitle) ||
      (/\bmanager\b/i.test(jobTitle) && [...job.required, ...job.preferred].some((requirement) => LEADERSHIP_SKILLS.has(requirement.skill))));
  if (leadsPeople) {
    const shown =
      match.matched.find((skill) => LEADERSHIP_SKILLS.has(skill.skill)) ?? context.resumeSkills.find((skill) => LEADERSHIP_SKILLS.has(skill.skill));
    // "Managed a 7-person team" shows leading people even when no skill was read from it.
    const ledLine = context.resume.lines.find((line) => line.section === 'experience' && LED_PEOPLE.test(line.text));
    if (shown && shown.evidence.section !== 'skills') {
      ask(
        'leadership',
        'behavioural',
        { ...base, evidence: short(shown.evidence.line) },
        `The job "${jobTitle}" leads people; resume (${at(shown.evidence)}): "${quoteLine(shown.evidence.line)}".`,
      );
    } else if (ledLine) {
      ask(
        'leadership',
        'behavioural',
        { ...base, evidence: short(ledLine.text) },
        `The job "${jobTitle}" leads people; resume (${at(ledLine)}): "${quoteLine(ledLine.text)}".`,
      );
    } else {
      ask('leadershipUnshown', 'behavioural', base, `The job "${jobTitle}" leads people; the resume shows no line about leading a team.`);
    }
  }
  const gap = employmentGap(resume.roles);
  // A degree finished in the gap explains it (a placement year, then the final year of study).
  const studied =
    gap !== null &&
    resume.education.some((entry) => {
      const before = monthsOf(gap.before.end);
      const after = monthsOf(gap.after.start);
      return (
        entry.year !== null && before !== null && after !== null && entry.year >= Math.floor(before / 12) && entry.year <= Math.floor(after / 12) + 1
      );
    });
  if (gap && !studied) {
    const name = (role: ResumeRole) => role.organisation ?? role.title ?? 'one role';
    const length = gap.months >= 24 ? `about ${Math.round(gap.months / 12)} years` : `${gap.months} months`;
    ask(
      'employmentGap',
      'experience',
      { ...base, gap: `${length} between ${name(gap.before)} and ${name(gap.after)}` },
      `Resume (${at(gap.before.line)}): "${short(gap.before.line.text)}"; (${at(gap.after.line)}): "${short(gap.after.line.text)}"; ${length} apart.`,
    );
  }
  return questions;
}

/** Lines no question may quote as an achievement: the resume's section headings and its roles' header lines ("Senior Engineer — Acme"). */
export function gateHeadings(resume: ResumeStructure): string[] {
  const headings = resume.sections.map((section) => section.heading).filter((heading): heading is string => heading !== null);
  const header = (role: ResumeRole) => [role.title, role.organisation].filter(Boolean).join(' ');
  return [...headings, ...resume.roles.flatMap((role) => [role.line.text, short(role.line.text), header(role)])];
}

class QuestionWriter {
  private readonly usedTemplates = new Set<string>();
  private readonly usedQuestions = new Set<string>();
  /** Questions written so far: a line quoted in one is not quoted again. */
  private readonly written: string[] = [];
  readonly usedClaims = new Set<string>();
  readonly askedSkills = new Set<string>();
  /** Questions the gate refused (and the writer replaced). */
  refused = 0;

  constructor(
    readonly jobTitle: string,
    private readonly headings: readonly string[] = [],
  ) {}

  /** Picks an unused template by hash of the seed, so the choice is stable for the same inputs. */
  write<V extends object>(
    category: QuestionCategory,
    pools: readonly (readonly QuestionTemplate<V>[] | QuestionTemplate<V>)[],
    vars: V,
    seed: string,
    extra: { why: string; skill?: string; lookForSuffix?: string },
  ): InterviewQuestion | null {
    for (const pool of pools) {
      const templates = (Array.isArray(pool) ? pool : [pool]) as readonly QuestionTemplate<V>[];
      const eligible = templates.filter(
        (template) =>
          !this.usedTemplates.has(template.id) &&
          (template.needs ?? []).every((key) => {
            const value = vars[key];
            return value !== undefined && value !== '';
          }),
      );
      if (eligible.length === 0) continue;
      // Start where the seed points and go round: a template whose question fails the gate is
      // replaced by the next one, never shipped.
      const first = stableHash(`${seed}|${this.jobTitle}`) % eligible.length;
      for (let k = 0; k < eligible.length; k++) {
        const template = eligible[(first + k) % eligible.length];
        if (!template) continue;
        const text = polishQuestion(template.render(vars));
        const key = normaliseQuestion(text);
        if (this.usedQuestions.has(key)) continue;
        if (gateFindings(text, this.headings, this.written).length > 0) {
          this.refused += 1;
          continue;
        }
        this.usedTemplates.add(template.id);
        this.usedQuestions.add(key);
        this.written.push(text);
        const lookFor = [template.lookFor(vars), extra.lookForSuffix].filter(Boolean).join(' ');
        return {
          category,
          ...(extra.skill ? { skill: extra.skill } : {}),
          difficulty: template.difficulty,
          question: text,
          why: extra.why,
          lookFor,
        };
      }
    }
    return null;
  }
}

function at(ref: { page: number; lineNo: number }): string {
  return `p. ${ref.page}, line ${ref.lineNo}`;
}

/** A quote for inside a question: cut at a clause, its own double quotes made single. */
function short(text: string, max = 110): string {
  return wholeClauses(clauseExcerpt(text, max).replace(/["“”]/g, "'"), text);
}

/**
 * A quote an interviewer can read out: an excerpt that ends in "…" is cut back to the whole clauses
 * it starts with ("Set and tracked weekly sales goals; achieved 125%…" → "Set and tracked weekly sales
 * goals"). One that cannot be (a single long clause) keeps its "…", and the gate refuses it.
 */
function wholeClauses(excerpt: string, source: string): string {
  if (!excerpt.endsWith('…') || excerpt.startsWith('…')) return excerpt;
  const body = excerpt.slice(0, -1).trimEnd();
  const flat = source.replace(/\s+/g, ' ').replace(/["“”]/g, "'");
  const end = flat.indexOf(body) + body.length;
  // "Improve organic traffic through SEO: keyword research, on-page…" reads whole up to its colon.
  const colon = body.indexOf(': ');
  if (colon > 0 && body.slice(0, colon).split(/\s+/).length >= 4) return body.slice(0, colon);
  if (flat.indexOf(body) >= 0 && /^(?:[,;:]\s|\s[–—]\s)/.test(flat.slice(end))) return body;
  let cut = -1;
  for (const match of body.matchAll(/[,;:]\s|\s[–—]\s/g)) {
    if (body.slice(0, match.index).split(/\s+/).length >= 4) cut = match.index;
  }
  return cut > 0 ? body.slice(0, cut) : excerpt;
}

/** Sections whose lines are pieces of work a question may quote. */
const WORK_SECTIONS = new Set<string>(['experience', 'projects']);

function technicalQuestions(context: QuestionContext, writer: QuestionWriter, limit: number): InterviewQuestion[] {
  if (limit <= 0) return [];
  const strength = (skill: MatchedSkill): number =>
    (skill.level === 'required' ? 0 : 2) +
    (skill.category === 'soft-skill' || skill.source === 'phrase' ? 3 : 0) +
    (skill.evidence.section === 'experience' || skill.evidence.section === 'projects' ? 0 : 1);
  // A skills list names skills; only a line about work is a claim to ask about.
  const candidates = context.match.matched
    // A skills list names skills, and a degree, certificate or summary is held or claimed, not done.
    .filter((skill) => !writer.askedSkills.has(skill.skill) && WORK_SECTIONS.has(skill.evidence.section))
    .map((skill, order) => ({ skill, order }))
    .sort((a, b) => strength(a.skill) - strength(b.skill) || a.order - b.order)
    .map(({ skill }) => skill);
  // Prefer a different resume line for each question, then allow repeats if that runs out.
  const ordered = [
    ...candidates.filter((skill, index) => candidates.findIndex((other) => other.evidence.line === skill.evidence.line) === index),
    ...candidates,
  ];
  const questions: InterviewQuestion[] = [];
  for (const matched of ordered) {
    if (questions.length >= limit) break;
    if (writer.askedSkills.has(matched.skill)) continue;
    const claim = wholeClauses(
      excerptAround(matched.evidence.line, matched.evidence.text, 110)
        .replace(/[.;:]$/, '')
        .replace(/["“”]/g, "'"),
      matched.evidence.line,
    );
    const family = matched.category === 'other' ? null : FAMILY_OF[matched.category];
    const pools = family ? [FAMILY_CLAIM_TEMPLATES[family], GENERAL_CLAIM_TEMPLATES] : [GENERAL_CLAIM_TEMPLATES];
    const question = writer.write('technical', pools, { skill: skillInSentence(matched.skill), claim }, `technical|${matched.skill}`, {
      skill: matched.skill,
      why: `Resume (${at(matched.evidence)}): "${quoteLine(matched.evidence.line)}" — evidence for the ${matched.level} skill ${matched.skill}.`,
      lookForSuffix: CATEGORY_FOCUS[matched.category](matched.skill),
    });
    if (question) {
      questions.push(question);
      writer.askedSkills.add(matched.skill);
      writer.usedClaims.add(claim);
    }
  }
  return questions;
}

function gapQuestions(context: QuestionContext, writer: QuestionWriter, limit: number, includePreferred = false): InterviewQuestion[] {
  if (limit <= 0) return [];
  const rank = (skill: MissingSkill): number =>
    (skill.level === 'required' ? 0 : 4) + (skill.source === 'phrase' ? 2 : 0) + (skill.category === 'soft-skill' ? 1 : 0);
  const resumeText = context.resume.lines.map((line) => line.text.toLowerCase()).join('\n');
  const candidates = context.match.missing
    // Never a gap the resume shows: a name written on it (inside "S/4HANA" too) is not missing.
    .filter((skill) => skill.skill.length < 4 || !resumeText.includes(skill.skill.toLowerCase()))
    // People the job works with ("plant buyers") are no skill to ask about.
    .filter((skill) => !PEOPLE.test(skill.skill))
    // Soft skills are asked about as behaviour, not as something to learn.
    .filter(
      (skill) =>
        (includePreferred || skill.level === 'required') &&
        !skill.coveredBy &&
        skill.category !== 'soft-skill' &&
        !writer.askedSkills.has(skill.skill),
    )
    .map((skill, order) => ({ skill, order }))
    .sort((a, b) => rank(a.skill) - rank(b.skill) || a.order - b.order)
    .map(({ skill }) => skill);
  // Someone with the years the job asks for, in the same line of work, has most likely done what
  // the resume leaves out: ask where, not how they would learn it.
  const latestTitle = [...context.resume.roles].sort((a, b) => b.start.localeCompare(a.start))[0]?.title ?? null;
  const sameWork =
    latestTitle !== null && context.job.title !== null && [...titleStems(context.job.title)].some((stem) => titleStems(latestTitle).has(stem));
  const experienced = sameWork && context.resume.totalYears >= Math.max(2, context.job.requiredYears ?? 2);
  const questions: InterviewQuestion[] = [];
  for (const missing of candidates) {
    if (questions.length >= limit) break;
    // Best bridge: a skill the candidate has that the same job line asks for ("observability
    // with Prometheus and Grafana"); else one of the same kind they have actually worked with.
    const sameLine = context.match.matched.find(
      (skill) =>
        skill.source === 'taxonomy' &&
        context.job.required
          .concat(context.job.preferred)
          .some(
            (requirement) =>
              requirement.skill === skill.skill &&
              requirement.evidence.page === missing.jobEvidence.page &&
              requirement.evidence.lineNo === missing.jobEvidence.lineNo,
          ),
    )?.skill;
    const related =
      sameLine ??
      context.resumeSkills.find(
        (skill) => skill.category === missing.category && (skill.evidence.section === 'experience' || skill.evidence.section === 'projects'),
      )?.skill;
    const jdLine = short(missing.jobEvidence.text);
    const question = writer.write(
      'gap',
      // A phrase read from the posting is asked about through its whole line, never by name.
      missing.source === 'phrase' ? [PHRASE_GAP_TEMPLATES] : [experienced ? GAP_PROBE_TEMPLATES : GAP_TEMPLATES],
      {
        skill: skillInSentence(missing.skill),
        jdLine,
        jobTitle: writer.jobTitle,
        ...(related ? { related: skillInSentence(related) } : {}),
      },
      `gap|${missing.skill}`,
      {
        skill: missing.skill,
        why:
          `Job description (${at(missing.jobEvidence)}): "${jdLine}" asks for ${missing.skill} (${missing.level}); the resume does not mention it.` +
          (related ? ` Closest resume skill: ${related}.` : ''),
      },
    );
    if (question) {
      questions.push(question);
      writer.askedSkills.add(missing.skill);
    }
  }
  return questions;
}

function formatYears(years: number): string {
  if (years < 1) {
    const months = Math.max(1, Math.round(years * 12));
    return months === 1 ? 'a month' : `${months} months`;
  }
  const whole = Math.floor(years);
  const fraction = years - whole;
  const count = (n: number) => (n === 1 ? 'a year' : `${n} years`);
  if (fraction < 0.25) return count(whole);
  if (fraction >= 0.75) return `nearly ${count(whole + 1)}`;
  return `over ${count(whole)}`;
}

/** The highlight most worth asking about: one with a number in it shows a claimed result. */
function bestHighlight(highlights: readonly LineRef[], used: ReadonlySet<string>): LineRef | undefined {
  const fresh = highlights.filter((line) => !used.has(short(line.text)) && line.text.split(/\s+/).length >= 5);
  return fresh.find((line) => /\d/.test(line.text)) ?? fresh[0];
}

function experienceQuestions(context: QuestionContext, writer: QuestionWriter, limit: number): InterviewQuestion[] {
  const questions: InterviewQuestion[] = [];
  const roles = [...context.resume.roles]
    .map((role, order) => ({ role, order }))
    .sort((a, b) => b.role.start.localeCompare(a.role.start) || a.order - b.order)
    .map(({ role }) => role)
    // A town read as a title or an employer is no role to ask about.
    .filter(
      (role) =>
        (role.title || role.organisation) && !(role.title && !plausibleTitle(role.title)) && !(role.organisation && isLocation(role.organisation)),
    );
  const projects = context.resume.projects;
  const roleSlots = projects.length > 0 ? Math.max(1, limit - 1) : limit;
  roles.slice(0, roleSlots).forEach((role, index) => {
    const previous: ResumeRole | undefined = roles[index + 1];
    const highlight = bestHighlight(role.highlights, writer.usedClaims);
    const vars = {
      title: role.title ?? 'your role',
      org: role.organisation ?? 'your employer',
      years: formatYears(role.years),
      ...(highlight ? { highlight: short(highlight.text) } : {}),
      ...(previous?.title && previous.organisation ? { previousTitle: previous.title, previousOrg: previous.organisation } : {}),
    };
    const cited = highlight ?? role.line;
    const question = writer.write('experience', [ROLE_TEMPLATES], vars, `role|${vars.title}|${vars.org}`, {
      why: `Resume (${at(role.line)}): "${short(role.line.text)}"${highlight ? `; (${at(cited)}): "${short(highlight.text)}"` : ''}.`,
    });
    if (question) {
      questions.push(question);
      if (highlight) writer.usedClaims.add(short(highlight.text));
    }
  });
  for (const project of projects) {
    if (questions.length >= limit) break;
    const highlight = bestHighlight(project.highlights, writer.usedClaims);
    const vars = { project: short(project.name, 80), ...(highlight ? { highlight: short(highlight.text) } : {}) };
    const question = writer.write('experience', [PROJECT_TEMPLATES], vars, `project|${project.name}`, {
      why: `Resume, projects (${at(project.line)}): "${short(project.line.text)}".`,
    });
    if (question) questions.push(question);
  }
  return questions;
}

/** Duties worth asking about first: specific ones (naming skills, of a decent length). */
function rankedDuties(job: JobStructure): LineRef[] {
  const requiredLines = new Set(job.required.map((requirement) => `${requirement.evidence.page}:${requirement.evidence.lineNo}`));
  const words = (line: LineRef) => line.text.split(/\s+/).length;
  return job.responsibilities
    .filter((line) => words(line) >= 4)
    .map((line, order) => ({
      line,
      order,
      score: (requiredLines.has(`${line.page}:${line.lineNo}`) ? 2 : 0) + (words(line) >= 8 && words(line) <= 30 ? 1 : 0),
    }))
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .map(({ line }) => line);
}

function dutyQuestions(
  context: QuestionContext,
  writer: QuestionWriter,
  category: 'behavioural' | 'scenario',
  duties: readonly LineRef[],
  count: number,
): InterviewQuestion[] {
  const pool = category === 'behavioural' ? BEHAVIOURAL_TEMPLATES : SCENARIO_TEMPLATES;
  const questions: InterviewQuestion[] = [];
  for (const duty of duties) {
    if (questions.length >= count) break;
    const onThisLine = context.job.required.filter(
      (requirement) => requirement.evidence.page === duty.page && requirement.evidence.lineNo === duty.lineNo,
    );
    const skill = (onThisLine.find((requirement) => requirement.source === 'taxonomy') ?? onThisLine[0])?.skill;
    // A duty is quoted whole when it fits a spoken question; a cut one is refused by the gate.
    const vars: DutyVars = { duty: short(lowerFirst(duty.text), 140), jobTitle: writer.jobTitle };
    const question = writer.write(category, [pool.filter((template) => !template.needs?.includes('skill'))], vars, `${category}|${duty.text}`, {
      ...(skill ? { skill } : {}),
      why: `Job description, responsibilities (${at(duty)}): "${short(duty.text)}".`,
    });
    if (question) questions.push(question);
  }
  return questions;
}

function softSkillQuestions(context: QuestionContext, writer: QuestionWriter): InterviewQuestion[] {
  const soft = context.job.required.find((requirement) => requirement.category === 'soft-skill' && !writer.askedSkills.has(requirement.skill));
  if (!soft) return [];
  const question = writer.write(
    'behavioural',
    [BEHAVIOURAL_TEMPLATES.filter((template) => template.needs?.includes('skill'))],
    { duty: '', jobTitle: writer.jobTitle, skill: skillInSentence(soft.skill) },
    `soft|${soft.skill}`,
    { skill: soft.skill, why: `Job description (${at(soft.evidence)}): "${short(soft.evidence.text)}".` },
  );
  if (!question) return [];
  writer.askedSkills.add(soft.skill);
  return [question];
}

/** "Own the release process" reads better inside a sentence as "own the release process". */
function lowerFirst(text: string): string {
  const first = text.split(/\s+/)[0] ?? '';
  const isName = (first.length > 1 && first === first.toUpperCase()) || findSkillMentions([{ text: first }]).length > 0;
  return isName ? text : text.charAt(0).toLowerCase() + text.slice(1);
}
