import type { QaJob } from '../client';

// The analysis is described loosely in the API document; this is what the report reads of it.
interface ScorePart {
  weight: number;
  points: number;
  matched?: number;
  total?: number;
  requiredYears?: number | null;
  candidateYears?: number;
}
interface Evidence {
  line: string;
  page: number;
  lineNo: number;
  section?: string;
}
interface DocumentLine {
  text: string;
  page: number;
  lineNo: number;
}
interface Analysis {
  generator?: string;
  resume?: { lines?: DocumentLine[] };
  job?: { lines?: DocumentLine[] };
  fallbackReason?: string;
  match?: {
    score: number;
    parts: { requiredSkills: ScorePart; preferredSkills: ScorePart; experience: ScorePart };
    matched: Array<{ skill: string; level: string; evidence: Evidence }>;
    missing: Array<{ skill: string; level: string; jobEvidence?: { text: string; page: number; lineNo: number }; coveredBy?: string }>;
  };
  questions?: Array<{ category: string; skill?: string; difficulty: string; question: string; why: string; lookFor: string }>;
  reading?: { confidence: 'normal' | 'low'; notes: string[] };
}

const points = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
const quote = (text: string, max = 90) => `"${text.length > max ? `${text.slice(0, max - 1)}…` : text}"`;

/** The finished job as a person reads it: score and its parts, matched and missing skills with evidence, the questions. */
export function formatQaReport(job: QaJob): string {
  const lines: string[] = [];
  if (job.status === 'failed') {
    const error = job.error as { reason?: string; message?: string; problems?: Array<{ file: string; message: string }> } | undefined;
    lines.push(`Job ${job.id} failed: ${error?.message ?? 'no reason given'}${error?.reason ? ` (${error.reason})` : ''}`);
    for (const problem of error?.problems ?? []) lines.push(`  ${problem.file}: ${problem.message}`);
    return lines.join('\n');
  }
  const result = (job.result ?? {}) as Analysis;
  const match = result.match;
  lines.push(
    `Job ${job.id} completed${job.durationMs != null ? ` in ${job.durationMs} ms` : ''}${result.generator ? ` (questions by the ${result.generator} generator)` : ''}`,
  );
  if (result.fallbackReason) lines.push(`  the model was not used: ${result.fallbackReason}`);
  // Before the score, so nobody reads a confident number off a document the analysis could not read.
  if (result.reading?.confidence === 'low') {
    lines.push('', 'LOW CONFIDENCE: the documents could not be read well; treat the score and questions with care.');
    for (const note of result.reading.notes) lines.push(`  ! ${note}`);
  }
  if (match) {
    const { requiredSkills, preferredSkills, experience } = match.parts;
    lines.push('', `Match score: ${points(match.score)} / 100`);
    lines.push(
      `  required skills   ${points(requiredSkills.points).padStart(5)} / ${requiredSkills.weight}   ${requiredSkills.matched} of ${requiredSkills.total} matched`,
    );
    lines.push(
      `  preferred skills  ${points(preferredSkills.points).padStart(5)} / ${preferredSkills.weight}   ${preferredSkills.matched} of ${preferredSkills.total} matched`,
    );
    const years = experience.requiredYears == null ? 'no years asked for' : `${experience.requiredYears} years asked for`;
    lines.push(
      `  experience        ${points(experience.points).padStart(5)} / ${experience.weight}   ${points(experience.candidateYears ?? 0)} years on the resume, ${years}`,
    );

    lines.push('', `Matched skills (${match.matched.length})`);
    for (const skill of match.matched) {
      const where = `page ${skill.evidence.page}, line ${skill.evidence.lineNo}${skill.evidence.section ? `, ${skill.evidence.section}` : ''}`;
      lines.push(`  + ${skill.skill} (${skill.level}) — ${quote(skill.evidence.line)} [${where}]`);
    }
    if (match.matched.length === 0) lines.push('  none');
    lines.push('', `Missing skills (${match.missing.length})`);
    for (const skill of match.missing) {
      const asked = skill.jobEvidence
        ? ` — the job says ${quote(skill.jobEvidence.text)} [page ${skill.jobEvidence.page}, line ${skill.jobEvidence.lineNo}]`
        : '';
      lines.push(`  - ${skill.skill} (${skill.level})${skill.coveredBy ? `, covered by ${skill.coveredBy}` : ''}${asked}`);
    }
    if (match.missing.length === 0) lines.push('  none');
  }
  const questions = result.questions ?? [];
  lines.push('', `Questions (${questions.length})`);
  questions.forEach((question, index) => {
    lines.push(`  ${index + 1}. [${question.category}, ${question.difficulty}${question.skill ? `, ${question.skill}` : ''}] ${question.question}`);
    lines.push(`     why: ${question.why}`);
    lines.push(`     look for: ${question.lookFor}`);
  });
  // Present only when asked for (`--lines`).
  for (const [title, documentLines] of [
    ['Resume lines', result.resume?.lines],
    ['Job description lines', result.job?.lines],
  ] as const) {
    if (!documentLines) continue;
    lines.push('', `${title} (${documentLines.length}, contact details redacted)`);
    for (const line of documentLines) lines.push(`  [page ${line.page}, line ${line.lineNo}] ${line.text}`);
  }
  return lines.join('\n');
}
