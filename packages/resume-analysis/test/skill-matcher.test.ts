import { stemsOf, stemWord } from '../src/key-phrases';
import { SKILL_CATEGORIES, SKILL_TAXONOMY } from '../src/skill-taxonomy';
import { aliasCollisions, findSkillMentions, SKILLS } from '../src/skill-matcher';

function skillsIn(...lines: string[]): string[] {
  return [...new Set(findSkillMentions(lines.map((text) => ({ text }))).map((mention) => mention.skill))];
}

function listSkillsIn(...lines: string[]): string[] {
  return [...new Set(findSkillMentions(lines.map((text) => ({ text, listContext: true }))).map((mention) => mention.skill))];
}

describe('taxonomy', () => {
  test('ships a few hundred skills with aliases across software and non-software categories', () => {
    expect(SKILLS.length).toBeGreaterThanOrEqual(300);
    for (const category of SKILL_CATEGORIES) expect(SKILL_TAXONOMY[category].length).toBeGreaterThan(0);
    for (const category of ['healthcare', 'finance', 'sales-marketing', 'education', 'logistics', 'design'] as const) {
      expect(SKILL_TAXONOMY[category].length).toBeGreaterThanOrEqual(20);
    }
    expect(SKILLS.filter((skill) => skill.aliases.length > 1).length).toBeGreaterThan(200);
  });

  test('no alias means two different skills', () => {
    expect(aliasCollisions).toEqual([]);
    const names = SKILLS.map((skill) => skill.name.toLowerCase());
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('aliases', () => {
  test.each([
    ['Built services in JS and TS with Node', 'JavaScript'],
    ['Tuned Postgres queries', 'PostgreSQL'],
    ['Ran workloads on k8s', 'Kubernetes'],
    ['Wrote Golang microservices', 'Go'],
    ['Used scikit-learn and sklearn pipelines', 'scikit-learn'],
    ['Set up CI/CD pipelines', 'CI/CD'],
    ['Ran A/B tests on onboarding', 'A/B testing'],
    ['Wrote PL/SQL packages', 'PL/SQL'],
    ['Managed month-end close', 'Financial close'],
    ['Performed head-to-toe assessments', 'Patient assessment'],
    ['Handled behaviour management for Year 8', 'Classroom management'],
    ['Booked freight through our 3PL partner', 'Third-party logistics'],
    ['Python-based ETL jobs', 'Python'],
  ])('"%s" names %s', (line, skill) => {
    expect(skillsIn(line)).toContain(skill);
  });

  test('matches whole words only', () => {
    expect(skillsIn('Javanese cuisine and Scalable design')).toEqual([]);
    expect(skillsIn('Used JavaScript daily')).not.toContain('Java');
    expect(skillsIn('Wrote PL/SQL packages')).not.toContain('SQL');
  });

  test('a skill name wrapped onto the next line is still found once', () => {
    const mentions = findSkillMentions([{ text: 'ran usability' }, { text: 'testing with 40 users' }]);
    expect(mentions.map((mention) => mention.skill)).toEqual(['Usability testing']);
    expect(mentions[0]?.lineIndex).toBe(0);
  });
});

describe('false positives', () => {
  test('Go the language, not the verb', () => {
    expect(skillsIn('A go-getter who will go the extra mile')).toEqual([]);
    expect(skillsIn("Let's go to market with three partners")).not.toContain('Go');
    expect(skillsIn('Go live support for three sites and staff training')).not.toContain('Go');
    expect(skillsIn('Built Go services handling 2k rps')).toContain('Go');
    expect(skillsIn('Languages: Go, Python, Rust')).toEqual(expect.arrayContaining(['Go', 'Python', 'Rust']));
    expect(listSkillsIn('Go')).toEqual(['Go']);
    expect(skillsIn('Wrote tooling in Go or Python')).toContain('Go');
  });

  test('go to market is the go-to-market skill', () => {
    expect(skillsIn('Owned the go to market plan')).toEqual(['Go-to-market strategy']);
  });

  test('R only as the language', () => {
    expect(skillsIn('Led R&D for the new range')).toEqual([]);
    expect(skillsIn('Analysis in Python and R')).toEqual(expect.arrayContaining(['Python', 'R']));
    expect(skillsIn('Shiny apps in R programming')).toContain('R');
    expect(skillsIn('Plan B, R. Smith and partners')).not.toContain('R');
  });

  test('C only as a standalone name next to other languages', () => {
    expect(skillsIn('Scored grade C in Vitamin C studies')).toEqual([]);
    expect(skillsIn('Worked with C-suite executives')).toEqual([]);
    expect(skillsIn('Firmware in C/C++')).toEqual(expect.arrayContaining(['C', 'C++']));
    expect(skillsIn('Languages: C, Java, Python')).toContain('C');
    expect(skillsIn('Grade C … then later wrote PL/SQL')).not.toContain('C');
  });

  test('Excel the tool, not the verb', () => {
    expect(skillsIn('I excel at explaining numbers')).toEqual([]);
    expect(skillsIn('Excel at building relationships with clients')).not.toContain('Excel');
    expect(skillsIn('Advanced Excel skills, including pivot tables')).toEqual(expect.arrayContaining(['Excel', 'Pivot tables']));
    expect(skillsIn('Reports in Microsoft Excel')).toContain('Excel');
  });

  test('ordinary words that are also product names', () => {
    expect(skillsIn('Gave a swift response to complaints')).toEqual([]);
    expect(skillsIn('React quickly to incidents')).toEqual([]);
    expect(skillsIn('Built dashboards in React and TypeScript')).toContain('React');
    expect(skillsIn('Spring 2019 semester abroad')).toEqual([]);
    expect(skillsIn('Spring Boot services in Java')).toContain('Spring Boot');
    expect(skillsIn('We ship small, safe releases')).not.toContain('SAFe');
    expect(skillsIn('Express your ideas clearly')).toEqual([]);
    expect(skillsIn('Rest of the team')).toEqual([]);
  });

  test('domain words need their domain', () => {
    expect(skillsIn('Performed bug triage and added telemetry to the app')).toEqual([]);
    expect(skillsIn('Measured Core Web Vitals')).toEqual([]);
    expect(skillsIn('Worked at Brightwave Logistics')).toEqual([]);
    const nurse = skillsIn('Triage in the emergency department', 'Wound care, IV therapy and BLS certified');
    expect(nurse).toContain('Triage');
    expect(skillsIn('An epic journey through audits of our API')).toEqual([]);
    expect(skillsIn('Charted in Epic; vital signs, wound care and patient education')).toContain('Epic');
  });
});

describe('stems for matching phrases', () => {
  test('when words differ only by inflection, then they share a stem', () => {
    expect(stemsOf('planned discharges')).toEqual(stemsOf('discharge plans').reverse());
    expect(stemWord('coded')).toBe(stemWord('coding'));
    expect(stemWord('studies')).toBe(stemWord('study'));
    expect(stemWord('C++')).toBe('c++');
  });
});
