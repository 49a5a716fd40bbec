import { SKILL_CATEGORIES, SKILL_TAXONOMY, type SkillCategory } from './skill-taxonomy';

/**
 * Finds taxonomy skills in text by whole words and normalised aliases.
 *
 * The alias index is built once at module load. Matching is greedy longest-first, so
 * "go to market" is read as the go-to-market skill before "Go" is ever considered, and
 * "PL/SQL" never also counts as "SQL". Aliases that are ordinary words as well (Go, R, C,
 * Excel, Swift, Epic…) are held back until their context says they are the skill.
 */

export interface SkillDefinition {
  name: string;
  category: SkillCategory;
  aliases: readonly string[];
}

export interface SkillMention {
  skill: string;
  category: SkillCategory;
  /** Index of the line in the array passed in. */
  lineIndex: number;
  /** The text as written in the line. */
  matchedText: string;
  start: number;
  end: number;
}

export interface MatchableLine {
  text: string;
  /** The line sits in a skills list (e.g. a resume's Skills section), which vouches for bare names. */
  listContext?: boolean;
}

export interface Token {
  raw: string;
  norm: string;
  start: number;
  end: number;
  /** Taken from the following line, where this line's text wraps onto it. */
  carried?: boolean;
}

interface Guard {
  /** The alias only counts written exactly like this ("Go", not "go"). */
  exactCase?: boolean;
  /** Another skill of one of these categories on the same line vouches for it. */
  neighbours?: readonly SkillCategory[];
  /** A short item in a comma/pipe separated list (or a Skills section line) vouches for it. */
  listOk?: boolean;
  /** The document mentions at least two other skills of this category. */
  domain?: SkillCategory;
  /** The word after it vouches for it ("Go services", "R programming"). */
  acceptNext?: RegExp;
  /** The word after it rules it out ("Excel at", "Spring 2019"). */
  rejectNext?: RegExp;
}

const TECH: readonly SkillCategory[] = ['language', 'framework', 'database', 'cloud-devops', 'testing-quality', 'data-analytics'];
const techWord = (guard: Omit<Guard, 'exactCase' | 'neighbours' | 'listOk'> = {}): Guard => ({
  exactCase: true,
  neighbours: TECH,
  listOk: true,
  ...guard,
});

/** Keyed by the alias as written in the taxonomy; only that spelling is guarded. */
const GUARDS: Readonly<Record<string, Guard>> = {
  Go: {
    exactCase: true,
    neighbours: ['language'],
    listOk: true,
    acceptNext: /^(language|lang|programming|developer|engineer|services?|microservices?|modules?|routines?|code|backend|1\.\d+)$/,
  },
  C: { exactCase: true, neighbours: ['language'], acceptNext: /^(language|programming|code|developer)$/ },
  R: {
    exactCase: true,
    neighbours: ['language', 'data-analytics'],
    acceptNext: /^(language|programming|studio|shiny|markdown|packages?|scripts?|code)$/,
  },
  TS: techWord(),
  Swift: techWord({ acceptNext: /^(developer|programming|code|apps?)$/ }),
  Rust: techWord({ acceptNext: /^(developer|programming|code|services?)$/ }),
  Ruby: techWord(),
  Julia: techWord(),
  Dart: techWord(),
  Elixir: techWord(),
  Groovy: techWord(),
  Assembly: techWord(),
  Solidity: techWord(),
  Shell: techWord(),
  Lua: techWord(),
  React: techWord({ acceptNext: /^(hooks?|components?|apps?|router|query|frontend|front-end|ui|spa)$/ }),
  Express: techWord({ acceptNext: /^(server|middleware|apps?|api|apis|backend)$/ }),
  Spring: techWord({ rejectNext: /^((19|20)\d\d|semester|term|break|season)$/ }),
  Rails: techWord(),
  Flask: techWord(),
  Electron: techWord(),
  Apollo: techWord(),
  Celery: techWord(),
  D3: techWord(),
  REST: { exactCase: true },
  SAFe: { exactCase: true },
  Oracle: { exactCase: true },
  Snowflake: { exactCase: true },
  Cassandra: techWord(),
  Lambda: techWord(),
  Vault: techWord(),
  Helm: techWord(),
  Chef: techWord(),
  Puppet: techWord(),
  Jenkins: techWord(),
  Hive: techWord(),
  Spark: techWord({ acceptNext: /^(jobs?|clusters?|streaming|sql)$/ }),
  Airflow: { exactCase: true },
  Soda: techWord(),
  Loki: techWord(),
  Windows: { exactCase: true },
  networking: { neighbours: TECH, listOk: true },
  ACA: { exactCase: true, domain: 'finance', neighbours: ['finance'] },
  segmentation: { domain: 'sales-marketing', neighbours: ['sales-marketing', 'data-analytics'] },
  precept: { domain: 'healthcare' },
  Jest: techWord(),
  Mocha: techWord(),
  Playwright: techWord(),
  Cypress: techWord(),
  Cucumber: techWord(),
  Pact: techWord(),
  Gatling: techWord(),
  Zephyr: techWord(),
  Looker: { exactCase: true },
  SAS: { exactCase: true },
  ML: { exactCase: true },
  NLP: { exactCase: true },
  DAX: { exactCase: true },
  QA: { exactCase: true },
  RCA: { exactCase: true },
  QC: { exactCase: true },
  UX: { exactCase: true },
  E2E: { exactCase: true },
  Excel: { exactCase: true, rejectNext: /^(at|in|as|when|while|under|with|on)$/ },
  Lean: { exactCase: true },
  Slack: { exactCase: true },
  Miro: { exactCase: true },
  Notion: { exactCase: true, neighbours: ['tool'], listOk: true },
  Asana: { exactCase: true, neighbours: ['tool'], listOk: true },
  Outlook: { exactCase: true, neighbours: ['tool'], listOk: true },
  Confluence: { exactCase: true },
  SAP: { exactCase: true },
  Sketch: { exactCase: true, domain: 'design', neighbours: ['design'] },
  Illustrator: { exactCase: true, domain: 'design', neighbours: ['design'] },
  Blender: { exactCase: true, domain: 'design', neighbours: ['design'] },
  Epic: { exactCase: true, domain: 'healthcare', neighbours: ['healthcare'] },
  Triage: { domain: 'healthcare', neighbours: ['healthcare'] },
  Telemetry: { domain: 'healthcare', neighbours: ['healthcare'] },
  charting: { domain: 'healthcare', neighbours: ['healthcare'] },
  vitals: { domain: 'healthcare', neighbours: ['healthcare'] },
  RN: { exactCase: true },
  ICU: { exactCase: true },
  EMR: { exactCase: true },
  EHR: { exactCase: true },
  Sage: { exactCase: true, domain: 'finance', neighbours: ['finance'] },
  GL: { exactCase: true, domain: 'finance', neighbours: ['finance'] },
  Treasury: { domain: 'finance', neighbours: ['finance'] },
  Audit: { domain: 'finance', neighbours: ['finance'] },
  auditing: { domain: 'finance', neighbours: ['finance'] },
  audits: { domain: 'finance', neighbours: ['finance'] },
  reconciliation: { domain: 'finance', neighbours: ['finance'] },
  reconciliations: { domain: 'finance', neighbours: ['finance'] },
  consolidations: { domain: 'finance', neighbours: ['finance'] },
  intercompany: { domain: 'finance', neighbours: ['finance'] },
  budgets: { domain: 'finance', neighbours: ['finance'] },
  forecasts: { domain: 'finance', neighbours: ['finance'] },
  invoices: { domain: 'finance', neighbours: ['finance'] },
  'month-end': { domain: 'finance', neighbours: ['finance'] },
  'year-end': { domain: 'finance', neighbours: ['finance'] },
  Blackboard: { exactCase: true, domain: 'education', neighbours: ['education'] },
  SEN: { exactCase: true },
  SEND: { exactCase: true },
  STEM: { exactCase: true },
  grading: { domain: 'education', neighbours: ['education'] },
  JIT: { exactCase: true },
  '5S': { exactCase: true },
  GTM: { exactCase: true },
  Logistics: { domain: 'logistics', neighbours: ['logistics'] },
  freight: { domain: 'logistics', neighbours: ['logistics'] },
  Freight: { domain: 'logistics', neighbours: ['logistics'] },
  purchasing: { domain: 'logistics', neighbours: ['logistics', 'finance'] },
  prototypes: { neighbours: ['design', 'product'], domain: 'design' },
};

/** Words after a hyphen that only describe the word before it: "Python-based" is Python. */
const DESCRIPTIVE_SUFFIXES = new Set([
  'based',
  'driven',
  'powered',
  'native',
  'backed',
  'hosted',
  'first',
  'heavy',
  'centric',
  'focused',
  'certified',
  'savvy',
  'related',
  'specific',
  'only',
  'enabled',
  'compatible',
  'friendly',
  'style',
  'like',
  'heavy',
  'oriented',
  'trained',
  'qualified',
  'literate',
]);

const TOKEN = /[\p{L}\p{N}][\p{L}\p{N}+#&'.-]*|\.[\p{L}][\p{L}\p{N}]*/gu;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const match of text.matchAll(TOKEN)) {
    let raw = match[0];
    const start = match.index;
    raw = raw.replace(/'s$/i, '').replace(/(?<![.'&-])[.'&-]+$/, '');
    if (raw === '') continue;
    const hyphen = raw.lastIndexOf('-');
    if (hyphen > 0 && DESCRIPTIVE_SUFFIXES.has(raw.slice(hyphen + 1).toLowerCase())) {
      raw = raw.slice(0, hyphen);
    }
    tokens.push({ raw, norm: raw.toLowerCase(), start, end: start + raw.length });
  }
  return tokens;
}

interface AliasEntry {
  skill: SkillDefinition;
  /** Spellings as written in the taxonomy that normalise to this key. */
  spellings: string[];
  guard?: Guard;
}

function buildSkills(): SkillDefinition[] {
  const skills: SkillDefinition[] = [];
  for (const category of SKILL_CATEGORIES) {
    for (const entry of SKILL_TAXONOMY[category]) {
      const [name, ...aliases] = entry.split('|');
      if (!name) continue;
      skills.push({ name, category, aliases: [name, ...aliases] });
    }
  }
  return skills;
}

function keyOf(text: string): string {
  return tokenize(text)
    .map((token) => token.norm)
    .join(' ');
}

function buildAliasIndex(skills: readonly SkillDefinition[]) {
  const index = new Map<string, AliasEntry>();
  const collisions: string[] = [];
  let longest = 1;
  for (const skill of skills) {
    for (const alias of skill.aliases) {
      const variants = new Set([keyOf(alias), keyOf(alias.replace(/-/g, ' ')), keyOf(alias.replace(/-/g, ''))]);
      for (const key of variants) {
        if (key === '') continue;
        longest = Math.max(longest, key.split(' ').length);
        const existing = index.get(key);
        if (existing && existing.skill !== skill) {
          collisions.push(`${alias} (${skill.name} vs ${existing.skill.name})`);
          continue;
        }
        const guard = GUARDS[alias];
        if (existing) {
          existing.spellings.push(alias);
          if (guard && !existing.guard) existing.guard = guard;
        } else {
          index.set(key, { skill, spellings: [alias], ...(guard ? { guard } : {}) });
        }
      }
    }
  }
  return { index, longest, collisions };
}

export const SKILLS: readonly SkillDefinition[] = buildSkills();
const { index: ALIAS_INDEX, longest: LONGEST_ALIAS, collisions: ALIAS_COLLISIONS } = buildAliasIndex(SKILLS);
const FIRST_TOKENS = new Set([...ALIAS_INDEX.keys()].map((key) => key.split(' ')[0] ?? ''));

/** Aliases that normalise to the same words as another skill's; kept for the taxonomy's tests. */
export const aliasCollisions: readonly string[] = ALIAS_COLLISIONS;

interface Candidate {
  entry: AliasEntry;
  lineIndex: number;
  tokens: readonly Token[];
  from: number;
  to: number;
}

/** All skill mentions in the lines, in reading order. */
export function findSkillMentions(lines: readonly MatchableLine[]): SkillMention[] {
  const accepted: Candidate[] = [];
  const guarded: Candidate[] = [];
  const tokenized = lines.map((line) => tokenize(line.text));
  let consumedFromNext = 0;
  lines.forEach((line, lineIndex) => {
    const own = tokenized[lineIndex] ?? [];
    // A skill name wrapped onto the next line ("usability" / "testing") is still one skill.
    const carried = continuesOnNextLine(line, lines[lineIndex + 1]) ? (tokenized[lineIndex + 1] ?? []).slice(0, LONGEST_ALIAS - 1) : [];
    const tokens = carried.length > 0 ? [...own, ...carried.map((token) => ({ ...token, carried: true }))] : own;
    let i = consumedFromNext;
    consumedFromNext = 0;
    while (i < own.length) {
      const hit = longestAliasAt(tokens, i);
      if (!hit || (hit.entry.guard && i + hit.length > own.length)) {
        i += 1;
        continue;
      }
      const candidate: Candidate = { entry: hit.entry, lineIndex, tokens, from: i, to: i + hit.length };
      (hit.entry.guard ? guarded : accepted).push(candidate);
      i += hit.length;
      if (i > own.length) consumedFromNext = i - own.length;
    }
  });

  const domainCounts = countDistinctSkillsByCategory(accepted);
  const resolved = guarded.filter((candidate) => guardAllows(candidate, lines, accepted, guarded, domainCounts));
  return [...accepted, ...resolved]
    .sort((a, b) => a.lineIndex - b.lineIndex || a.from - b.from)
    .map((candidate) => toMention(candidate, lines[candidate.lineIndex]?.text ?? ''));
}

function longestAliasAt(tokens: readonly Token[], i: number): { entry: AliasEntry; length: number } | null {
  const first = tokens[i];
  if (!first || !FIRST_TOKENS.has(first.norm)) return null;
  const max = Math.min(LONGEST_ALIAS, tokens.length - i);
  for (let length = max; length >= 1; length--) {
    let key = first.norm;
    for (let k = 1; k < length; k++) key += ` ${tokens[i + k]?.norm ?? ''}`;
    const entry = ALIAS_INDEX.get(key);
    if (entry) return { entry, length };
  }
  return null;
}

function countDistinctSkillsByCategory(candidates: readonly Candidate[]): Map<SkillCategory, number> {
  const seen = new Map<SkillCategory, Set<string>>();
  for (const { entry } of candidates) {
    const names = seen.get(entry.skill.category) ?? new Set<string>();
    names.add(entry.skill.name);
    seen.set(entry.skill.category, names);
  }
  return new Map([...seen].map(([category, names]) => [category, names.size]));
}

function guardAllows(
  candidate: Candidate,
  lines: readonly MatchableLine[],
  accepted: readonly Candidate[],
  guarded: readonly Candidate[],
  domainCounts: ReadonlyMap<SkillCategory, number>,
): boolean {
  const guard = candidate.entry.guard;
  const line = lines[candidate.lineIndex];
  if (!guard || !line) return true;
  const written = line.text.slice(candidate.tokens[candidate.from]?.start, candidate.tokens[candidate.to - 1]?.end);
  if (guard.exactCase && !candidate.entry.spellings.includes(written)) {
    // A guarded alias shares its key with unguarded spellings only when they differ in case.
    return false;
  }
  const next = candidate.tokens[candidate.to]?.norm ?? '';
  if (guard.rejectNext?.test(next)) return false;
  const hasContextRule = guard.neighbours || guard.listOk || guard.domain || guard.acceptNext;
  if (!hasContextRule) return true;
  if (guard.acceptNext?.test(next)) return true;
  if (guard.neighbours && hasNeighbour(candidate, guard.neighbours, accepted, guarded, line, lines)) return true;
  if (guard.listOk && isShortListItem(candidate, line)) return true;
  if (guard.domain && (domainCounts.get(guard.domain) ?? 0) >= 2) return true;
  return false;
}

function hasNeighbour(
  candidate: Candidate,
  categories: readonly SkillCategory[],
  accepted: readonly Candidate[],
  guarded: readonly Candidate[],
  line: MatchableLine,
  lines: readonly MatchableLine[],
): boolean {
  // Close by, not merely on the same line: "Grade C … PL/SQL" is not C next to a language.
  const sameLine = (other: Candidate) =>
    other !== candidate && categories.includes(other.entry.skill.category) && tokenDistance(candidate, other, lines) <= NEIGHBOUR_GAP;
  if (accepted.some(sameLine)) return true;
  // "Go, Rust" vouch for each other, but only when each is written as the name.
  return guarded.some(
    (other) =>
      sameLine(other) &&
      other.entry.skill !== candidate.entry.skill &&
      other.entry.guard?.exactCase === true &&
      other.entry.spellings.includes((lines[other.lineIndex] ?? line).text.slice(other.tokens[other.from]?.start, other.tokens[other.to - 1]?.end)),
  );
}

/**
 * Words between two mentions, also across a line break where the first line runs on into the
 * next ("… dbt tests or" / "Soda."); Infinity when they are not in the same run of text.
 */
function tokenDistance(a: Candidate, b: Candidate, lines: readonly MatchableLine[]): number {
  if (a.lineIndex === b.lineIndex) return Math.max(b.from - a.to, a.from - b.to);
  const [first, second] = a.lineIndex < b.lineIndex ? [a, b] : [b, a];
  if (second.lineIndex !== first.lineIndex + 1) return Infinity;
  if (!continuesOnNextLine(lines[first.lineIndex] ?? { text: '' }, lines[second.lineIndex])) return Infinity;
  const firstOwnLength = first.tokens.filter((token) => !token.carried).length;
  return Math.max(0, firstOwnLength - first.to) + second.from;
}

/** Words allowed between a guarded mention and the skill that vouches for it. */
const NEIGHBOUR_GAP = 2;

const LIST_SEPARATOR = /[,;|•·\t]|\s\/\s|\s[-–—]\s/;

/** The mention is (nearly) a whole item of a list: "Languages: Go, Python" or a Skills line. */
function isShortListItem(candidate: Candidate, line: MatchableLine): boolean {
  const start = candidate.tokens[candidate.from]?.start ?? 0;
  const end = candidate.tokens[candidate.to - 1]?.end ?? 0;
  const text = line.text.includes(':') && line.text.indexOf(':') < start ? line.text.slice(line.text.indexOf(':') + 1) : line.text;
  const offset = line.text.length - text.length;
  const parts = text.split(LIST_SEPARATOR);
  let position = offset;
  for (const part of parts) {
    const partStart = line.text.indexOf(part, position);
    const partEnd = partStart + part.length;
    position = partEnd;
    if (partStart <= start && end <= partEnd) {
      const words = tokenize(part).length;
      const itemSized = words <= 3;
      return itemSized && (parts.length >= 3 || line.listContext === true);
    }
  }
  return false;
}

function toMention(candidate: Candidate, text: string): SkillMention {
  const first = candidate.tokens[candidate.from];
  const last = candidate.tokens[candidate.to - 1];
  const start = first?.start ?? 0;
  const wrapped = last?.carried === true;
  const end = wrapped ? text.length : (last?.end ?? start);
  const matchedText = wrapped
    ? candidate.tokens
        .slice(candidate.from, candidate.to)
        .map((token) => token.raw)
        .join(' ')
    : text.slice(start, end);
  return {
    skill: candidate.entry.skill.name,
    category: candidate.entry.skill.category,
    lineIndex: candidate.lineIndex,
    matchedText,
    start,
    end,
  };
}

/** The line runs on into the next: no closing punctuation here, no bullet or heading there. */
function continuesOnNextLine(line: MatchableLine, next: MatchableLine | undefined): boolean {
  if (!next || next.text === '' || line.text === '') return false;
  if (/[.!?:;)\]]\s*$/.test(line.text) || line.text.includes('\t')) return false;
  return !/^\s*[•▪◦●\-–*·]/.test(next.text);
}
