import { analyseOffline } from '../src';
import { linesFromText } from '../src/document-lines';
import { parseJob } from '../src/job-parser';

const JD = [
  'Job Title: Senior Data Engineer',
  'Northwind Traders — Leeds',
  '',
  'About us',
  'We are a wholesale food distributor and our warehouse runs on Snowflake.',
  '',
  'Responsibilities',
  '- Build batch pipelines in Python and Airflow.',
  '- Partner with analysts on data models for the finance team.',
  '',
  'Requirements',
  '- At least five years of experience in data engineering.',
  '- Strong SQL and Python.',
  '- Experience with Spark, Hadoop or Hive.',
  '- Kafka experience is a plus.',
  '- 4+ years of experience with SQL, ideally with Docker.',
  '',
  'Nice to have',
  '- dbt experience is required for the analytics squad.',
  '- Terraform.',
  '',
  'Benefits',
  '- A 401(k) match after 1 year and 12 years of company history.',
].join('\n');

function names(requirements: { skill: string; source: string }[]): string[] {
  return requirements.filter((requirement) => requirement.source === 'taxonomy').map((requirement) => requirement.skill);
}

describe('job description structure', () => {
  const job = parseJob(linesFromText(JD));

  test('title from a "Job Title:" label', () => {
    expect(job.title).toBe('Senior Data Engineer');
  });

  test('required and preferred from headings, with cue phrases overriding them clause by clause', () => {
    expect(names(job.required)).toEqual(expect.arrayContaining(['Python', 'Apache Airflow', 'SQL', 'Apache Spark', 'Hadoop', 'Apache Hive', 'dbt']));
    expect(names(job.preferred)).toEqual(expect.arrayContaining(['Apache Kafka', 'Terraform', 'Docker']));
    expect(names(job.required)).not.toContain('Apache Kafka');
    expect(names(job.mentioned)).toEqual(['Snowflake']);
  });

  test('"A, B or C" are alternatives, any one of which meets the requirement', () => {
    const spark = job.required.find((requirement) => requirement.skill === 'Apache Spark');
    expect(spark?.alternatives?.sort()).toEqual(['Apache Hive', 'Hadoop']);
    expect(job.required.find((requirement) => requirement.skill === 'Python')?.alternatives).toBeUndefined();
  });

  test('required years from the requirements, not from benefits', () => {
    expect(job.requiredYears).toBe(5);
    expect(job.requiredYearsLine?.text).toBe('At least five years of experience in data engineering.');
  });

  test.each([
    ['5+ years of experience in accounting', 5],
    ['3-5 years of experience in logistics', 3],
    ['A minimum of three years in a similar role', 3],
    ['at least 2 years of experience with Tableau', 2],
    ['Experience teaching A-level maths', null],
  ])('years in "%s"', (line, years) => {
    expect(parseJob(linesFromText(`Requirements\n- ${line}`)).requiredYears).toBe(years);
  });

  test('responsibilities are the duty lines, joined when they wrap', () => {
    expect(job.responsibilities.map((line) => line.text)).toEqual([
      'Build batch pipelines in Python and Airflow.',
      'Partner with analysts on data models for the finance team.',
    ]);
    const wrapped = parseJob(
      linesFromText('Responsibilities\n- Plan daily collections and deliveries, and optimise routes with our\ntransportation system.'),
    );
    expect(wrapped.responsibilities.map((line) => line.text)).toEqual([
      'Plan daily collections and deliveries, and optimise routes with our transportation system.',
    ]);
  });
});

describe('a job outside the taxonomy', () => {
  const DRIVER_JD = [
    'Class A CDL Truck Driver',
    'Requirements',
    '- Valid Class A CDL with a clean driving record.',
    '- Knowledge of DOT regulations and hours-of-service rules.',
    '- Experience with pre-trip inspections and electronic logging devices.',
    'Responsibilities',
    '- Deliver loads safely to grocery stores across the Midwest.',
    '- Complete pre-trip inspections and keep accurate logs for DOT audits.',
  ].join('\n');
  const DRIVER_RESUME = [
    'Experience',
    'Truck Driver, Prairie Haulage\t2018 – Present',
    '- Drove 110,000 miles a year with a Class A CDL and no accidents.',
    '- Carried out pre-trip inspections and kept electronic logging device records for DOT compliance.',
  ].join('\n');
  const NURSE_RESUME = ['Experience', 'Staff Nurse, Mercy Hospital\t2018 – Present', '- Wound care and patient education.'].join('\n');

  test('key phrases become requirements', () => {
    const job = parseJob(linesFromText(DRIVER_JD));
    const phrases = job.required.filter((requirement) => requirement.source === 'phrase').map((requirement) => requirement.skill.toLowerCase());
    expect(phrases).toEqual(expect.arrayContaining(['cdl', 'dot regulations', 'pre-trip inspections']));
    expect(job.keyPhrases.length).toBeGreaterThanOrEqual(3);
  });

  test('and the driver outscores the nurse', () => {
    const driver = analyseOffline({ resumeText: DRIVER_RESUME, jdText: DRIVER_JD, now: '2025-06-01' });
    const nurse = analyseOffline({ resumeText: NURSE_RESUME, jdText: DRIVER_JD, now: '2025-06-01' });
    expect(driver.match.matched.length).toBeGreaterThanOrEqual(3);
    expect(driver.match.score).toBeGreaterThan(nurse.match.score + 30);
    expect(driver.questions.length).toBeGreaterThanOrEqual(12);
  });
});

describe('reading a posting as a recruiter reads it', () => {
  const parse = (text: string) => parseJob(linesFromText(text));
  const skills = (text: string) => {
    const job = parse(text);
    return [...job.required, ...job.preferred].map((requirement) => requirement.skill);
  };

  test.each([
    ['Software Engineering Intern\nYou will work in a Frontend or Backend team.', 'Software Engineering Intern'],
    ['Senior Mechanical Engineer – Battery Systems\nVelora · Gaydon', 'Senior Mechanical Engineer – Battery Systems'],
    ['Teacher - Secondary Music at Sandpoint High\nSupports students.', 'Teacher - Secondary Music'],
    ['Analytics Engineer — Mentimeter\nLocation: Stockholm', 'Analytics Engineer'],
    ['Registered Nurse (RN) – Medical-Surgical Unit\nLakeview Regional Medical Center', 'Registered Nurse (RN)'],
    ['Data Engineer – Berlin, Germany\nWe build pipelines.', 'Data Engineer'],
    ['Nurse Job Details\nJob Summary\nWe are seeking a compassionate nurse.', 'Nurse'],
  ])('when the posting opens with "%s", then the job title is "%s"', (text, title) => {
    expect(parse(text).title).toBe(title);
  });

  test('when a line asks for a degree, then its subject is no skill requirement (degrees are read apart)', () => {
    const found = skills(
      'Web Developer\nRequirements\n- Bachelor’s degree in Computer Science or related field\n- Computer Science Education or equivalent courses\n- Graduate from an accredited nursing program\n- Strong understanding of JavaScript, HTML, and CSS',
    );
    expect(found).toEqual(expect.arrayContaining(['JavaScript', 'HTML', 'CSS']));
    expect(found.map((skill) => skill.toLowerCase())).not.toEqual(expect.arrayContaining(['computer science']));
    expect(found.join(' ')).not.toMatch(/Computer Science|nursing program/i);
  });

  test('when a place stands under a heading the reader does not know, then it is no requirement', () => {
    const found = skills(
      'Registered Nurse\nWhere\nSioux Falls, South Dakota\nRequirements\n- Current RN license with the State Board of Nursing\n- Multistate licensure if in a Nurse Licensure Compact state',
    );
    expect(found.join(' ')).not.toMatch(/Dakota|Sioux/);
  });

  test('when a requirement is ranked in brackets, then it heads no section and the lines after it keep their rank', () => {
    const job = parse(
      "Registered Nurse\nRequirements\n- Graduate from an accredited nursing program (required)\nBachelor's Degree in nursing (preferred)\n- Currently holds an unencumbered RN license\n- Possess multistate licensure",
    );
    expect(job.preferred.map((requirement) => requirement.skill)).not.toContain('multistate licensure');
    expect(job.sections.map((section) => section.name)).not.toContain('preferred');
  });

  test('when skill names are the teams the job works with, then they are not asked of the candidate', () => {
    const found = skills(
      'Frontend Engineer\nResponsibilities\n- You will work with Product Management and other stakeholders (Backend, UX, etc.) to iterate on features.\n- Report savings to the Procurement Leadership Team.\n- Ship features with support from mentors.\nRequirements\n- Experience with Vue.js and TypeScript.',
    );
    expect(found).toEqual(expect.arrayContaining(['Vue.js', 'TypeScript']));
    expect(found).not.toEqual(expect.arrayContaining(['Product management']));
    expect(found.filter((skill) => ['Product management', 'UX design', 'Leadership', 'Mentoring'].includes(skill))).toEqual([]);
  });

  test('when a duty line leads a responsibility, then a mentoring duty is still a requirement', () => {
    expect(skills('Team Lead\nResponsibilities\n- Mentor junior engineers and run code reviews.')).toContain('Mentoring');
  });

  test('when phrases hold hyphenated compounds, people or a generic head, then the phrase is whole or not taken', () => {
    const found = skills(
      'Analytics Engineer\nRequirements\n- Experience working with GDPR-sensitive data\n- Knowledge of APQP and high-voltage safety\n- Communication with both technical and non-technical audiences\n- Collaborate with doctors and other healthcare professionals\n- Comfort working in an intensely iterative software development process',
    );
    expect(found.join(' | ')).not.toMatch(
      /(?<!-)\bsensitive data|(?<!-)\bvoltage safety|audiences|professionals|iterative software\b(?! development)/,
    );
  });
});

describe('one concept per requirement, no prose as requirements', () => {
  const parse = (text: string) => parseJob(linesFromText(text));
  const all = (text: string) => {
    const job = parse(text);
    return [...job.required, ...job.preferred];
  };

  test('when a skill is followed by its parts in brackets, then it is one requirement and the parts are its evidence', () => {
    const found = all('Platform Engineer\nRequirements\n- Hands-on AWS (EC2, S3, Lambda) in production\n- Python');
    const names = found.map((requirement) => requirement.skill);
    expect(names).toEqual(expect.arrayContaining(['AWS', 'Python']));
    expect(names).not.toEqual(expect.arrayContaining(['AWS Lambda']));
    expect(names.filter((name) => /EC2|S3|Lambda/.test(name))).toEqual([]);
    expect(found.find((requirement) => requirement.skill === 'AWS')?.parts?.length).toBeGreaterThan(0);
  });

  test('when a skill is followed by a colon list, then the list is its parts up to the end of the sentence', () => {
    const names = all('Office Administrator\nRequirements\n- Microsoft Office: Word, Excel, Outlook. Also SQL.').map((r) => r.skill);
    expect(names.filter((name) => /^(?:Microsoft Word|Microsoft Excel|Excel|Word|Outlook|Microsoft Outlook)$/.test(name))).toEqual([]);
    expect(names).toContain('SQL');
  });

  test('when a noun chunk opens with a qualifier of how the work is done, then it is no requirement', () => {
    const names = all(
      'Coordinator\nRequirements\n- Able to work under tight deadlines\n- Give clear status updates\n- Consistent track record of detailed reports\n- Keen sense of ownership\n- Freight claims handling for carriers',
    ).map((requirement) => requirement.skill.toLowerCase());
    expect(names.join(' | ')).not.toMatch(/tight deadlines|clear status|track record|detailed reports|keen sense/);
    expect(names.join(' | ')).toMatch(/freight claims/);
  });

  test('when employer prose stands among the requirements, then nothing on it is asked of the candidate', () => {
    const names = all(
      'Data Analyst\nRequirements\n- SQL and Tableau\n- We offer Kubernetes training and a Python guild.\n- We are an equal opportunity employer and welcome Java developers regardless of age.\n- Apply data mining to large data sets',
    ).map((requirement) => requirement.skill);
    expect(names).toEqual(expect.arrayContaining(['SQL', 'Tableau']));
    expect(names.filter((name) => /Kubernetes|Python|Java\b/.test(name))).toEqual([]);
    expect(names.join(' | ')).toMatch(/data mining/i);
  });
});
