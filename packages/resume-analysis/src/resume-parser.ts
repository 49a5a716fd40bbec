import { redactContactDetails, redactDocumentLines } from './contact-redaction';
import { findDateRange, formatMonthDate, yearsAcross, type DateRange, type MonthDate } from './date-ranges';
import type { DocumentLine } from './document-lines';
import { headingShape, isBulletLine, stripBullet } from './heading-shape';
import { findSkillMentions, type SkillMention } from './skill-matcher';
import { mergeWrappedLines } from './wrapped-lines';
import { isLocation } from './locations';
import { capsLineIsHeading } from './unknown-heading';

export const RESUME_SECTIONS = ['header', 'summary', 'experience', 'education', 'skills', 'projects', 'certifications', 'other'] as const;
export type ResumeSection = (typeof RESUME_SECTIONS)[number];

/** A resume line as stored in a result: contact details already redacted. */
export interface ResumeLine extends DocumentLine {
  section: ResumeSection;
}

export interface LineRef {
  text: string;
  page: number;
  lineNo: number;
}

export interface ResumeRole {
  title: string | null;
  organisation: string | null;
  /** "YYYY-MM" */
  start: string;
  /** "YYYY-MM", or "present" when the role is ongoing. */
  end: string;
  years: number;
  line: LineRef;
  highlights: LineRef[];
}

export interface ResumeEducation {
  degree: string | null;
  institution: string | null;
  year: number | null;
  line: LineRef;
}

export interface ResumeProject {
  name: string;
  line: LineRef;
  highlights: LineRef[];
}

export interface ResumeSectionSummary {
  name: ResumeSection;
  heading: string | null;
  firstLine: LineRef | null;
  lineCount: number;
}

export interface ResumeStructure {
  sections: ResumeSectionSummary[];
  summary: string | null;
  roles: ResumeRole[];
  totalYears: number;
  /**
   * The candidate's current title as a recruiter reads it: the latest role's (a role still held
   * first); when no dated role
   * has a title, the first role header of the experience section (resumes list the latest first);
   * else the headline under the name. Null when none is written.
   */
  candidateTitle: string | null;
  education: ResumeEducation[];
  projects: ResumeProject[];
  certifications: LineRef[];
  lines: ResumeLine[];
}

export interface ParsedResume {
  structure: ResumeStructure;
  /** Skill mentions with `lineIndex` into `structure.lines`. */
  mentions: SkillMention[];
  /** For each line, the whole (unwrapped) line it belongs to: what evidence should quote. */
  quoteText: string[];
}

const HEADINGS: Readonly<Record<string, ResumeSection>> = {
  summary: 'summary',
  'professional summary': 'summary',
  'career summary': 'summary',
  profile: 'summary',
  'professional profile': 'summary',
  'personal profile': 'summary',
  'about me': 'summary',
  about: 'summary',
  objective: 'summary',
  'career objective': 'summary',
  'personal statement': 'summary',
  overview: 'summary',
  experience: 'experience',
  work: 'experience',
  'work experience': 'experience',
  'professional experience': 'experience',
  'employment history': 'experience',
  employment: 'experience',
  'work history': 'experience',
  'career history': 'experience',
  'relevant experience': 'experience',
  'clinical experience': 'experience',
  'teaching experience': 'experience',
  'professional background': 'experience',
  'experience highlights': 'experience',
  education: 'education',
  'academic background': 'education',
  'education and training': 'education',
  'academic qualifications': 'education',
  qualifications: 'education',
  'education and qualifications': 'education',
  skills: 'skills',
  'technical skills': 'skills',
  'core competencies': 'skills',
  'key skills': 'skills',
  competencies: 'skills',
  technologies: 'skills',
  'tools and technologies': 'skills',
  'areas of expertise': 'skills',
  'skills and tools': 'skills',
  'skills and abilities': 'skills',
  expertise: 'skills',
  'clinical skills': 'skills',
  'core skills': 'skills',
  'skills summary': 'skills',
  'tech stack': 'skills',
  projects: 'projects',
  'selected projects': 'projects',
  'personal projects': 'projects',
  'key projects': 'projects',
  portfolio: 'projects',
  'side projects': 'projects',
  'open source': 'projects',
  certifications: 'certifications',
  certification: 'certifications',
  certificates: 'certifications',
  'licenses and certifications': 'certifications',
  'licences and certifications': 'certifications',
  'certifications and licenses': 'certifications',
  'certifications and licences': 'certifications',
  licensure: 'certifications',
  licenses: 'certifications',
  licences: 'certifications',
  accreditations: 'certifications',
  'professional development': 'certifications',
  'training and certifications': 'certifications',
  'professional qualifications': 'certifications',
  training: 'certifications',
  'courses and training': 'certifications',
  courses: 'certifications',
  awards: 'other',
  honours: 'other',
  honors: 'other',
  'honours and awards': 'other',
  'awards and honours': 'other',
  'activities and societies': 'other',
  'extracurricular activities': 'other',
  extracurricular: 'other',
  'clubs and societies': 'other',
  societies: 'other',
  clubs: 'other',
  leadership: 'other',
  'leadership and activities': 'other',
  'community involvement': 'other',
  'volunteer work': 'other',
  publications: 'other',
  volunteering: 'other',
  volunteer: 'other',
  'volunteer experience': 'other',
  interests: 'other',
  hobbies: 'other',
  languages: 'other',
  references: 'other',
  'additional information': 'other',
  achievements: 'other',
  activities: 'other',
  memberships: 'other',
  'professional memberships': 'other',
  'talks and writing': 'other',
  talks: 'other',
  'talks and publications': 'other',
  other: 'other',
};

const LAST_WORD_SECTIONS: Readonly<Record<string, ResumeSection>> = {
  experience: 'experience',
  employment: 'experience',
  history: 'experience',
  education: 'education',
  skills: 'skills',
  competencies: 'skills',
  expertise: 'skills',
  technologies: 'skills',
  projects: 'projects',
  certifications: 'certifications',
  licenses: 'certifications',
  licences: 'certifications',
  certificates: 'certifications',
  summary: 'summary',
  profile: 'summary',
  objective: 'summary',
};

const TITLE_WORDS = new RegExp(
  '\\b(' +
    [
      'engineer',
      'developer',
      'programmer',
      'architect',
      'analyst',
      'scientist',
      'manager',
      'director',
      'lead',
      'head',
      'officer',
      'specialist',
      'consultant',
      'coordinator',
      'co-ordinator',
      'administrator',
      'assistant',
      'associate',
      'intern',
      'internship',
      'nurse',
      'rn',
      'teacher',
      'tutor',
      'lecturer',
      'instructor',
      'professor',
      'accountant',
      'auditor',
      'controller',
      'bookkeeper',
      'clerk',
      'representative',
      'executive',
      'designer',
      'tester',
      'technician',
      'supervisor',
      'owner',
      'founder',
      'co-founder',
      'president',
      'vp',
      'chief',
      'cto',
      'ceo',
      'cfo',
      'advisor',
      'adviser',
      'strategist',
      'marketer',
      'planner',
      'buyer',
      'driver',
      'operator',
      'agent',
      'editor',
      'writer',
      'researcher',
      'fellow',
      'apprentice',
      'trainee',
      'volunteer',
      'practitioner',
      'therapist',
      'pharmacist',
      'physician',
      'paramedic',
      'aide',
      'carer',
      'caregiver',
      'worker',
      'partner',
      'principal',
      'sdet',
      'qa',
      'recruiter',
      'receptionist',
      'dispatcher',
      'scheduler',
      'sister',
      'charge',
      'educator',
      'headteacher',
      'senco',
      'leader',
      'expert',
      'generalist',
      'master',
      'operative',
      'cashier',
      'barista',
      'picker',
      'packer',
      'storekeeper',
      'merchandiser',
    ].join('|') +
    ')s?\\b',
  'i',
);

const ORG_WORDS =
  /\b(Inc|Ltd|LLC|LLP|PLC|plc|GmbH|Corp|Corporation|Company|Co|Group|Hospital|Medical Center|Medical Centre|Centre|Center|Clinic|University|College|School|Academy|Bank|Trust|Council|Agency|Partners|Studio|Studios|Labs|Systems|Solutions|Services|Technologies|Health|Foundation|Living|Digital|Software|Insurance|Foods|Stores)\b/;
const LOCATION =
  /^(remote|hybrid|on-?site|[\p{L} .'-]+,\s*(?:[A-Z]{2}|UK|USA|US|United Kingdom|United States|Ireland|Canada|Australia|Germany|France|Netherlands|Spain|India|Scotland|England|Wales|New Zealand|China|Japan|Singapore|South Africa|Nigeria|Kenya|Brazil|Mexico|Italy|Poland|Sweden|Switzerland|Pakistan|Philippines|UAE))$/u;
const ROLE_PART_SEPARATOR = /(?<!\s)\s*(?:\t|\s\|\s|\s[–—-]\s|,\s|\s@\s|\sat\s)\s*/;

const DEGREE =
  /\b(Ph\.?D\.?|Doctorate|Doctor of [A-Z][a-z]+|M\.?Sc\.?|M\.S\.|MSc|MA|M\.A\.|MBA|M\.?Eng|Master(?:['’]s)?(?: of [A-Z][\w ]+)?|B\.?Sc\.?|BSc|B\.S\.|BS|BA|B\.A\.|B\.?Eng|BEng|BSN|MSN|ADN|B\.?Ed\.?|M\.?Ed\.?|PGCE|Bachelor(?:['’]s)?(?: of [A-Z][\w ]+)?|Associate(?:['’]s)? (?:Degree|(?:of|in) [A-Z][\w ]+)|Diploma(?: in [A-Z][\w ]+)?|A-Levels?|High School Diploma|GED|HND|HNC|Certificate|Credential)(?!\w)/;
const INSTITUTION = /\b(University|College|Institute|School|Academy|Polytechnic|Conservatory|Université)\b/;
const INSTITUTION_ANY_CASE = new RegExp(INSTITUTION.source, 'i');
const YEAR = /\b(19|20)\d{2}\b/g;

export interface ResumeParseOptions {
  now: MonthDate;
}

export function parseResume(sourceLines: readonly DocumentLine[], options: ResumeParseOptions): ParsedResume {
  const headingTexts = new Map<number, string>();
  let section: ResumeSection = 'header';
  const lines: ResumeLine[] = redactDocumentLines(sourceLines).map((line, index) => {
    const heading = classifyHeading(line.text, index);
    if (heading) {
      section = heading;
      headingTexts.set(index, line.text);
    }
    return { text: line.text, page: line.page, lineNo: line.lineNo, section };
  });

  const mentions = findSkillMentions(
    lines.map((line, index) => ({
      text: headingTexts.has(index) ? '' : line.text,
      listContext: line.section === 'skills',
    })),
  );

  // Redacted again as joined: what roles, projects and evidence quote is the joined line.
  const merged = mergeWrappedLines(lines, (index) => headingTexts.has(index)).map((entry) => ({
    ...entry,
    line: { ...entry.line, text: redactContactDetails(entry.line.text) },
  }));
  const logical = merged.map((entry) => entry.line);
  const logicalHeadings = new Map<number, string>();
  const quoteText: string[] = lines.map((line) => line.text);
  merged.forEach((entry, index) => {
    const first = entry.parts[0] ?? -1;
    if (headingTexts.has(first)) logicalHeadings.set(index, entry.line.text);
    for (const part of entry.parts) quoteText[part] = entry.line.text;
  });

  const roles = parseRoles(logical, logicalHeadings, options.now);
  const structure: ResumeStructure = {
    sections: summariseSections(lines, headingTexts),
    summary: summaryOf(lines, headingTexts),
    roles: roles.map((role) => role.role),
    totalYears: yearsAcross(roles.filter(({ role }) => !isUnpaid(role)).map((role) => role.range)),
    candidateTitle: candidateTitleOf(
      roles.map(({ role }) => role),
      logical,
      logicalHeadings,
    ),
    education: parseEducation(logical, logicalHeadings),
    projects: parseProjects(logical, logicalHeadings),
    certifications: logical
      .map((line, index) => ({ line, index }))
      .filter(({ line, index }) => line.section === 'certifications' && !logicalHeadings.has(index))
      .map(({ line }) => refOf(line, stripBullet(line.text))),
    lines,
  };
  return { structure, mentions, quoteText };
}

function candidateTitleOf(roles: readonly ResumeRole[], lines: readonly ResumeLine[], headings: ReadonlyMap<number, string>): string | null {
  const byStart = (list: readonly ResumeRole[]) => [...list].sort((a, b) => (a.start < b.start ? 1 : a.start > b.start ? -1 : 0));
  const paid = roles.filter((role) => !isUnpaid(role));
  // A role still held is the current one, even when a shorter role started later and has ended.
  const pool = paid.length > 0 ? paid : roles;
  const ongoing = pool.filter((role) => role.end === 'present');
  const latest = byStart(ongoing.length > 0 ? ongoing : pool)[0];
  if (latest?.title) return latest.title;
  const titleIn = (text: string): string | null => {
    // "Mechatronics Engineer · Wellington, New Zealand": the title without the place beside it.
    const part = stripBullet(text)
      .split(/\s[·|•–—-]\s|\t/)
      .map((piece) => piece.trim())
      .find((piece) => TITLE_WORDS.test(piece));
    if (!part || /[.;:]$/.test(part) || findDateRange(part, { year: 9999, month: 12 })) return null;
    const words = part.split(/\s+/).length;
    return words <= 8 && /^[\p{Lu}\p{N}]/u.test(part) ? part : null;
  };
  const experience = lines.filter((line, index) => line.section === 'experience' && !headings.has(index));
  // "Customer Service - Horizons Medical Supplies" opening the section: a header of two parts, the title first.
  const opening = stripBullet(experience[0]?.text ?? '');
  const [role, employer] = opening.split(/\s[-–—|@]\s/);
  if (role && employer && opening.split(/\s+/).length <= 8 && !/\d/.test(opening) && !isDescription(opening) && /^\p{Lu}/u.test(role)) {
    return role.trim();
  }
  for (const line of experience) {
    const title = titleIn(line.text);
    if (title) return title;
  }
  // The headline under the name: the header's first lines, never its contact or summary prose.
  const header = lines.filter((line) => line.section === 'header').slice(0, 4);
  for (const line of header) {
    const title = line.text.split(/\s+/).length <= 10 ? titleIn(line.text) : null;
    if (title) return title;
  }
  return null;
}

function classifyHeading(text: string, index: number): ResumeSection | null {
  const shape = headingShape(text);
  if (!shape) return null;
  const known = HEADINGS[shape.key];
  if (known) return known;
  // "Skills and Interests", "Education and Honours": a known heading joined to another names the section.
  const joined = / and /.test(shape.key) ? HEADINGS[shape.key.split(' and ')[0] ?? ''] : undefined;
  if (joined && (shape.allCaps || shape.colon || shape.key.split(' ').length <= 4)) return joined;
  const words = shape.key.split(' ');
  const last = words[words.length - 1] ?? '';
  const byLastWord = LAST_WORD_SECTIONS[last];
  if (byLastWord && words.length <= 4 && (shape.allCaps || shape.colon || words.length <= 3)) return byLastWord;
  // An unknown all-caps line near the top is usually the candidate's name, not a section.
  // Nor is a school or an employer printed in capitals ("CORNELL UNIVERSITY" above its degree).
  if (
    shape.allCaps &&
    words.length <= 4 &&
    index > 3 &&
    !TITLE_WORDS.test(shape.key) &&
    !INSTITUTION_ANY_CASE.test(shape.key) &&
    capsLineIsHeading(text)
  )
    return 'other';
  return null;
}

function refOf(line: DocumentLine, text = line.text): LineRef {
  return { text, page: line.page, lineNo: line.lineNo };
}

function summariseSections(lines: readonly ResumeLine[], headings: ReadonlyMap<number, string>): ResumeSectionSummary[] {
  const summaries: ResumeSectionSummary[] = [];
  lines.forEach((line, index) => {
    const last = summaries[summaries.length - 1];
    if (headings.has(index) || !last) {
      summaries.push({ name: line.section, heading: headings.has(index) ? line.text : null, firstLine: null, lineCount: 0 });
      if (headings.has(index)) return;
    }
    const current = summaries[summaries.length - 1];
    if (!current) return;
    current.firstLine ??= refOf(line);
    current.lineCount += 1;
  });
  return summaries;
}

function summaryOf(lines: readonly ResumeLine[], headings: ReadonlyMap<number, string>): string | null {
  const text = lines
    .filter((line, index) => line.section === 'summary' && !headings.has(index))
    .map((line) => stripBullet(line.text))
    .join(' ')
    .trim();
  return text === '' ? null : text;
}

interface ParsedRole {
  role: ResumeRole;
  range: DateRange;
}

interface RoleAnchor {
  index: number;
  range: DateRange;
  /** Lines this role's heading uses, so they are not counted as the previous role's highlights. */
  firstIndex: number;
  lastIndex: number;
  title: string | null;
  organisation: string | null;
}

function parseRoles(lines: readonly ResumeLine[], headings: ReadonlyMap<number, string>, now: MonthDate): ParsedRole[] {
  const hasExperienceSection = lines.some((line) => line.section === 'experience');
  const eligible = (index: number): boolean => {
    const line = lines[index];
    if (!line || headings.has(index)) return false;
    if (hasExperienceSection) return line.section === 'experience';
    // Without an experience section (a student's resume), dated lines elsewhere are studies, honours,
    // clubs, volunteering or projects: none of them is paid experience.
    return (line.section === 'header' || line.section === 'summary') && !DEGREE.test(line.text);
  };

  const anchors: RoleAnchor[] = [];
  lines.forEach((line, index) => {
    if (!eligible(index) || isBulletLine(line.text)) return;
    const range = findDateRange(line.text, now);
    if (!range) return;
    anchors.push({ index, range, firstIndex: index, lastIndex: index, title: null, organisation: null });
  });

  const isAnchor = new Set(anchors.map((anchor) => anchor.index));
  const isHeaderCandidate = (index: number): boolean => {
    const line = lines[index];
    if (!line || !eligible(index) || isAnchor.has(index) || isBulletLine(line.text)) return false;
    const text = line.text.trim();
    // Title and employer lines start with a capital; a lower-case start is a wrapped bullet. Only
    // words count: "Engineer — Platform — Acme\tWellington, New Zealand" is a short header.
    const words = withoutPlaceCell(text)
      .split(/\s+/)
      .filter((word) => /\p{L}/u.test(word));
    return words.length <= 10 && !/[.;]$/.test(text) && /^[\p{Lu}\p{N}]/u.test(text);
  };
  // Resumes put the employer line either above or below the dated line, and keep to one
  // layout; the first role, which has only the section heading above it, shows which.
  const firstAnchor = anchors[0];
  const employerAbove = firstAnchor !== undefined && isHeaderCandidate(firstAnchor.index - 1);

  anchors.forEach((anchor, position) => {
    const line = lines[anchor.index];
    if (!line) return;
    // Text after the dates that reads as a sentence is the first highlight run on, not part of the header.
    const afterDates = line.text.slice(anchor.range.index + anchor.range.text.length);
    const rest = line.text.slice(0, anchor.range.index) + (isDescription(afterDates) ? '' : ' ' + afterDates);
    // A sentence beside the dates ("A start-up building home robots.  May 2024 – Present") describes
    // the employer; the role's header is the line next to it.
    // A title leading the line ("Key Account Manager, Acme  Jan 2021 – Present  Managed…") keeps it a header.
    const split = roleParts(rest);
    const parts = isDescription(rest) && !TITLE_WORDS.test(split[0] ?? '') ? [] : split;
    const previousEnd = position > 0 ? (anchors[position - 1]?.lastIndex ?? -1) : -1;
    const before = anchor.index - 1;
    const after = anchor.index + 1;
    const beforeOk = before > previousEnd && isHeaderCandidate(before) && lines[before]?.section === line.section;
    const afterOk = isHeaderCandidate(after);
    // A date alone on its line was printed beside the title, which extraction puts just above.
    const preferAbove = employerAbove || parts.length === 0;
    const otherIndex = preferAbove ? (beforeOk ? before : afterOk ? after : null) : afterOk ? after : beforeOk ? before : null;
    const other = otherIndex === null ? null : { index: otherIndex, parts: roleParts(lines[otherIndex]?.text ?? '') };

    const isTitle = (part: string) => TITLE_WORDS.test(part);
    const isOrg = (part: string) => ORG_WORDS.test(part);
    const titledPart = parts.find(isTitle);
    const otherTitled = other?.parts.find(isTitle);
    let title: string | null = null;
    let organisation: string | null = null;
    let usedOther = false;
    if (titledPart) {
      title = titledPart;
      const remaining = parts.filter((part) => part !== titledPart);
      const otherOrg = other && !otherTitled ? (other.parts.find(isOrg) ?? other.parts[0]) : undefined;
      if (remaining.length > 0 && (remaining.some(isOrg) || !otherOrg || !isOrg(otherOrg))) {
        organisation = remaining.find(isOrg) ?? remaining[0] ?? null;
      } else if (otherOrg) {
        // "Staff Nurse, Medical-Surgical Unit" above "Meriter Valley Hospital": the unit is part of the title.
        if (remaining.length > 0) title = [titledPart, ...remaining].join(', ');
        organisation = otherOrg;
        usedOther = true;
      }
    } else if (other && parts.some(isOrg) && !other.parts.some(isOrg)) {
      organisation = parts.find(isOrg) ?? null;
      title = otherTitled ?? other.parts[0] ?? null;
      usedOther = true;
    } else if (other && otherTitled && parts.length === 0 && other.parts[0] === otherTitled) {
      [title, organisation] = titleAndEmployer(lines[other.index]?.text ?? '', other.parts);
      usedOther = true;
    } else if (other && otherTitled) {
      title = otherTitled;
      organisation = parts[0] ?? other.parts.find((part) => part !== otherTitled) ?? null;
      usedOther = true;
    } else if (parts.length >= 2) {
      title = parts[0] ?? null;
      organisation = parts[1] ?? null;
    } else if (parts.length === 1) {
      organisation = isOrg(parts[0] ?? '') ? (parts[0] ?? null) : (other?.parts[0] ?? null);
      title = organisation === parts[0] ? (other?.parts[0] ?? null) : (parts[0] ?? null);
      usedOther = other !== null;
    } else if (other) {
      [title, organisation] = titleAndEmployer(lines[other.index]?.text ?? '', other.parts);
      usedOther = true;
    }
    if (usedOther && other) {
      anchor.firstIndex = Math.min(anchor.firstIndex, other.index);
      anchor.lastIndex = Math.max(anchor.lastIndex, other.index);
    }
    anchor.title = title;
    anchor.organisation = organisation;
  });
  pairDatesColumn(anchors, lines, (index) => isHeaderCandidate(index) && !isAnchor.has(index));

  return anchors
    .map((anchor, position) => {
      const nextStart = anchors[position + 1]?.firstIndex ?? lines.length;
      const highlights: LineRef[] = [];
      for (let index = anchor.lastIndex + 1; index < nextStart; index++) {
        const line = lines[index];
        if (!line || headings.has(index) || line.section !== lines[anchor.index]?.section) break;
        highlights.push(refOf(line, stripBullet(line.text)));
      }
      const source = lines[anchor.index];
      const role: ResumeRole = {
        title: anchor.title,
        organisation: anchor.organisation,
        start: formatMonthDate(anchor.range.start),
        end: anchor.range.ongoing ? 'present' : formatMonthDate(anchor.range.end),
        years: Math.round((anchor.range.months / 12) * 10) / 10,
        line: source ? refOf(source) : { text: '', page: 1, lineNo: 0 },
        highlights,
      };
      return { role, range: anchor.range };
    })
    .filter(({ role }) => !NOT_A_ROLE.test(role.title ?? ''));
}

/**
 * A table whose dates sit in a column of their own is read column by column: first every date (with
 * its town), then every role header with no date beside it. Both columns list the roles in the same
 * order, so the dated lines that found no title are given the undated role headers in turn (title,
 * and the employer on the line under it).
 */
function pairDatesColumn(anchors: RoleAnchor[], lines: readonly ResumeLine[], isHeader: (index: number) => boolean): void {
  const bare = anchors.filter((anchor) => anchor.title === null && anchor.organisation === null);
  if (bare.length === 0) return;
  // Lines a dated line already took, and those next to a role that has its header.
  const taken = new Set(
    anchors.flatMap((anchor) => {
      const span = Array.from({ length: anchor.lastIndex - anchor.firstIndex + 1 }, (_, offset) => anchor.firstIndex + offset);
      return anchor.title === null && anchor.organisation === null ? span : [anchor.firstIndex - 1, ...span, anchor.lastIndex + 1];
    }),
  );
  const headers: { title: string; organisation: string | null }[] = [];
  lines.forEach((line, index) => {
    if (taken.has(index) || !isHeader(index)) return;
    const title = roleParts(line.text).find((part) => TITLE_WORDS.test(part));
    if (!title) return;
    const next = lines[index + 1];
    const employer = next && isHeader(index + 1) && !TITLE_WORDS.test(next.text);
    if (employer) taken.add(index + 1);
    headers.push({ title, organisation: employer ? (roleParts(next.text)[0] ?? null) : null });
  });
  bare.forEach((anchor, position) => {
    const header = headers[position];
    if (!header) return;
    anchor.title = header.title;
    anchor.organisation = header.organisation;
  });
}

/**
 * "Engineer — Production & Integration — Acme": a header of three or more parts led by the title
 * names the employer last; the parts between belong to the title, as written.
 */
function titleAndEmployer(text: string, parts: readonly string[]): [string | null, string | null] {
  const [first, second] = parts;
  const segments = withoutPlaceCell(text)
    .split(/\s[–—|]\s/)
    .map((segment) => segment.trim());
  const last = segments[segments.length - 1];
  if (segments.length < 3 || !first || !last || !TITLE_WORDS.test(segments[0] ?? '')) return [first ?? null, second ?? null];
  const separator = /\s([–—|])\s/.exec(text)?.[1] ?? '—';
  return [segments.slice(0, -1).join(` ${separator} `), last];
}

/** A line's text without a last tab cell that is a place ("…\tWellington, New Zealand"). */
function withoutPlaceCell(text: string): string {
  const tab = text.lastIndexOf('\t');
  if (tab < 0) return text;
  const cell = text.slice(tab + 1).trim();
  return LOCATION.test(cell) ||
    cell
      .split(/[,/]/)
      .map((part) => part.trim())
      .every((part) => part === '' || isLocation(part))
    ? text.slice(0, tab)
    : text;
}

/** Prose rather than a header: a sentence of a few words ("A start-up building home robots."). */
function isDescription(text: string): boolean {
  const words = text.split(/\s+/).filter((word) => /\p{L}/u.test(word));
  return words.length >= 4 && /[.!]\s*$/.test(text.trim());
}

/**
 * Roles that are listed and asked about but are not paid experience: volunteering and membership
 * of an association ("National Council of Teachers, Member, 2007 – present").
 */
function isUnpaid(role: ResumeRole): boolean {
  const parts = [role.title ?? '', role.organisation ?? ''].map((part) => part.trim());
  return parts.some((part) => /^volunteer\b(?!\s+(?:coordinator|manager))/i.test(part) || /^(?:member|board member|life member)$/i.test(part));
}

// Dated entries of the experience section that are time away from work: not a role, and not years of experience.
const NOT_A_ROLE = /^(?:career break|sabbatical|parental leave|maternity leave|paternity leave|gap year)\b/i;

function roleParts(text: string): string[] {
  // A cell that is a place as a whole ("Berkeley, CA", "Hunan, China") names no title or employer.
  return text
    .split('\t')
    .filter((cell) => !LOCATION.test(cell.trim()))
    .join('\t')
    .replace(/\([^()]*\)/g, ' ')
    .split(ROLE_PART_SEPARATOR)
    .map((part) => part.replace(/^[\s|,:–—-]+|(?<![\s|,:–—-])[\s|,:–—-]+$/g, '').trim())
    .filter((part) => part !== '' && !LOCATION.test(part) && !isLocation(part) && /\p{L}/u.test(part));
}

function parseEducation(lines: readonly ResumeLine[], headings: ReadonlyMap<number, string>): ResumeEducation[] {
  const entries: ResumeEducation[] = [];
  const items = lines.flatMap((line, index) => (line.section !== 'education' || headings.has(index) ? [] : [{ line, index }]));
  // Resumes name the school either above its degrees ("Blinn College" / "Associate's in Liberal Arts")
  // or under each degree ("BSc Physics" / "University of Leeds, 2014"), and keep to one layout; the
  // first entry shows which. Above, a school's line heads every degree under it until the next school.
  const first = items.find(({ line }) => degreeIn(line.text) || institutionIn(line.text));
  const schoolAbove = first !== undefined && !degreeIn(first.line.text);
  let school: string | null = null;
  // The line before, when no entry took it: a school's name in words no keyword knows may stand there.
  let previous: { index: number; text: string } | null = null;
  for (const { line, index } of items) {
    const text = stripBullet(line.text);
    const degree = degreeIn(text);
    const institutionHere = institutionIn(text);
    const last = entries[entries.length - 1];
    if (degree) {
      const phrase = degreePhrase(text, degree.start);
      const here = institutionHere === null ? null : withoutDegree(institutionHere, phrase);
      // A school named on the line above in words no keyword knows ("UC Berkeley"): a short line of
      // the section that names no degree, once its dates and places are cut away.
      const above = previous?.index === index - 1 && here === null ? schoolName(previous.text) : null;
      // "DePaul University; Chicago, IL" alone on the line above the degree: the school's entry gets it.
      if (here === null && last && last.degree === null && last.institution !== null && last.line.lineNo === line.lineNo - 1) {
        last.degree = phrase;
        last.year ??= lastYear(text);
        last.line = refOf(line);
        previous = null;
        continue;
      }
      entries.push({ degree: phrase, institution: here ?? (schoolAbove ? school : null) ?? above, year: lastYear(text), line: refOf(line) });
      previous = null;
      continue;
    } else if (institutionHere && (schoolAbove || !last || last.institution !== null)) {
      school = institutionHere;
      if (!last || last.degree !== null || last.institution !== null) {
        entries.push({ degree: null, institution: institutionHere, year: lastYear(text), line: refOf(line) });
      } else last.institution = institutionHere;
      previous = null;
    } else if (last && !isBulletLine(line.text)) {
      // A continuation line: "University of Leeds, 2014 – 2017" under the degree line, or a school
      // in words no keyword knows, first on the line under its degree ("MIT | Cambridge, MA | 2016").
      const under = !schoolAbove && last.degree !== null && last.line.lineNo === line.lineNo - 1 ? leadingName(text) : null;
      // "Bachelor of Science in Integrated" / "Science": one word under the degree is its wrapped end.
      if (
        last.degree !== null &&
        last.institution === null &&
        last.line.lineNo === line.lineNo - 1 &&
        /^\p{Lu}\p{Ll}+$/u.test(text.trim()) &&
        !/^(?:Hons|Honou?rs|Distinction|Merit)$/.test(text.trim())
      ) {
        last.degree = `${last.degree} ${text.trim()}`;
        continue;
      }
      last.institution ??= institutionHere ?? under;
      last.year ??= lastYear(text);
      previous = null;
    } else previous = isBulletLine(line.text) ? null : { index, text };
  }
  // A school's line followed by its degrees is one entry per degree, not one more for the school.
  return entries.filter(
    (entry, position) =>
      entry.degree !== null || !entries.slice(position + 1).some((other) => other.institution === entry.institution && other.degree !== null),
  );
}

/**
 * The degree a line names, or null. A degree named inside parentheses is a remark about another
 * one ("ITEC (three-year programme with BA and minor)"). A certificate or credential is named by the
 * words before it ("Paralegal Studies Certificate", "Multiple Subject Teaching Credential").
 */
function degreeIn(text: string): { start: number } | null {
  const bare = text.replace(/\([^()]*\)/g, (inside) => ' '.repeat(inside.length));
  // "Cambridge, MA": a state's code after a town is no degree.
  const match = [...bare.matchAll(new RegExp(DEGREE.source, 'g'))].find(
    (found) => !(/^[A-Z]{2}$/.test(found[0]) && /\p{L},\s*$/u.test(bare.slice(0, found.index))),
  );
  if (!match) return null;
  return { start: /^(?:Certificate|Credential)$/.test(match[0]) ? 0 : match.index };
}

/** "Bachelor of Science in Nursing (BSN) University of Houston": the school's name without the degree before it. */
function withoutDegree(institution: string, degree: string): string | null {
  if (!institution.startsWith(degree)) return institution;
  const rest = institution
    .slice(degree.length)
    .replace(/^[\s,;:|–—-]+/, '')
    .trim();
  // "High School Diploma": the degree's own name, and no school.
  return rest === '' ? null : rest;
}

/** The first cell of a line when it is a short name: no digits, no place, no degree. */
function leadingName(text: string): string | null {
  // Only a cell with more beside it: a lone word under a degree is the degree's wrapped end.
  const cells = text.split(/\t|\s[|–—-]\s|,\s/);
  const cell = cells[0]?.trim() ?? '';
  if (cells.length < 2 || cell === '' || /\d/.test(cell) || cell.split(/\s+/).length > 4 || !/^\p{Lu}/u.test(cell)) return null;
  return isLocation(cell) || LOCATION.test(cell) || degreeIn(cell) ? null : cell;
}

/** A line that may name a school: its text without the date range, places and grades, if a short name is left. */
function schoolName(text: string): string | null {
  const range = findDateRange(text, { year: 9999, month: 12 });
  const rest = range ? text.slice(0, range.index) + '\t' + text.slice(range.index + range.text.length) : text;
  const parts = roleParts(rest).filter((part) => !/\d/.test(part));
  const name = parts[0];
  return name && parts.length === 1 && name.split(/\s+/).length <= 6 && /^\p{Lu}/u.test(name) ? name : null;
}

function degreePhrase(text: string, start: number): string {
  // "Bachelor of Science in Integrated Science University of Nebraska": the school's name ends the degree.
  const tail = text
    .slice(start)
    .split(/\s(?=(?:University|College|Institute|School|Academy|Polytechnic) of\s)/)[0]!
    .replace(/(?<!\s)\s*\((?:Hons|Honours|Honors)\)/gi, '');
  return (tail.split(/\t|\s[|–—-]\s|[,;]\s|\s\(/)[0] ?? '').replace(/(?<![,;\s])[,;\s]+$/, '').trim();
}

function institutionIn(text: string): string | null {
  for (const part of text.split(/\t|\s[|–—]\s|\s-\s|[,;]\s/)) {
    // "CORNELL UNIVERSITY": a designed resume prints the school in capitals.
    if (!INSTITUTION.test(part) && !(part === part.toUpperCase() && INSTITUTION_ANY_CASE.test(part))) continue;
    // "POSTECH(Pohang University of Science and Technology)": a school's full name in parentheses stays.
    const bare = part.replace(/\([^()]*\)/g, (inside) => (INSTITUTION.test(inside) ? ` ${inside}` : ''));
    // Cut at the first year by index: `\b(19|20)\d{2}\b.*$` rescans the rest of the line from every year.
    const year = /\b(?:19|20)\d{2}\b/.exec(bare);
    // A designed resume may print an icon before the name (a glyph of the private use area).
    return (year ? bare.slice(0, year.index) : bare)
      .replace(/^[^\p{L}\p{N}]+/u, '')
      .replace(/\s+/g, ' ')
      .trim();
  }
  return null;
}

function lastYear(text: string): number | null {
  const years = text.match(YEAR);
  const last = years?.[years.length - 1];
  return last ? Number(last) : null;
}

function parseProjects(lines: readonly ResumeLine[], headings: ReadonlyMap<number, string>): ResumeProject[] {
  const projectLines = lines.filter((line, index) => line.section === 'projects' && !headings.has(index));
  // Some resumes list one project per bullet ("Name – what it did"); others give each project a
  // name line with bullets under it.
  const onePerBullet = projectLines.every((line) => isBulletLine(line.text));
  const projects: ResumeProject[] = [];
  for (const line of projectLines) {
    const text = stripBullet(line.text);
    const named = /^(.{3,60}?)(?:\s[–—-]\s|:\s|\t|\s\|\s)(.+)/.exec(text);
    const name = named?.[1]?.trim();
    const current = projects[projects.length - 1];
    const startsProject = onePerBullet || !isBulletLine(line.text);
    if (startsProject && name && name.split(/\s+/).length <= 8) {
      projects.push({ name, line: refOf(line, text), highlights: named?.[2] ? [refOf(line, named[2].trim())] : [] });
    } else if (startsProject && !current && text.split(/\s+/).length <= 8) {
      projects.push({ name: text, line: refOf(line, text), highlights: [] });
    } else if (startsProject && !isBulletLine(line.text) && text.split(/\s+/).length <= 8) {
      projects.push({ name: text, line: refOf(line, text), highlights: [] });
    } else if (current) {
      current.highlights.push(refOf(line, text));
    }
  }
  return projects;
}
