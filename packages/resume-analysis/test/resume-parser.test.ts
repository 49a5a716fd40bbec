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

describe('reading roles and schools as a recruiter reads them', () => {
  const read = (text: string) => parseResume(linesFromText(text), { now }).structure;

  test('when volunteering and a membership are listed with dates, then they are no paid experience', () => {
    const resume = read(
      [
        'Jacob Church',
        'Experience',
        'Mechatronics Engineer — Clutterbot\tWellington, New Zealand',
        'Robots that tidy homes\tMay 2024 — Present',
        '- Designed jigs in SolidWorks.',
        'Volunteer Head Referee — VEX Robotics\tDallas, TX',
        'Robotics competitions for schools\t2020 — 2025',
        '- Officiated at the world championships.',
        'National Council of Teachers of Mathematics, Member, 2007 – present',
        'Volunteer',
        'Teacher, CoderDojo\tJan 2012 – Jan 2013',
      ].join('\n'),
    );
    expect(resume.totalYears).toBeCloseTo(1.2, 1);
  });

  test('when a template prints a sentence about the employer on the dated line, then the title comes from the line above', () => {
    const resume = read(
      [
        'Jacob Church',
        'Experience',
        'Mechatronics Engineer — Production & Integration — Clutterbot\tWellington, New Zealand',
        'A Startup Focused On Home Tidying Robots for Parents.\tMay 2024 — Present',
        '- Designed jigs in SolidWorks.',
      ].join('\n'),
    );
    // The team between title and employer stays with the title.
    expect(resume.roles[0]?.title).toBe('Mechatronics Engineer — Production & Integration');
  });

  test.each([
    [
      'one school above a credential and a degree',
      'Dana Saunders\nEducation\nCalifornia State University Chico\n• Multiple Subject Teaching Credential – May 2014\n• Bachelor of Arts in Liberal Studies – May 2013',
      [
        ['Multiple Subject Teaching Credential', 'California State University Chico'],
        ['Bachelor of Arts in Liberal Studies', 'California State University Chico'],
      ],
    ],
    [
      'two schools, each above its degree, towns at the right',
      'Sourabh Bajaj\nEducation\nGeorgia Institute of Technology\tAtlanta, GA\nMaster of Science in Computer Science; GPA: 4.00\tAug 2012 – Dec 2013\nBirla Institute of Technology and Science\tPilani, India\nBachelor of Engineering in Electrical and Electronics\tAug 2008 – July 2012',
      [
        ['Master of Science in Computer Science', 'Georgia Institute of Technology'],
        ['Bachelor of Engineering in Electrical and Electronics', 'Birla Institute of Technology and Science'],
      ],
    ],
    [
      'a school in capitals and an associate’s degree with a curly apostrophe',
      'Debarghya Das\nEducation\nCORNELL UNIVERSITY\nMEng in Computer Science\nBlinn College\tBryan, TX\nAssociate’s in Liberal Arts\tAug. 2014 – May 2018',
      [
        ['MEng in Computer Science', 'CORNELL UNIVERSITY'],
        ['Associate’s in Liberal Arts', 'Blinn College'],
      ],
    ],
    [
      'the degree and the school on one line, and a school with its town after a semicolon',
      'Michael Chen\nEducation\nBachelor of Science in Nursing (BSN) University of Houston, Houston, TX\nDePaul University; Chicago, IL\nBachelor of Science in Secondary Education Chemistry',
      [
        ['Bachelor of Science in Nursing', 'University of Houston'],
        ['Bachelor of Science in Secondary Education Chemistry', 'DePaul University'],
      ],
    ],
  ])('when a resume lists %s, then each degree is linked to the school that awarded it', (_layout, text, expected) => {
    const education = read(text).education.filter((entry) => entry.degree !== null);
    expect(education.map((entry) => [entry.degree, entry.institution])).toEqual(expected);
  });
});
