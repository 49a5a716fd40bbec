/**
 * Reading order of a PDF page from the positions of its text, as a person reads the page.
 *
 * pdf.js gives a page's text as items (a run of characters with its position, width and font
 * size) in the order the producer wrote them, which is not always the order they are read: a
 * two-column or sidebar resume drawn row by row interleaves the columns, and a producer that
 * writes each word apart splits a line. This rebuilds the lines from the positions alone:
 *   - items on one baseline are one row, words kept together, a wide gap kept as a tab (the
 *     way a right-aligned date is told apart from the title beside it);
 *   - a vertical gutter that no row crosses, with text on both sides, makes the rows beside it a
 *     block of columns, read column by column (a sidebar's contact and skills are not mixed with
 *     the main column's roles); rows above and below it (a full-width name) stay full width;
 *   - a line set in a larger size than the body text is marked as a heading candidate;
 *   - a word broken by a hyphen at a line's end is joined back (a compound keeps its hyphen).
 * Pure functions over plain numbers, so they are tested on hand-made items as well as real PDFs.
 */

import { isLocation, isPlaceName } from './locations';

/** One pdf.js text item in the page's own coordinates (points, y upwards). */
export interface LayoutItem {
  str: string;
  /** Left edge and baseline. */
  x: number;
  y: number;
  width: number;
  /** Font size (the text matrix's vertical scale). */
  size: number;
}

export interface LayoutLine {
  text: string;
  /** Set in a larger size than the page's body text: a section heading or the name. */
  larger: boolean;
}

interface Segment {
  x0: number;
  x1: number;
  items: LayoutItem[];
}

interface Row {
  y: number;
  size: number;
  segments: Segment[];
}

// Beyond these a page is read row by row without looking for columns: a real resume page holds a
// few hundred items, and the column search is rows × candidate gutters.
const MAX_ITEMS_FOR_COLUMNS = 5000;
const MAX_ROWS_FOR_COLUMNS = 400;
const GUTTER_STEPS = 120;
// A gap this much wider than a space separates two cells of a row (a title and its date).
const CELL_GAP_POINTS = 7;
// eslint-disable-next-line no-control-regex -- these are what is removed
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/** pdf.js items (`getTextContent().items`) to layout items; marked-content entries and rotated text are left out. */
export function layoutItems(items: readonly unknown[]): LayoutItem[] {
  const result: LayoutItem[] = [];
  for (const raw of items) {
    const item = raw as { str?: unknown; transform?: unknown; width?: unknown };
    if (typeof item.str !== 'string' || !Array.isArray(item.transform) || item.str.trim() === '') continue;
    const [a, b, c, d, e, f] = item.transform as number[];
    if ([a, b, c, d, e, f].some((value) => typeof value !== 'number' || !Number.isFinite(value))) continue;
    // Vertical or rotated text (a margin note) has no place in a line of the page.
    if (Math.abs(b!) > 0.01 * Math.abs(a!) || Math.abs(c!) > 0.01 * Math.abs(d!)) continue;
    const size = Math.abs(d!) || Math.abs(a!);
    if (size <= 0) continue;
    // A glyph the font maps to no character (an icon, an emoji) comes out as a control character;
    // left in, it hides the heading beside it ("\u0000 Requirements").
    const str = item.str.replace(CONTROL_CHARACTERS, '');
    if (str.trim() === '') continue;
    result.push({ str, x: e!, y: f!, width: Math.max(0, Number(item.width) || 0), size });
  }
  return result;
}

/** The page's lines in reading order. */
export function layoutLines(items: readonly LayoutItem[]): LayoutLine[] {
  if (items.length === 0) return [];
  const body = bodySize(items);
  const rows = rowsOf(items);
  const blocks = items.length <= MAX_ITEMS_FOR_COLUMNS && rows.length <= MAX_ROWS_FOR_COLUMNS ? columnBlocks(rows) : [{ rows, gutter: null }];
  const lines: LayoutLine[] = [];
  for (const block of blocks) {
    if (block.gutter === null) {
      for (const row of block.rows) lines.push(lineOf(row.segments, body));
      continue;
    }
    const gutter = block.gutter;
    for (const side of ['left', 'right'] as const) {
      for (const row of block.rows) {
        const segments = row.segments.filter((segment) => (segment.x0 + segment.x1) / 2 < gutter === (side === 'left'));
        if (segments.length > 0) lines.push(lineOf(segments, body));
      }
    }
  }
  return joinHyphenatedWords(lines.filter((line) => line.text !== ''));
}

/** The size most of the page's letters are set in. */
function bodySize(items: readonly LayoutItem[]): number {
  const weight = new Map<number, number>();
  for (const item of items) {
    const size = Math.round(item.size * 2) / 2;
    weight.set(size, (weight.get(size) ?? 0) + item.str.length);
  }
  let best = 0;
  let bestWeight = -1;
  for (const [size, count] of weight) {
    if (count > bestWeight) {
      best = size;
      bestWeight = count;
    }
  }
  return best;
}

/** Items on one baseline (within a third of the font size) form a row, top to bottom; within a row, segments are runs of items closer than a cell gap. */
function rowsOf(items: readonly LayoutItem[]): Row[] {
  const sorted = [...items].sort((a, b) => b.y - a.y || a.x - b.x);
  const rows: Row[] = [];
  let current: { y: number; size: number; items: LayoutItem[] } | undefined;
  const groups: { y: number; size: number; items: LayoutItem[] }[] = [];
  for (const item of sorted) {
    if (current && Math.abs(current.y - item.y) <= Math.min(current.size, item.size) * 0.35) {
      current.items.push(item);
      current.size = Math.max(current.size, item.size);
    } else {
      current = { y: item.y, size: item.size, items: [item] };
      groups.push(current);
    }
  }
  for (const group of groups) {
    const byX = group.items.sort((a, b) => a.x - b.x);
    const segments: Segment[] = [];
    for (const item of byX) {
      const last = segments[segments.length - 1];
      if (last && item.x - last.x1 <= cellGap(item.size)) {
        last.items.push(item);
        last.x1 = Math.max(last.x1, item.x + item.width);
      } else {
        segments.push({ x0: item.x, x1: item.x + item.width, items: [item] });
      }
    }
    rows.push({ y: group.y, size: group.size, segments });
  }
  return rows;
}

function cellGap(size: number): number {
  return Math.max(CELL_GAP_POINTS, size * 0.8);
}

interface Block {
  rows: Row[];
  /** The x of the gutter between the block's two columns, or null for full-width rows. */
  gutter: number | null;
}

/**
 * Finds the one gutter of the page (the x that the most rows fall beside, on either side, without
 * any row crossing it) and cuts the rows into runs: a run of rows that do not cross it, with
 * columns on both sides, is a block of columns; the rest is read row by row.
 */
function columnBlocks(rows: readonly Row[]): Block[] {
  const left = Math.min(...rows.map((row) => row.segments[0]!.x0));
  const right = Math.max(...rows.map((row) => row.segments[row.segments.length - 1]!.x1));
  const width = right - left;
  if (width <= 0) return [{ rows: [...rows], gutter: null }];
  const candidates: { x: number; score: number; runs: Run[] }[] = [];
  for (let step = 1; step < GUTTER_STEPS; step++) {
    const x = left + (width * step) / GUTTER_STEPS;
    if (x < left + width * 0.15 || x > right - width * 0.15) continue;
    const runs = columnRuns(rows, x);
    const score = runs.reduce((sum, run) => sum + run.end - run.start, 0);
    if (score > 0) candidates.push({ x, score, runs });
  }
  const top = Math.max(0, ...candidates.map((candidate) => candidate.score));
  const first = candidates.find((candidate) => candidate.score === top);
  if (!first) return [{ rows: [...rows], gutter: null }];
  // The same rows beside a band of x: the gutter is the band's middle, away from both columns' edges.
  const band = candidates.filter((candidate) => candidate.score === top && sameRuns(candidate.runs, first.runs));
  const best = { gutter: (band[0]!.x + band[band.length - 1]!.x) / 2, runs: first.runs };
  const blocks: Block[] = [];
  let next = 0;
  for (const run of best.runs) {
    if (run.start > next) blocks.push({ rows: rows.slice(next, run.start), gutter: null });
    blocks.push({ rows: rows.slice(run.start, run.end), gutter: best.gutter });
    next = run.end;
  }
  if (next < rows.length) blocks.push({ rows: rows.slice(next), gutter: null });
  return blocks;
}

interface Run {
  start: number;
  end: number;
}

function sameRuns(a: readonly Run[], b: readonly Run[]): boolean {
  return a.length === b.length && a.every((run, index) => run.start === b[index]!.start && run.end === b[index]!.end);
}

/** Runs of consecutive rows beside x (none crossing it) that read as two columns. */
function columnRuns(rows: readonly Row[], x: number): Run[] {
  const runs: Run[] = [];
  let start = 0;
  for (let index = 0; index <= rows.length; index++) {
    const row = rows[index];
    const crosses = row === undefined || row.segments.some((segment) => segment.x0 < x && segment.x1 > x);
    if (!crosses) continue;
    if (isColumnRun(rows.slice(start, index), x)) runs.push({ start, end: index });
    start = index + 1;
  }
  return runs;
}

/**
 * Two columns, not a table: several rows on each side, and not a list whose every row pairs a text
 * with a cell of dates or a label ("Engineer … Jan 2020 – Present", "Languages: … Python, SQL"),
 * which is one line read across. A sidebar of short words beside the main column's lines is columns.
 */
function isColumnRun(rows: readonly Row[], x: number): boolean {
  if (rows.length < 5) return false;
  let leftRows = 0;
  let rightRows = 0;
  let both = 0;
  let tableCells = 0;
  let leftCells = 0;
  let rightCells = 0;
  for (const row of rows) {
    const leftSegments = row.segments.filter((segment) => segment.x1 <= x);
    const rightSegments = row.segments.filter((segment) => segment.x0 >= x);
    if (leftSegments.length > 0) {
      leftRows += 1;
      if (isDetailCell(textOf(leftSegments))) leftCells += 1;
    }
    if (rightSegments.length > 0) {
      rightRows += 1;
      if (isDetailCell(textOf(rightSegments))) rightCells += 1;
    }
    if (leftSegments.length === 0 || rightSegments.length === 0) continue;
    both += 1;
    if (TABLE_CELL.test(textOf(rightSegments)) || /:\s*$/.test(textOf(leftSegments))) tableCells += 1;
  }
  if (leftRows < 3 || rightRows < 3) return false;
  // One side holding nothing but dates, places and contact details is the margin of a table of
  // roles (dates beside each title, "Atlanta, GA" beside each employer, email beside the name),
  // read across with the row it stands by, not a column of its own.
  if (leftCells >= leftRows * DETAIL_SIDE || rightCells >= rightRows * DETAIL_SIDE) return false;
  const paired = both / Math.min(leftRows, rightRows);
  return !(paired >= 0.8 && tableCells >= both / 2);
}

// A cell that dates the text beside it: a year, or a month and year.
const TABLE_CELL = /\b(?:19|20)\d{2}\b|\b(?:present|current|now)\b/i;
// How much of a side must be dates, places and contact details for it to be a table's margin.
const DETAIL_SIDE = 0.8;
const CONTACT_CELL = /@|https?:|www\.|\.(?:com|org|net|io|dev)\b|\+?\d[\d ().-]{7,}\d/i;

/** A short cell that only dates, places, reaches the person or marks a bullet: "Aug 2012 – Dec 2013", "Pilani, India", "Mobile: +1 555 0100", "•". */
function isDetailCell(text: string): boolean {
  const cell = text.trim();
  if (cell === '' || cell.split(/\s+/).length > 8) return false;
  if (!/[\p{L}\p{N}]/u.test(cell)) return true;
  if (TABLE_CELL.test(cell) || CONTACT_CELL.test(cell) || isLocation(cell)) return true;
  // A town the list does not know, then the region or country it is in ("Pilani, India").
  const comma = cell.lastIndexOf(',');
  return comma > 0 && isPlaceName(cell.slice(comma + 1));
}

function textOf(segments: readonly Segment[]): string {
  return segments.map((segment) => segment.items.map((item) => item.str).join(' ')).join(' ');
}

/** A row's segments to one line: words joined by spaces where the positions leave a gap, cells by a tab. */
function lineOf(segments: readonly Segment[], body: number): LayoutLine {
  let text = '';
  let larger = true;
  let letters = 0;
  for (const [index, segment] of segments.entries()) {
    if (index > 0) text += '\t';
    let lastEnd: number | null = null;
    for (const item of segment.items) {
      if (lastEnd !== null && item.x - lastEnd > item.size * 0.15 && !/\s$/.test(text) && !/^\s/.test(item.str)) text += ' ';
      text += item.str;
      lastEnd = item.x + item.width;
      const itemLetters = item.str.replace(/\s/g, '').length;
      letters += itemLetters;
      if (itemLetters > 0 && item.size < body * 1.12) larger = false;
    }
  }
  return { text, larger: larger && letters > 0 };
}

const HYPHENATED_END = /(?<=\p{Ll}{2})-$/u;
const CONTINUATION = /^(\p{Ll}+)([,.;:)]?)(?:\s+|$)/u;
// A line may end at a compound's own hyphen ("mid-" / "market") or inside a word a typesetter
// hyphenated ("cus-" / "tomers"). The page's other words decide ("customers" or "mid-market"
// printed whole elsewhere); failing that, a usual word ending ("-ment", "-tion") means a broken word.
const WORD_ENDING =
  /^(?:tion|tions|sion|sions|ment|ments|ing|ings|ed|ly|ity|ities|ness|ance|ances|ence|ences|able|ible|al|ally|er|ers|ies|ive|ous|ism|ist|ists|ure|ures|ogy|ical|ise|ize|ised|ized|ising|izing)$/;

/** "develop-" / "ment of the API" reads "development" / "of the API"; "mid-" / "market accounts" reads "mid-market" / "accounts". */
function joinHyphenatedWords(lines: LayoutLine[]): LayoutLine[] {
  let words: Set<string> | undefined;
  for (let index = 0; index + 1 < lines.length; index++) {
    const line = lines[index]!;
    const next = lines[index + 1]!;
    if (!HYPHENATED_END.test(line.text) || line.text.includes('\t') || next.text.includes('\t')) continue;
    const match = CONTINUATION.exec(next.text);
    if (!match) continue;
    // The broken word's first part: the text after the last space, without the hyphen (no pattern, so no backtracking).
    const start = line.text.slice(line.text.lastIndexOf(' ') + 1, -1).toLowerCase();
    const end = match[1]!;
    words ??= new Set(lines.flatMap((each) => each.text.toLowerCase().match(/[\p{L}-]+/gu) ?? []));
    const hyphen = words.has(`${start}${end}`) ? '' : words.has(`${start}-${end}`) ? '-' : WORD_ENDING.test(end) ? '' : '-';
    line.text = `${line.text.slice(0, -1)}${hyphen}${end}${match[2]}`;
    next.text = next.text.slice(match[0].length);
  }
  return lines.filter((line) => line.text.trim() !== '');
}
