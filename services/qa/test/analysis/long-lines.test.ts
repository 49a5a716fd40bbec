import { analyseOffline, linesFromText, redactContactDetails, redactDocumentLines } from '../../src/analysis';
import { findDateRanges } from '../../src/analysis/date-ranges';
import { cleanLine, clauseExcerpt, excerptAround, quoteLine } from '../../src/analysis/document-lines';
import { headingShape, stripBullet } from '../../src/analysis/heading-shape';
import { parseJob } from '../../src/analysis/job-parser';
import { extractKeyPhrases, stemsOf } from '../../src/analysis/key-phrases';
import { parseResume } from '../../src/analysis/resume-parser';
import { findSkillMentions, tokenize } from '../../src/analysis/skill-matcher';

/**
 * Each parser gets one line of 200,000 characters, in the shapes that made the old patterns
 * backtrack (long runs of letters, of spaces, of separators, of address-like characters), and
 * must be done within a second. The worker refuses such lines before parsing (QA_MAX_LINE_CHARS);
 * this shows the parsers would not stall even without that bound.
 */

const LENGTH = 200_000;
const fill = (unit: string) => unit.repeat(Math.ceil(LENGTH / unit.length)).slice(0, LENGTH);
const SHAPES: Record<string, string> = {
  letters: fill('a'),
  spaces: `Skills${fill(' ')}x`,
  'colons and spaces': `Experience${fill(': ')}x`,
  'address characters': fill('a.b-c_d%'),
  'at signs': fill('a@b'),
  'dotted domain': `a@${fill('b.')}`,
  'digits and years': fill('2019 - 2020 '),
  'plus years': fill('5 + '),
  'dashes and pipes': fill(' | - – '),
  parentheses: fill('('),
  'words and commas': fill('Python, SQL, '),
  digits: fill('1'),
  'digit groups': fill('4111 '),
  'obfuscated at and dot': fill('a (at) b [dot] '),
  tabs: fill(' \t'),
};
const NOW = { year: 2025, month: 6 };

const PARSERS: Record<string, (line: string) => unknown> = {
  linesFromText: (line) => linesFromText(line),
  cleanLine: (line) => cleanLine(line),
  quoteLine: (line) => quoteLine(line),
  excerptAround: (line) => excerptAround(line, 'a'),
  clauseExcerpt: (line) => clauseExcerpt(line),
  headingShape: (line) => headingShape(line),
  stripBullet: (line) => stripBullet(line),
  redactContactDetails: (line) => redactContactDetails(line),
  redactDocumentLines: (line) =>
    redactDocumentLines([
      { text: line, page: 1, lineNo: 1 },
      { text: line, page: 1, lineNo: 2 },
    ]),
  findDateRanges: (line) => findDateRanges(line, NOW),
  tokenize: (line) => tokenize(line),
  findSkillMentions: (line) => findSkillMentions([{ text: line, page: 1, lineNo: 1 }] as never),
  stemsOf: (line) => stemsOf(line),
  extractKeyPhrases: (line) => extractKeyPhrases([{ text: line, weight: 1, skillWords: new Set<string>() }]),
  parseResume: (line) =>
    parseResume(
      [
        { text: 'Experience', page: 1, lineNo: 1 },
        { text: line, page: 1, lineNo: 2 },
      ],
      { now: NOW },
    ),
  parseJob: (line) =>
    parseJob([
      { text: 'Requirements', page: 1, lineNo: 1 },
      { text: line, page: 1, lineNo: 2 },
    ]),
};

// Loading the language model and the taxonomy is not the line's doing.
beforeAll(() => {
  for (const parse of Object.values(PARSERS)) parse('Python and SQL, 2019 - 2020');
  analyseOffline({ resumeText: 'Python', jdText: 'Python', now: '2025-06-15' });
});

describe('a 200,000-character line', () => {
  const cases = Object.keys(PARSERS).flatMap((parser) => Object.keys(SHAPES).map((shape) => [parser, shape] as const));
  test.each(cases)('%s finishes within a second on %s', (parser, shape) => {
    const line = SHAPES[shape]!;
    expect(line.length).toBeGreaterThanOrEqual(LENGTH);
    const started = performance.now();
    PARSERS[parser]!(line);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
