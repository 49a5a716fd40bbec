import { analyseOffline, linesFromText, redactContactDetails, redactDocumentLines } from '../src';
import { findDateRanges } from '../src/date-ranges';
import { cleanLine, clauseExcerpt, excerptAround, quoteLine } from '../src/document-lines';
import { headingShape, stripBullet } from '../src/heading-shape';
import { parseJob } from '../src/job-parser';
import { extractKeyPhrases, stemsOf } from '../src/key-phrases';
import { parseResume } from '../src/resume-parser';
import { findSkillMentions, tokenize } from '../src/skill-matcher';

/**
 * Each parser gets one line of 200,000 characters, in the shapes that made the old patterns
 * backtrack (long runs of letters, of spaces, of separators, of address-like characters), and
 * must take time linear in the line: four times the line may take at most eight times as long
 * (quadratic work takes sixteen), plus half a second for the machine's noise, in the best of up to
 * three runs. A ratio measured in the same moment holds on a loaded machine, where a fixed bound in
 * seconds does not. The worker refuses such lines before parsing (QA_MAX_LINE_CHARS); this shows
 * the parsers would not stall even without that bound.
 */

const LENGTH = 200_000;
const fill = (unit: string, length: number) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
/** Each shape at a given length: the same prefix and suffix around a run of the same unit. */
const SHAPES: Record<string, (length: number) => string> = {
  letters: (n) => fill('a', n),
  spaces: (n) => `Skills${fill(' ', n)}x`,
  'colons and spaces': (n) => `Experience${fill(': ', n)}x`,
  'address characters': (n) => fill('a.b-c_d%', n),
  'at signs': (n) => fill('a@b', n),
  'dotted domain': (n) => `a@${fill('b.', n)}`,
  'digits and years': (n) => fill('2019 - 2020 ', n),
  'plus years': (n) => fill('5 + ', n),
  'dashes and pipes': (n) => fill(' | - – ', n),
  parentheses: (n) => fill('(', n),
  'words and commas': (n) => fill('Python, SQL, ', n),
  digits: (n) => fill('1', n),
  'digit groups': (n) => fill('4111 ', n),
  'obfuscated at and dot': (n) => fill('a (at) b [dot] ', n),
  tabs: (n) => fill(' \t', n),
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

/** Milliseconds one parser takes on one line. */
function timed(parse: (line: string) => unknown, line: string): number {
  const started = performance.now();
  parse(line);
  return performance.now() - started;
}

describe('a 200,000-character line', () => {
  const cases = Object.keys(PARSERS).flatMap((parser) => Object.keys(SHAPES).map((shape) => [parser, shape] as const));
  test.each(cases)('%s takes time linear in the line on %s', (parser, shape) => {
    const line = SHAPES[shape]!(LENGTH);
    expect(line.length).toBeGreaterThanOrEqual(LENGTH);
    const quarter = SHAPES[shape]!(LENGTH / 4);
    const parse = PARSERS[parser]!;
    // The least of up to three timings: a stall of the machine (a loaded host, a garbage collection)
    // lengthens one run, while work that grows faster than the line lengthens every run.
    let short = Infinity;
    let long = Infinity;
    for (let attempt = 0; attempt < 3 && !(long < 8 * short + 500); attempt += 1) {
      short = Math.min(short, timed(parse, quarter));
      long = Math.min(long, timed(parse, line));
    }
    expect(long).toBeLessThan(8 * short + 500);
  });
});
