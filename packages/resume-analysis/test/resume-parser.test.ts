import { linesFromText } from '../src/document-lines';
import { parseResume } from '../src/resume-parser';

const now = { year: 2025, month: 6 };

const RESUME = [
  'JANE DOE',
  'Data Engineer',
  'jane.doe@mail.com | (555) 123-4567 | 42 Elm Street, Springfield, IL 62704',
  '',
  'SUMMARY',
  'Data engineer with seven years of experience building batch and streaming pipelines.',
  '',
  'WORK EXPERIENCE',
  'Acme Corp — Senior Data Engineer | 2021-2024',
  '• Built Airflow DAGs in Python that load 40 GB a day into Snowflake.',
  '• Mentored two analysts who moved into engineering.',
  'Data Engineer, Globex (03/2018 - 12/2020)',
  '• Migrated nightly ETL jobs from cron to Airflow.',
  'Initech',
  'Analyst\tJan 2017 – Feb 2018',
  '• Wrote SQL reports for the finance team.',
  '',
  'EDUCATION',
  'MSc Computer Science, University of Manchester, 2016',
  '',
  'SKILLS',
  'Python, SQL, Go, Spark, presentation',
  'skills',
  '',
  'PROJECTS',
  'Weatherline: a weather data pipeline built with Kafka and Flink.',
  '',
  'CERTIFICATIONS',
  'AWS Certified Data Engineer (2023)',
].join('\n');

function parse(text: string) {
  return parseResume(linesFromText(text), { now });
}

describe('resume structure', () => {
  const { structure, mentions } = parse(RESUME);

  test('sections are found from their headings, in order', () => {
    expect(structure.sections.map((section) => section.name)).toEqual([
      'header',
      'summary',
      'experience',
      'education',
      'skills',
      'projects',
      'certifications',
    ]);
    expect(structure.summary).toMatch(/^Data engineer with seven years/);
  });

  test('roles get title, organisation, dates and years, whatever the layout', () => {
    expect(structure.roles.map((role) => [role.title, role.organisation, role.start, role.end, role.years])).toEqual([
      ['Senior Data Engineer', 'Acme Corp', '2021-01', '2024-01', 3],
      ['Data Engineer', 'Globex', '2018-03', '2020-12', 2.8],
      ['Analyst', 'Initech', '2017-01', '2018-02', 1.2],
    ]);
    expect(structure.totalYears).toBe(7);
    expect(structure.roles[0]?.highlights.map((line) => line.text)).toEqual([
      'Built Airflow DAGs in Python that load 40 GB a day into Snowflake.',
      'Mentored two analysts who moved into engineering.',
    ]);
    // "Initech" belongs to the third role, not to the second role's highlights.
    expect(structure.roles[1]?.highlights.map((line) => line.text)).toEqual(['Migrated nightly ETL jobs from cron to Airflow.']);
  });

  test('"Present" is the now passed in', () => {
    const { structure: current } = parse('EXPERIENCE\nNurse, Mercy Hospital\tJan 2019 – Present');
    expect(current.roles[0]).toMatchObject({ end: 'present', years: 6.5 });
    const later = parseResume(linesFromText('EXPERIENCE\nNurse, Mercy Hospital\tJan 2019 – Present'), { now: { year: 2026, month: 6 } });
    expect(later.structure.roles[0]?.years).toBe(7.5);
  });

  test('education, projects and certifications', () => {
    expect(structure.education).toEqual([
      expect.objectContaining({ degree: 'MSc Computer Science', institution: 'University of Manchester', year: 2016 }),
    ]);
    expect(structure.projects.map((project) => project.name)).toEqual(['Weatherline']);
    expect(structure.certifications.map((line) => line.text)).toEqual(['AWS Certified Data Engineer (2023)']);
  });

  test('every line is kept with its position, contact details redacted', () => {
    expect(structure.lines).toHaveLength(linesFromText(RESUME).length);
    structure.lines.forEach((line, index) => expect(line).toMatchObject({ page: 1, lineNo: index + 1 }));
    expect(structure.lines[2]?.text).toBe('[email] | [phone] | [address]');
    const all = JSON.stringify(structure);
    for (const secret of ['jane.doe', '555', 'Elm Street', '62704']) expect(all).not.toContain(secret);
  });

  test('a lower-case line is wrapped text, not a heading', () => {
    expect(structure.sections.filter((section) => section.name === 'skills')).toHaveLength(1);
    const skills = new Set(mentions.map((mention) => mention.skill));
    expect(skills).toEqual(
      new Set([
        'Apache Airflow',
        'Python',
        'Snowflake',
        'Mentoring',
        'ETL',
        'SQL',
        'Go',
        'Apache Spark',
        'Presentation skills',
        'Apache Kafka',
        'AWS',
        'Data pipelines',
      ]),
    );
  });

  test('pages from form feeds are kept', () => {
    const { structure: paged } = parse('SUMMARY\nFirst page text\fEXPERIENCE\nSecond page text');
    expect(paged.lines.map((line) => [line.page, line.lineNo])).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
      [2, 2],
    ]);
  });

  test('a resume without headings still yields its roles', () => {
    const { structure: plain } = parse('Sam Lee\nWarehouse Operative, Eastway Distribution Centre 2019 - 2022\nPicker, Northgate Foods 2016 - 2019');
    expect(plain.roles.map((role) => role.title)).toEqual(['Warehouse Operative', 'Picker']);
    expect(plain.totalYears).toBe(6);
  });
});
