/** Employment date ranges as resumes write them, and the years they add up to. */

export interface MonthDate {
  year: number;
  /** 1–12 */
  month: number;
}

export interface DateRange {
  start: MonthDate;
  end: MonthDate;
  /** The range ends "Present", "Current", "Now"… and so ends at the `now` passed in. */
  ongoing: boolean;
  /** Whole months covered, see `monthsCovered`. */
  months: number;
  /** The matched text and where it sits in the line, so callers can cut it out. */
  text: string;
  index: number;
}

const MONTHS: Readonly<Record<string, number>> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};
const SEASONS: Readonly<Record<string, number>> = { spring: 3, summer: 6, fall: 9, autumn: 9, winter: 12 };

const MONTH_NAME =
  'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
const YEAR = '(?:19|20)\\d{2}';
// "Jun '19": a month name with a two-digit year after an apostrophe.
const SHORT_YEAR = "['’]\\d{2}";
// "2019-06": an ISO month, only where the month is two digits, so "2018-2021" stays a range of years.
const ISO_MONTH = `${YEAR}-(?:0[1-9]|1[0-2])(?!\\d)`;
const POINT = `(?:(?:${MONTH_NAME})\\.?,?\\s*(?:${YEAR}|${SHORT_YEAR})|${ISO_MONTH}|(?:spring|summer|fall|autumn|winter)\\s+${YEAR}|(?:0?[1-9]|1[0-2])\\s*[/.]\\s*${YEAR}|${YEAR})`;
const ONGOING = '(?:present|current(?:ly)?|now|today|to\\s+date|ongoing|date)';
const SEPARATOR = '\\s*(?:-{1,2}|–|—|to|until|till|through|→|~)\\s*';
// Not glued to other digits or hyphens: "555-2019-2020" is a phone number, not a range.
const RANGE = new RegExp(`(?<![\\w/.-])(${POINT})${SEPARATOR}(${POINT}|${ONGOING})(?![\\w/]|-\\d)`, 'i');
const RANGE_GLOBAL = new RegExp(RANGE.source, 'gi');
// "Sep. 2023 Mar. 2024": a font whose dash has no text (some LaTeX templates) leaves two month dates side
// by side. Only month dates: two bare years side by side are too often something else.
const MONTH_POINT = `(?:${MONTH_NAME})\\.?,?\\s*(?:${YEAR}|${SHORT_YEAR})`;
const DASHLESS = new RegExp(`(?<![\\w/.-])(${MONTH_POINT})\\s+(${MONTH_POINT}|present|current)(?![\\w/]|-\\d)`, 'i');
// "Since March 2019": a start with no end is a role still held. Only where a date cell starts (the line's
// start, after a tab, a bar, a dash, a comma or a parenthesis), not in prose ("… has grown since 2019").
const SINCE = new RegExp(`(?:^|(?<=[\\t|–—,(])|(?<=[\\t|–—,(] ))since\\s+(${POINT})(?![\\w/]|-\\d)`, 'i');
const ONGOING_ONLY = new RegExp(`^${ONGOING}$`, 'i');

/** The first employment-style date range in a line, or null. */
export function findDateRange(line: string, now: MonthDate): DateRange | null {
  const match = RANGE.exec(line);
  if (match) return toRange(match, now);
  const dashless = DASHLESS.exec(line);
  if (dashless) return toRange(dashless, now);
  const since = SINCE.exec(line);
  return since ? toRange(since, now) : null;
}

export function findDateRanges(line: string, now: MonthDate): DateRange[] {
  const ranges: DateRange[] = [];
  for (const match of line.matchAll(RANGE_GLOBAL)) {
    const range = toRange(match, now);
    if (range) ranges.push(range);
  }
  return ranges;
}

export function monthDateOf(date: Date): MonthDate {
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1 };
}

/**
 * Years across all ranges with overlaps counted once, so two part-time jobs held at the same
 * time do not double a candidate's experience.
 */
export function yearsAcross(ranges: readonly Pick<DateRange, 'start' | 'end' | 'months'>[]): number {
  const spans = ranges
    .map((range) => {
      const from = monthIndex(range.start);
      return [from, from + range.months] as const;
    })
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let current: [number, number] | null = null;
  for (const [from, to] of spans) {
    if (current && from <= current[1]) {
      current[1] = Math.max(current[1], to);
    } else {
      if (current) total += current[1] - current[0];
      current = [from, to];
    }
  }
  if (current) total += current[1] - current[0];
  return roundYears(total / 12);
}

function roundYears(years: number): number {
  return Math.round(years * 10) / 10;
}

export function formatMonthDate(date: MonthDate): string {
  return `${date.year}-${String(date.month).padStart(2, '0')}`;
}

function toRange(match: RegExpMatchArray, now: MonthDate): DateRange | null {
  const startText = match[1] ?? '';
  const endText = match[2] ?? '';
  const start = parsePoint(startText);
  if (!start) return null;
  const ongoing = match[2] === undefined || ONGOING_ONLY.test(endText.trim());
  const end: ParsedPoint | null = ongoing ? { date: now, yearOnly: false } : parsePoint(endText);
  if (!end || monthIndex(end.date) < monthIndex(start.date)) return null;
  return {
    start: start.date,
    end: end.date,
    ongoing,
    months: monthsCovered(start, end),
    text: match[0],
    index: match.index ?? 0,
  };
}

interface ParsedPoint {
  date: MonthDate;
  yearOnly: boolean;
}

/**
 * "Jan 2019 – Dec 2019" is a year of work, so month-precise ranges count both ends. Year-only
 * ranges ("2018–2021") are read as start of year to start of year, i.e. three years, which is
 * how recruiters read them.
 */
function monthsCovered(start: ParsedPoint, end: ParsedPoint): number {
  const span = monthIndex(end.date) - monthIndex(start.date);
  return start.yearOnly || end.yearOnly ? span : span + 1;
}

function parsePoint(text: string): ParsedPoint | null {
  const lower = text.toLowerCase().trim();
  const iso = /^((?:19|20)\d{2})-(\d{2})$/.exec(lower);
  if (iso) return { date: { year: Number(iso[1]), month: Number(iso[2]) }, yearOnly: false };
  // A two-digit year on a resume is this century's up to the 40s, the last century's after.
  const short = /['’](\d{2})$/.exec(lower)?.[1];
  const year = short ? (Number(short) <= 40 ? 2000 : 1900) + Number(short) : Number(/((?:19|20)\d{2})/.exec(lower)?.[1]);
  if (!year) return null;
  const name = /^([a-z]+)/.exec(lower)?.[1];
  if (name) {
    const month = MONTHS[name.slice(0, name.startsWith('sept') ? 4 : 3)] ?? SEASONS[name];
    return month ? { date: { year, month }, yearOnly: false } : null;
  }
  const numeric = /^(\d{1,2})\s*[/.]/.exec(lower);
  if (numeric) return { date: { year, month: Number(numeric[1]) }, yearOnly: false };
  return { date: { year, month: 1 }, yearOnly: true };
}

function monthIndex(date: MonthDate): number {
  return date.year * 12 + (date.month - 1);
}
