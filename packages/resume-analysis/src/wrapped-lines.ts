import { findDateRange } from './date-ranges';
import { isBulletLine } from './heading-shape';
import { isLocation, trailingLocation } from './locations';

/**
 * PDF text comes one visual line at a time, so a bullet, a long job title or a skills list that
 * wraps arrives in pieces. This joins the pieces back into the lines the author wrote, which is
 * what roles, projects and quoted evidence need. Positions stay those of the first piece.
 */

export interface WrappableLine {
  text: string;
  section: string;
}

export interface LogicalLine<L extends WrappableLine> {
  line: L;
  /** Indexes of the physical lines it was joined from, first to last. */
  parts: number[];
}

const OPEN_END = /(?:[,(–—&/]|\b(?:and|or|of|with|in|for|the|to|at|on|a|an|from|by|using))\s*$/;
const HYPHEN_BREAK = /\p{L}-$/u;
const SENTENCE_END = /[.!?)"”]\s*$/;
// Any year will do: only the presence of a date range matters here.
const ANY_DATE = { year: 2000, month: 1 };
// Ranges that end in "Present" are only read up to "now": the latest "now" finds them all.
const LATEST = { year: 9999, month: 12 };

export function mergeWrappedLines<L extends WrappableLine>(lines: readonly L[], isBoundary: (index: number) => boolean): LogicalLine<L>[] {
  const merged: LogicalLine<L>[] = [];
  lines.forEach((line, index) => {
    const current = merged[merged.length - 1];
    const previousIndex = current?.parts[current.parts.length - 1];
    const joins =
      current !== undefined &&
      previousIndex === index - 1 &&
      !isBoundary(index) &&
      !isBoundary(previousIndex) &&
      current.line.section === line.section &&
      continues(current.line.text, lines[previousIndex]?.text ?? '', line.text);
    if (joins) {
      // A town on a line of its own is a part of the header: "… Pumps," / "Leicester" reads "… Pumps, Leicester".
      const before = splitTrailingDate(current.line.text)[0];
      const glue = HYPHEN_BREAK.test(before) ? '' : line.text.length <= 60 && isLocation(line.text) && !/,\s*$/.test(before) ? ', ' : ' ';
      // A date printed beside the first line of a wrapped header stays at the end: "… University" / "of
      // Birmingham" beside "2011 - 2015" reads "… University of Birmingham\t2011 - 2015".
      const [head, dateCell] = splitTrailingDate(current.line.text);
      // Both columns wrapped: "… and the kiwifruit\tNov. 2021 — Feb." / "industry.\t2022" is one text and one date.
      const wrappedDate = dateCell === null ? splitWrappedDate(current.line.text, line.text) : null;
      const joined = wrappedDate ? `${wrappedDate.text.replace(/\t/g, ' ')}\t${wrappedDate.date}` : `${head}${glue}${line.text.replace(/\t/g, ' ')}`;
      current.line = { ...current.line, text: dateCell === null || wrappedDate ? joined : `${joined}\t${dateCell}` };
      current.parts.push(index);
    } else {
      merged.push({ line: { ...line }, parts: [index] });
    }
  });
  return merged;
}

/** A header split between its parts: "Title — Employer" with " — " or " | " in it. */
const HEADER_SEPARATOR = /\s[–—|@]\s/;
/** Words an employer's or a school's name ends with, that a wrapped header leaves on the next line. */
const NAME_END =
  /^(?:College|University|Institute|School|Academy|Polytechnic|Ltd\.?|Limited|Inc\.?|LLC|LLP|PLC|plc|GmbH|AG|B\.V\.|S\.A\.|Group|Systems|Solutions|Services|Technologies|Partners|Foods|Hospital|Bank)\b/;

/**
 * "Senior Design Engineer — Arden Powertrain" / "Systems, Coventry", "… — Phoenix" / "College": a
 * role or school header cut before the last words of the name or before the town.
 */
/** Headers are short; longer lines are prose, and checking every split of them for a town would be quadratic. */
const HEADER_MAX = 160;

/** "Header\tJan 2020 – Present" → ["Header", "Jan 2020 – Present"]; a line without a dated last cell → [line, null]. */
function splitTrailingDate(text: string): [string, string | null] {
  const tab = text.lastIndexOf('\t');
  if (tab < 0) return [text, null];
  const cell = text.slice(tab + 1);
  return cell.length <= 60 && findDateRange(cell, LATEST) !== null ? [text.slice(0, tab), cell] : [text, null];
}

/**
 * Two lines whose last cells together make a date range that neither makes alone: the text column and
 * the date column wrapped at the same place. Returns the joined text and the joined date, or null.
 */
function splitWrappedDate(first: string, second: string): { text: string; date: string } | null {
  const [firstTab, secondTab] = [first.lastIndexOf('\t'), second.lastIndexOf('\t')];
  if (firstTab < 0 || secondTab < 0) return null;
  const date = `${first.slice(firstTab + 1).trim()} ${second.slice(secondTab + 1).trim()}`;
  if (date.length > 60 || findDateRange(date, LATEST)?.text.length !== date.length) return null;
  return { text: `${first.slice(0, firstTab)} ${second.slice(0, secondTab)}`, date };
}

function headerContinues(fullPrevious: string, next: string): boolean {
  // The layout reader keeps a date on the line it is printed beside, so a wrapped header may carry it.
  const previous = splitTrailingDate(fullPrevious)[0];
  if (previous.length > HEADER_MAX || next.length > HEADER_MAX) return false;
  // A dated line is a complete header ("Engineer Mar 2021 – Present"; its dash is no separator).
  if (!HEADER_SEPARATOR.test(previous) || isBulletLine(previous) || findDateRange(previous, LATEST) !== null) return false;
  const text = next.trim();
  if (NAME_END.test(text) && text.split(/\s+/).length <= 4) return true;
  const lastPart = previous.split(HEADER_SEPARATOR).pop() ?? '';
  if (isLocation(lastPart) || trailingLocation(previous.trim()) !== null) return false;
  return findDateRange(text, LATEST) === null && text.split(/\s+/).length <= 6 && (isLocation(text) || trailingLocation(text) !== null);
}

function continues(logicalSoFar: string, previous: string, next: string): boolean {
  if (isBulletLine(next)) return false;
  if (headerContinues(previous, next)) return true;
  if (/^\p{Ll}/u.test(next.trim())) return true;
  const previousHead = splitTrailingDate(previous)[0];
  if (OPEN_END.test(previousHead) || HYPHEN_BREAK.test(previousHead) || unbalancedParenthesis(logicalSoFar)) return true;
  // The end of a wrapped bullet: "… with compliance on" / "FCA requirements."
  return isBulletLine(logicalSoFar) && !SENTENCE_END.test(previous) && SENTENCE_END.test(next) && findDateRange(next, ANY_DATE) === null;
}

function unbalancedParenthesis(text: string): boolean {
  return (text.match(/\(/g)?.length ?? 0) > (text.match(/\)/g)?.length ?? 0);
}
