import { findDateRange } from './date-ranges';
import { isBulletLine } from './heading-shape';

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
      const glue = HYPHEN_BREAK.test(current.line.text) ? '' : ' ';
      current.line = { ...current.line, text: `${current.line.text}${glue}${line.text.replace(/\t/g, ' ')}` };
      current.parts.push(index);
    } else {
      merged.push({ line: { ...line }, parts: [index] });
    }
  });
  return merged;
}

function continues(logicalSoFar: string, previous: string, next: string): boolean {
  if (isBulletLine(next)) return false;
  if (/^\p{Ll}/u.test(next.trim())) return true;
  if (OPEN_END.test(previous) || HYPHEN_BREAK.test(previous) || unbalancedParenthesis(logicalSoFar)) return true;
  // The end of a wrapped bullet: "… with compliance on" / "FCA requirements."
  return isBulletLine(logicalSoFar) && !SENTENCE_END.test(previous) && SENTENCE_END.test(next) && findDateRange(next, ANY_DATE) === null;
}

function unbalancedParenthesis(text: string): boolean {
  return (text.match(/\(/g)?.length ?? 0) > (text.match(/\)/g)?.length ?? 0);
}
