import { formatQaReport } from '../src/cli/qa-report';
import type { QaJob } from '../src/client';

function completedJob(reading: unknown): QaJob {
  const part = { weight: 40, points: 20, matched: 1, total: 2 };
  return {
    id: '00000000-0000-4000-8000-000000000001',
    status: 'completed',
    durationMs: 120,
    result: {
      generator: 'offline',
      match: {
        score: 55,
        parts: { requiredSkills: part, preferredSkills: part, experience: { weight: 20, points: 15, requiredYears: 3, candidateYears: 4 } },
        matched: [],
        missing: [],
      },
      questions: [],
      ...(reading ? { reading } : {}),
    },
  } as unknown as QaJob;
}

describe('the qa report of the CLI', () => {
  test('when the analysis read a document with low confidence, then the report says so above the score, with each note', () => {
    const report = formatQaReport(
      completedJob({
        confidence: 'low',
        resume: { language: 'de', languageName: 'German', english: false },
        jd: { language: 'en', languageName: 'English', english: true },
        notes: ['The resume appears to be in German; the analysis reads English only.'],
      }),
    );
    expect(report).toContain('LOW CONFIDENCE');
    expect(report).toContain('  ! The resume appears to be in German; the analysis reads English only.');
    expect(report.indexOf('LOW CONFIDENCE')).toBeLessThan(report.indexOf('Match score'));
  });

  test('when the documents were read normally, or the result predates the reading report, then no warning is shown', () => {
    const normal = { confidence: 'normal', resume: {}, jd: {}, notes: [] };
    expect(formatQaReport(completedJob(normal))).not.toContain('LOW CONFIDENCE');
    expect(formatQaReport(completedJob(undefined))).not.toContain('LOW CONFIDENCE');
  });
});
