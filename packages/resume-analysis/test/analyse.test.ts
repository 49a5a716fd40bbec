import { analyse, analyseOffline } from '../src';
import { LOAD_ALL_PAIRS_MS, loadAllPairs, NOW, type LabelledPair } from './labelled-fixtures';

const RESUME = [
  'Alex Morgan',
  'alex.morgan@example.com · +44 7700 900111 · 10 Downing Street, London SW1A 2AA',
  'EXPERIENCE',
  'QA Engineer, Brightbank\tJan 2020 – Present',
  '- Automated regression testing with Selenium and Java; cut the release cycle from 5 days to 1.',
  '- Wrote API tests in Postman for 40 REST endpoints.',
  'SKILLS',
  'Selenium, Java, Postman, Jira, SQL',
].join('\n');
const JD = [
  'QA Engineer',
  'Responsibilities',
  '- Maintain our Playwright end-to-end suite and API tests.',
  '- Triage defects with developers in Jira.',
  '- Add contract tests with Pact.',
  'Requirements',
  '- 3+ years of test automation with Selenium, Playwright or Cypress.',
  '- Experience with Postman and SQL.',
  'Nice to have',
  '- JMeter or k6 for performance testing.',
].join('\n');

describe('analyse', () => {
  const result = analyseOffline({ resumeText: RESUME, jdText: JD, now: '2025-06-01' });

  test('score 0–100 with its parts shown', () => {
    const { parts, score } = result.match;
    expect(score).toBeGreaterThanOrEqual(0);
    expect(score).toBeLessThanOrEqual(100);
    expect(parts.requiredSkills.weight).toBeGreaterThan(parts.preferredSkills.weight);
    const all = [parts.requiredSkills, parts.preferredSkills, parts.experience, parts.education, parts.seniority];
    expect(all.reduce((sum, part) => sum + part.weight, 0)).toBeCloseTo(100, 0);
    expect(Math.abs(all.reduce((sum, part) => sum + part.points, 0) - score)).toBeLessThanOrEqual(1);
    expect(parts.experience).toMatchObject({ requiredYears: 3, candidateYears: 5.5, points: parts.experience.weight });
    // The job description asks for no degree and its title no seniority: those parts hand their points on.
    expect(parts.education).toMatchObject({ weight: 0, asked: null });
  });

  test('matched skills cite the resume line that shows them', () => {
    const selenium = result.match.matched.find((skill) => skill.skill === 'Selenium');
    expect(selenium).toMatchObject({
      level: 'required',
      evidence: {
        line: 'Automated regression testing with Selenium and Java; cut the release cycle from 5 days to 1.',
        page: 1,
        lineNo: 5,
        section: 'experience',
      },
    });
    for (const matched of result.match.matched) expect(matched.evidence.line.length).toBeGreaterThan(0);
  });

  test('missing and extra skills; alternatives the candidate covers are not held against them', () => {
    const missing = new Map(result.match.missing.map((skill) => [skill.skill, skill]));
    expect(missing.get('Playwright')).toMatchObject({ coveredBy: 'Selenium' });
    expect(missing.get('Cypress')).toMatchObject({ coveredBy: 'Selenium' });
    expect(missing.get('Contract testing')).toMatchObject({ level: 'required' });
    expect(missing.get('Contract testing')?.coveredBy).toBeUndefined();
    expect(missing.get('JMeter')).toMatchObject({ level: 'preferred' });
    expect(result.match.extra.map((skill) => skill.skill)).toEqual(expect.arrayContaining(['Java', 'Regression testing']));
    expect(result.questions.filter((question) => question.category === 'gap').map((question) => question.skill)).not.toContain('Playwright');
  });

  test('contact details never appear anywhere in the result', () => {
    const all = JSON.stringify(result);
    for (const secret of ['alex.morgan', '7700', 'Downing Street', 'SW1A']) expect(all).not.toContain(secret);
  });

  test('deterministic, and async analyse without llm gives the same offline result', async () => {
    expect(analyseOffline({ resumeText: RESUME, jdText: JD, now: '2025-06-01' })).toEqual(result);
    await expect(analyse({ resumeText: RESUME, jdText: JD, now: '2025-06-01' })).resolves.toEqual(result);
  });

  test('an invalid now is refused', () => {
    expect(() => analyseOffline({ resumeText: RESUME, jdText: JD, now: 'not a date' })).toThrow(TypeError);
  });
});

describe('privacy over the labelled set', () => {
  let pairs: LabelledPair[] = [];
  beforeAll(async () => {
    pairs = await loadAllPairs();
  }, LOAD_ALL_PAIRS_MS);

  test('no email, phone number or street address from a resume reaches its analysis', () => {
    for (const pair of pairs) {
      const source = pair.resumeLines.map((line) => line.text).join('\n');
      const emails = source.match(/[\w.+-]+@[\w.-]+\.\w+/g) ?? [];
      const phones = source.match(/\+?\(?\d[\d ().-]{8,}\d/g)?.filter((phone) => (phone.match(/\d/g)?.length ?? 0) >= 10) ?? [];
      expect(emails.length).toBeGreaterThan(0);
      const result = JSON.stringify(analyseOffline({ resumeLines: pair.resumeLines, jdLines: pair.jdLines, now: NOW }));
      for (const secret of [...emails, ...phones])
        expect({ pair: pair.id, leaked: result.includes(secret) ? secret : null }).toEqual({ pair: pair.id, leaked: null });
    }
  });
});
