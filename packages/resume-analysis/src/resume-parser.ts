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
  certification: 'certifications',
  interests: 'other',
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
  /^(remote|hybrid|on-?site|[\p{L} .'-]+,\s*(?:[A-Z]{2}|UK|USA|US|United Kingdom|United States|Ireland|Canada|Australia|Germany|France|Netherlands|Spain|India|Scotland|England|Wales))$/u;
const ROLE_PART_SEPARATOR = /(?<!\s)\s*(?:\t|\s\|\s|\s[–—-]\s|,\s|\s@\s|\sat\s)\s*/;

const DEGREE =
  /\b(Ph\.?D\.?|Doctorate|Doctor of [A-Z][a-z]+|M\.?Sc\.?|M\.S\.|MSc|MA|M\.A\.|MBA|M\.?Eng|Master(?:['’]s)?(?: of [A-Z][\w ]+)?|B\.?Sc\.?|BSc|B\.S\.|BS|BA|B\.A\.|B\.?Eng|BEng|BSN|MSN|ADN|B\.?Ed\.?|M\.?Ed\.?|PGCE|Bachelor(?:['’]s)?(?: of [A-Z][\w ]+)?|Associate(?:['’]s)? (?:Degree|(?:of|in) [A-Z][\w ]+)|Diploma(?: in [A-Z][\w ]+)?|A-Levels?|High School Diploma|GED|HND|HNC|Certificate|Credential)(?!\w)/;
const INSTITUTION = /\b(University|College|Institute|School|Academy|Polytechnic|Conservatory|Université)\b/;
// "CORNELL UNIVERSITY" set in capitals is a school, not a section heading.
const INSTITUTION_ANY_CASE = new RegExp(INSTITUTION.source, 'i');
const YEAR = /\b(19|20)\d{2}\b/g;
const UNPAID_ROLE = /^(?:volunteer\b|member$)|\bvolunteer$/i;
// The sentence a template prints under the employer ("A startup focused on home tidying robots."): no title, no employer.
const DESCRIPTION_PART = /^(?:\S+\s+){5,}\S*\.$/;

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
    // Volunteering and memberships listed among the roles are no paid experience.
    totalYears: yearsAcross(
      roles.filter((role) => !UNPAID_ROLE.test(role.role.title ?? '') && !UNPAID_ROLE.test(role.role.organisation ?? '')).map((role) => role.range),
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

function classifyHeading(text: string, index: number): ResumeSection | null {
  const shape = headingShape(text);
  if (!shape) return null;
  const known = HEADINGS[shape.key];
  if (known) return known;
  const words = shape.key.split(' ');
  const last = words[words.length - 1] ?? '';
  const byLastWord = LAST_WORD_SECTIONS[last];
  if (byLastWord && words.length <= 4 && (shape.allCaps || shape.colon || words.length <= 3)) return byLastWord;
  // An unknown all-caps line near the top is usually the candidate's name, not a section.
  if (shape.allCaps && words.length <= 4 && index > 3 && !TITLE_WORDS.test(shape.key) && !INSTITUTION_ANY_CASE.test(text) && capsLineIsHeading(text))
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
    // Title and employer lines start with a capital; a lower-case start is a wrapped bullet.
    return text.split(/\s+/).filter((word) => /[\p{L}\p{N}]/u.test(word)).length <= 12 && !/[.;]$/.test(text) && /^[\p{Lu}\p{N}]/u.test(text);
  };
  // Resumes put the employer line either above or below the dated line, and keep to one
  // layout; the first role, which has only the section heading above it, shows which.
  const firstAnchor = anchors[0];
  const employerAbove = firstAnchor !== undefined && isHeaderCandidate(firstAnchor.index - 1);

  anchors.forEach((anchor, position) => {
    const line = lines[anchor.index];
    if (!line) return;
    const rest = line.text.slice(0, anchor.range.index) + ' ' + line.text.slice(anchor.range.index + anchor.range.text.length);
    const split = roleParts(rest);
    const parts = DESCRIPTION_PART.test(rest.trim()) && !split.some((part) => TITLE_WORDS.test(part)) ? [] : split;
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
      title = other.parts[0] ?? null;
      organisation = other.parts[1] ?? null;
      usedOther = true;
    }
    if (usedOther && other) {
      anchor.firstIndex = Math.min(anchor.firstIndex, other.index);
      anchor.lastIndex = Math.max(anchor.lastIndex, other.index);
    }
    anchor.title = title;
    anchor.organisation = organisation;
  });

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

// Dated entries of the experience section that are time away from work: not a role, and not years of experience.
const NOT_A_ROLE = /^(?:career break|sabbatical|parental leave|maternity leave|paternity leave|gap year)\b/i;

function roleParts(text: string): string[] {
  return text
    .replace(/\([^()]*\)/g, ' ')
    .split(ROLE_PART_SEPARATOR)
    .map((part) => part.replace(/^[\s|,:–—-]+|(?<![\s|,:–—-])[\s|,:–—-]+$/g, '').trim())
    .filter((part) => part !== '' && !LOCATION.test(part) && !isLocation(part) && /\p{L}/u.test(part));
}

function parseEducation(lines: readonly ResumeLine[], headings: ReadonlyMap<number, string>): ResumeEducation[] {
  const entries: ResumeEducation[] = [];
  let previousEntryLine = -1;
  let schoolLine: string | null = null;
  lines.forEach((line, index) => {
    if (line.section !== 'education' || headings.has(index)) return;
    const degree = DEGREE.exec(line.text);
    const institutionHere = institutionIn(line.text);
    const last = entries[entries.length - 1];
    // "Aston University" above "BSc Business Management  2015 – 2018": the school's line names no
    // degree, and the degree under it is the same entry.
    if (degree && last && last.degree === null && last.institution !== null && !institutionHere && previousEntryLine === index - 1) {
      schoolLine = last.institution;
      last.degree = namedDegree(line.text, degree);
      last.year ??= lastYear(line.text);
      previousEntryLine = index;
      return;
    }
    // A second school's line after a complete entry starts that school's entry.
    const anotherSchool = institutionHere !== null && last !== undefined && last.degree !== null && last.institution !== null;
    if (degree || (institutionHere && (!last?.line || anotherSchool))) {
      // "California State University Chico" above a credential and a degree: both were awarded there.
      const sameSchool = degree && !institutionHere && last && previousEntryLine === index - 1 && schoolLine === last.institution ? schoolLine : null;
      previousEntryLine = index;
      if (!degree) schoolLine = institutionHere;
      entries.push({
        // "Paralegal Studies Certificate — Phoenix College": a certificate is named by the words before it.
        degree: degree ? namedDegree(line.text, degree) : null,
        institution: institutionHere ?? sameSchool,
        year: lastYear(line.text),
        line: refOf(line),
      });
      return;
    }
    // A continuation line: "University of Leeds, 2014 – 2017" under the degree line.
    if (last && !isBulletLine(line.text)) {
      last.institution ??= institutionHere;
      last.year ??= lastYear(line.text);
    }
  });
  return entries;
}

/** The degree a line names; a certificate or credential by the words before it ("Multiple Subject Teaching Credential"). */
function namedDegree(text: string, degree: RegExpExecArray): string {
  return degree[0] === 'Certificate' || degree[0] === 'Credential' ? degreePhrase(stripBullet(text), 0) : degreePhrase(text, degree.index);
}

function degreePhrase(text: string, start: number): string {
  const tail = text.slice(start).replace(/(?<!\s)\s*\((?:Hons|Honours|Honors)\)/gi, '');
  return (tail.split(/\t|\s[|–—-]\s|,\s|\s\(/)[0] ?? '').replace(/(?<![,;\s])[,;\s]+$/, '').trim();
}

function institutionIn(text: string): string | null {
  for (const part of text.split(/\t|\s[|–—]\s|\s-\s|[,;]\s/)) {
    if (!INSTITUTION.test(part) && !(part === part.toUpperCase() && INSTITUTION_ANY_CASE.test(part))) continue;
    // "Bachelor of Science in Nursing (BSN) University of Houston": the degree in front is no part of the school's name.
    const degree = DEGREE.exec(part);
    const afterDegree = degree?.index === 0 ? part.slice(degreePhrase(part, 0).length).replace(/^\s*\([^()]*\)/, '') : part;
    const bare = (INSTITUTION.test(afterDegree) ? afterDegree : part).replace(/\([^()]*\)/g, '');
    // Cut at the first year by index: `\b(19|20)\d{2}\b.*$` rescans the rest of the line from every year.
    const year = /\b(?:19|20)\d{2}\b/.exec(bare);
    return (year ? bare.slice(0, year.index) : bare).trim();
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
