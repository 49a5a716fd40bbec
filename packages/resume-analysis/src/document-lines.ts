/** A line of a source document, with the position a finding can cite. */
export interface DocumentLine {
  text: string;
  /** 1-based page number (1 for plain text input). */
  page: number;
  /** 1-based line number within its page, counting only non-blank lines. */
  lineNo: number;
  /** Set in a larger size than the body text (PDF text layers only): a heading candidate. */
  larger?: boolean;
}

const PAGE_MARKER = /^--\s*\d+\s+of\s+\d+\s*--$/;

/**
 * Splits plain text into cited lines. A form feed starts a new page, so text copied out of
 * a PDF viewer keeps its page numbers; blank lines are dropped because nothing cites them.
 */
export function linesFromText(text: string): DocumentLine[] {
  const lines: DocumentLine[] = [];
  const pages = text.replace(/\r\n?/g, '\n').split('\f');
  pages.forEach((pageText, pageIndex) => {
    let lineNo = 0;
    for (const raw of pageText.split('\n')) {
      const cleaned = cleanLine(raw);
      if (cleaned === '' || PAGE_MARKER.test(cleaned)) continue;
      lineNo += 1;
      lines.push({ text: cleaned, page: pageIndex + 1, lineNo });
    }
  });
  return lines;
}

/**
 * Tabs are kept (single) because PDF extraction uses them for a column gap, which is how a
 * right-aligned date is told apart from the title beside it; everything else is collapsed.
 */
export function cleanLine(raw: string): string {
  return raw
    .replace(/\u00a0/g, ' ')
    .replace(/[ \u2000-\u200b]+/g, ' ')
    .replace(/(?<! ) *\t[\t ]*/g, '\t')
    .replace(/^[\t ]+|(?<![\t ])[\t ]+$/g, '');
}

/** A short, citable form of a line: columns joined, bullets dropped, long text cut at a word. */
export function quoteLine(text: string, maxLength = 160): string {
  const flat = text
    .replace(/\t+/g, ' — ')
    .replace(/^[•▪◦●\-–*·]\s*/, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (flat.length <= maxLength) return flat;
  const cut = flat.slice(0, maxLength);
  const lastSpace = cut.lastIndexOf(' ');
  return `${cut.slice(0, lastSpace > maxLength * 0.6 ? lastSpace : maxLength).replace(/(?<![,;:.\s])[,;:.\s]+$/, '')}…`;
}

/**
 * A quote of at most `maxLength` that keeps `focus` (e.g. the skill it is evidence for) in view:
 * long lines are cut around it rather than at the end.
 */
export function excerptAround(text: string, focus: string | undefined, maxLength = 140): string {
  const flat = quoteLine(text, Number.MAX_SAFE_INTEGER);
  if (flat.length <= maxLength) return flat;
  const at = focus ? flat.toLowerCase().indexOf(focus.toLowerCase()) : -1;
  if (at < 0 || at + focus!.length <= maxLength - 10) return quoteLine(flat, maxLength);
  let start = Math.max(0, at - Math.floor(maxLength / 3));
  const space = flat.indexOf(' ', start);
  if (space > 0 && space < at) start = space + 1;
  return `…${quoteLine(flat.slice(start), maxLength - 1)}`;
}

/** A duty or claim cut at a clause boundary, for use inside a question. */
export function clauseExcerpt(text: string, maxLength = 100): string {
  const flat = quoteLine(text, Number.MAX_SAFE_INTEGER).replace(/[.;:]$/, '');
  if (flat.length <= maxLength) return flat;
  let cut = -1;
  for (const match of flat.matchAll(/[,;:]\s|\s[–—]\s/g)) {
    const position = match.index;
    if (position >= 40 && position <= maxLength) cut = position;
  }
  return cut > 0 ? `${flat.slice(0, cut)}…` : quoteLine(flat, maxLength);
}
