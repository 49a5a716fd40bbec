import { analyseOffline, interviewQuestionSchema, QUESTION_CATEGORIES, type AnalysisResult, type InterviewQuestion } from '../src';
import { questionSetSchema } from '../src/question-schema';
import { LOAD_ALL_PAIRS_MS, loadAllPairs, NOW, type LabelledPair } from './labelled-fixtures';

let pairs: LabelledPair[] = [];
const own = new Map<string, AnalysisResult>();
const crossed = new Map<string, AnalysisResult>();

beforeAll(async () => {
  pairs = await loadAllPairs();
  pairs.forEach((pair, index) => {
    own.set(pair.id, analyseOffline({ resumeLines: pair.resumeLines, jdLines: pair.jdLines, now: NOW }));
    // A mismatched pair too: every resume against the next job description.
    const next = pairs[(index + 1) % pairs.length];
    if (next) crossed.set(pair.id, analyseOffline({ resumeLines: pair.resumeLines, jdLines: next.jdLines, now: NOW }));
  });
}, LOAD_ALL_PAIRS_MS);

function allResults(): [string, AnalysisResult][] {
  return [
    ...[...own].map(([id, result]) => [id, result] as [string, AnalysisResult]),
    ...[...crossed].map(([id, result]) => [`${id} x next`, result] as [string, AnalysisResult]),
  ];
}

/** A question with its quotes and skill taken out: what is left is the template's own wording. */
function skeleton(question: InterviewQuestion): string {
  let text = question.question.replace(/"[^"]*"/g, '"…"');
  const names = [question.skill, question.skill?.toLowerCase()].filter((name): name is string => Boolean(name));
  for (const name of names) text = text.split(name).join('SKILL');
  return text.toLowerCase();
}

test('at least 12 questions, none repeated, all valid against the schema', () => {
  for (const [id, result] of allResults()) {
    expect({ id, enough: result.questions.length >= 12 }).toEqual({ id, enough: true });
    const texts = result.questions.map((question) => question.question.toLowerCase());
    expect(new Set(texts).size).toBe(texts.length);
    expect(questionSetSchema.safeParse({ questions: result.questions }).success).toBe(true);
    for (const question of result.questions) {
      expect(interviewQuestionSchema.safeParse(question).success).toBe(true);
      expect(question.why).toMatch(/"/);
      expect(question.lookFor.length).toBeGreaterThan(20);
    }
  }
});

test('every category is used for a real resume and job description', () => {
  for (const [id, result] of own) {
    const categories = new Set(result.questions.map((question) => question.category));
    // A gap question needs a real gap: a missing item that is no soft skill, has no accepted
    // alternative, and is not written on the resume in so many words.
    const resumeText = result.resume.lines.map((line) => line.text.toLowerCase()).join('\n');
    const realGap = result.match.missing.some(
      (skill) => skill.category !== 'soft-skill' && !skill.coveredBy && !resumeText.includes(skill.skill.toLowerCase()),
    );
    const expected = QUESTION_CATEGORIES.filter((category) => category !== 'gap' || realGap);
    if (result.reading.confidence === 'low') {
      // A document the analysis says it cannot read well (the Spanish pair) gets fewer kinds of
      // question, grounded in what it did read; it is not held to the full set.
      expect(categories.size).toBeGreaterThanOrEqual(3);
    } else {
      expect({ id, categories: [...categories].sort() }).toEqual({ id, categories: [...expected].sort() });
    }
    const difficulties = new Set(result.questions.map((question) => question.difficulty));
    expect(difficulties.size).toBeGreaterThanOrEqual(2);
  }
});

test('questions are grounded in the documents', () => {
  for (const [id, result] of allResults()) {
    const matched = new Set(result.match.matched.map((skill) => skill.skill));
    // Soft skills are asked about as behaviour, and an item the job accepts an alternative for is no gap.
    const missingRequired = new Set(
      result.match.missing
        .filter((skill) => skill.level === 'required' && skill.category !== 'soft-skill' && !skill.coveredBy)
        .map((skill) => skill.skill),
    );
    const missing = new Set(result.match.missing.map((skill) => skill.skill));
    const roleWords = result.resume.roles.flatMap((role) => [role.title, role.organisation]).filter(Boolean) as string[];
    const projectNames = result.resume.projects.map((project) => project.name);
    for (const question of result.questions) {
      const context = { id, question: question.question };
      if (question.category === 'technical') {
        expect({ ...context, matched: matched.has(question.skill ?? '') }).toEqual({ ...context, matched: true });
        expect(question.why).toMatch(/^Resume \(p\. \d+, line \d+\)/);
      }
      if (question.category === 'gap') {
        expect({ ...context, missing: missing.has(question.skill ?? '') }).toEqual({ ...context, missing: true });
        expect(question.why).toMatch(/^Job description \(p\. \d+, line \d+\)/);
      }
      if (question.category === 'experience') {
        const named = [...roleWords, ...projectNames].some((name) => question.question.includes(name.slice(0, 40)));
        expect({ ...context, named }).toEqual({ ...context, named: true });
      }
      if (question.category === 'behavioural' || question.category === 'scenario') {
        expect(question.why).toMatch(/^Job (description|title)/);
      }
    }
    // Gap questions go to missing required skills first.
    const gaps = result.questions.filter((question) => question.category === 'gap');
    if (missingRequired.size > 0 && gaps.length > 0) expect(missingRequired.has(gaps[0]?.skill ?? '')).toBe(true);
  }
});

test('no two questions share a template with only the skill swapped', () => {
  for (const [id, result] of allResults()) {
    const skeletons = result.questions.map(skeleton);
    const duplicates = skeletons.filter((text, index) => skeletons.indexOf(text) !== index);
    expect({ id, duplicates }).toEqual({ id, duplicates: [] });
  }
});

test('phrasing varies across interviews too', () => {
  const openings = new Set<string>();
  for (const [, result] of allResults()) {
    for (const question of result.questions) openings.add(skeleton(question).split(' ').slice(0, 4).join(' '));
  }
  expect(openings.size).toBeGreaterThanOrEqual(30);
});

test('the same inputs give the same questions', () => {
  const pair = pairs[0];
  if (!pair) throw new Error('no fixtures');
  const again = analyseOffline({ resumeLines: pair.resumeLines, jdLines: pair.jdLines, now: NOW });
  expect(again).toEqual(own.get(pair.id));
});

test('still 12 distinct questions when the documents say almost nothing', () => {
  for (const input of [
    { resumeText: '', jdText: '' },
    { resumeText: 'Jo Bloggs', jdText: 'Barista\nMake coffee.' },
  ]) {
    const result = analyseOffline({ ...input, now: NOW });
    expect(result.questions.length).toBeGreaterThanOrEqual(12);
    expect(new Set(result.questions.map((question) => question.question)).size).toBe(result.questions.length);
  }
});
