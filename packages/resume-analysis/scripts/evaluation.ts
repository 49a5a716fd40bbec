/**
 * The figures of `npm run eval:qa`, computed from the analysis of labelled pairs as the labelling
 * rules (fixtures/labelled/LABELLING.md) define them. Pure functions over results and labels, so the
 * test suite can check each figure on a case small enough to count by hand.
 */
import type { AnalysisResult } from '../src';
import { QUESTION_DEFECTS, questionDefects, type QuestionDefect } from '../src/question-defects';

export type RequirementStatus = 'shown' | 'implied' | 'absent';

export interface LabelledRequirement {
  /** The concept as a recruiter would write it. */
  item: string;
  /** Names the analysis may give this concept (taxonomy names, phrases), compared case-insensitively. */
  match: string[];
  status: RequirementStatus;
  level: 'required' | 'preferred';
}

export interface PairLabels {
  id: string;
  jobTitle: string;
  candidateTitle: string;
  years: number;
  degrees: { degree: string; institution: string }[];
  requirements: LabelledRequirement[];
  fit: number;
}

export interface PairFigures {
  id: string;
  extracted: number;
  /** Extracted items that map to a labelled requirement. */
  correct: number;
  /** Of those, items that map to a requirement an earlier item already stands for: one concept split in several. */
  split: number;
  /** Extracted items that are no labelled requirement at all (a place, a team, a fragment). */
  nonRequirements: string[];
  requirementsFound: number;
  requirements: number;
  jobTitleRight: boolean;
  candidateTitleRight: boolean;
  yearsError: number;
  degreesLinked: number;
  degrees: number;
  shown: number;
  shownMatched: number;
  matchedRequirements: number;
  matchedShown: number;
  missingItems: number;
  falseGaps: string[];
  /** Matched items not labelled shown: what costs matched precision, with how each was matched. */
  wrongMatches: string[];
  missingNoise: string[];
}

export function normalise(text: string | null | undefined): string {
  return (text ?? '')
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}+#&]+/gu, ' ')
    .trim();
}

function requirementOf(name: string, labels: readonly LabelledRequirement[]): LabelledRequirement | undefined {
  const key = normalise(name);
  return labels.find((label) => normalise(label.item) === key || label.match.some((alias) => normalise(alias) === key));
}

/** The candidate's current title as the analysis reads it (the latest role's, else the first role header or the headline). */
export function candidateTitleOf(result: AnalysisResult): string | null {
  return result.resume.candidateTitle;
}

export function pairFigures(labels: PairLabels, result: AnalysisResult): PairFigures {
  const extractedItems = [...result.job.required, ...result.job.preferred];
  const claimed = new Set<LabelledRequirement>();
  let correct = 0;
  let split = 0;
  const nonRequirements: string[] = [];
  for (const item of extractedItems) {
    const label = requirementOf(item.skill, labels.requirements);
    if (!label) nonRequirements.push(item.skill);
    else {
      if (claimed.has(label)) split += 1;
      claimed.add(label);
      correct += 1;
    }
  }

  const matchedLabels = new Set<LabelledRequirement>();
  let unlabelledMatches = 0;
  const wrongMatches: string[] = [];
  for (const matched of result.match.matched) {
    const label = requirementOf(matched.skill, labels.requirements);
    if (label) matchedLabels.add(label);
    else unlabelledMatches += 1;
    if (label?.status !== 'shown') {
      wrongMatches.push(`${matched.skill} (${label ? label.status : 'no requirement'}; ${matched.by}${matched.via ? `: ${matched.via}` : ''})`);
    }
  }
  const shownLabels = labels.requirements.filter((label) => label.status === 'shown');
  // "Missing" is read per requirement, as the reader of the report sees it: a requirement is reported
  // missing when one of its items is listed as missing (not as covered by an alternative) and none of
  // its items is matched. A missing item that is no requirement at all is noise.
  const falseGaps: string[] = [];
  const missingNoise: string[] = [];
  const missingLabels = new Set<LabelledRequirement>();
  for (const missing of result.match.missing) {
    if (missing.coveredBy) continue;
    const label = requirementOf(missing.skill, labels.requirements);
    if (!label) missingNoise.push(missing.skill);
    else if (!matchedLabels.has(label) && !missingLabels.has(label)) {
      missingLabels.add(label);
      if (label.status === 'shown') falseGaps.push(label.item);
    }
  }

  // "(Hons)" is a class of degree, not a different one.
  const degreeKey = (degree: string | null) =>
    normalise(degree)
      .replace(/\b(?:hons|honours|honors)\b/g, '')
      .replace(/\s+/g, ' ')
      .trim();
  const parsedDegrees = result.resume.education.map((entry) => ({ degree: degreeKey(entry.degree), institution: normalise(entry.institution) }));
  const degreesLinked = labels.degrees.filter((degree) =>
    parsedDegrees.some(
      (parsed) =>
        parsed.institution === normalise(degree.institution) &&
        parsed.degree !== '' &&
        (degreeKey(degree.degree).includes(parsed.degree) || parsed.degree.includes(degreeKey(degree.degree))),
    ),
  ).length;

  return {
    id: labels.id,
    extracted: extractedItems.length,
    correct,
    split,
    nonRequirements,
    requirementsFound: claimed.size,
    requirements: labels.requirements.length,
    jobTitleRight: normalise(result.job.title) === normalise(labels.jobTitle),
    candidateTitleRight: normalise(candidateTitleOf(result)) === normalise(labels.candidateTitle),
    yearsError: Math.abs(result.resume.totalYears - labels.years),
    degreesLinked,
    degrees: labels.degrees.length,
    shown: shownLabels.length,
    shownMatched: shownLabels.filter((label) => matchedLabels.has(label)).length,
    matchedRequirements: matchedLabels.size + unlabelledMatches,
    matchedShown: [...matchedLabels].filter((label) => label.status === 'shown').length,
    missingItems: missingLabels.size + missingNoise.length,
    falseGaps,
    wrongMatches,
    missingNoise,
  };
}

/** Spearman's rank correlation, ties given their average rank. */
export function spearman(xs: readonly number[], ys: readonly number[]): number {
  const rank = (values: readonly number[]) => {
    const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
    const ranks = new Array<number>(values.length);
    for (let i = 0; i < order.length;) {
      let j = i;
      while (j + 1 < order.length && order[j + 1]!.value === order[i]!.value) j += 1;
      for (let k = i; k <= j; k++) ranks[order[k]!.index] = (i + j) / 2 + 1;
      i = j + 1;
    }
    return ranks;
  };
  const [rx, ry] = [rank(xs), rank(ys)];
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const [mx, my] = [mean(rx), mean(ry)];
  let [covariance, vx, vy] = [0, 0, 0];
  for (let i = 0; i < rx.length; i++) {
    covariance += (rx[i]! - mx) * (ry[i]! - my);
    vx += (rx[i]! - mx) ** 2;
    vy += (ry[i]! - my) ** 2;
  }
  return vx === 0 || vy === 0 ? 0 : covariance / Math.sqrt(vx * vy);
}

const STOP_WORDS = new Set(
  (
    'the and for with our you your are will who what have has can from that this their they them into about more than all any its ' +
    'was were been being not but per day days week weeks year years able including such other using use work working team role ' +
    'experience strong good great excellent knowledge skills skill also well both each via within across based new how why when'
  ).split(' '),
);

function contentWords(text: string): Set<string> {
  return new Set(
    normalise(text)
      .split(/\s+/)
      .filter((word) => word.length >= 3 && !STOP_WORDS.has(word) && !/^\d+$/.test(word)),
  );
}

/** The baseline a score must beat: the share of the posting's content words that the resume contains. */
export function keywordOverlap(resumeText: string, jdText: string): number {
  const [resume, jd] = [contentWords(resumeText), contentWords(jdText)];
  if (jd.size === 0) return 0;
  return (100 * [...jd].filter((word) => resume.has(word)).length) / jd.size;
}

export interface QuestionFigures {
  questions: number;
  defective: number;
  byDefect: Record<QuestionDefect, number>;
  examples: string[];
}

export function questionFigures(results: readonly AnalysisResult[]): QuestionFigures {
  const byDefect = Object.fromEntries(QUESTION_DEFECTS.map((defect) => [defect, 0])) as Record<QuestionDefect, number>;
  let [questions, defective] = [0, 0];
  const examples: string[] = [];
  for (const result of results) {
    const headings = result.resume.sections.map((section) => section.heading ?? '').filter(Boolean);
    const earlier: string[] = [];
    for (const question of result.questions) {
      questions += 1;
      const found = questionDefects(question.question, headings, earlier);
      earlier.push(question.question);
      if (found.length === 0) continue;
      defective += 1;
      for (const defect of new Set(found.map((finding) => finding.defect))) byDefect[defect] += 1;
      if (examples.length < 8) examples.push(`[${found.map((finding) => finding.defect).join(', ')}] ${question.question}`);
    }
  }
  return { questions, defective, byDefect, examples };
}
