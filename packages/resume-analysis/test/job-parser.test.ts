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
