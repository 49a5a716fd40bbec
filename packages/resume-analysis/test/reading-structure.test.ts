import { linesFromText } from '../src/document-lines';
import { parseJob } from '../src/job-parser';
import { parseResume } from '../src/resume-parser';

/** Structure as a recruiter reads it: employers, towns, titles and degrees where a layout puts them. */

const now = { year: 2025, month: 6 };
const resumeOf = (lines: string[]) => parseResume(linesFromText(lines.join('\n')), { now }).structure;

describe('roles whose header a layout splits over lines', () => {
  test('when "Title — Employer" wraps before the employer’s last word and the town, then the role keeps its title and employer and drops the town', () => {
    const resume = resumeOf([
      'Experience',
      'Senior Mechanical Design Engineer — Arden Powertrain',
      'Systems, Coventry',
      '2021 - Present',
      '• Lead engineer for the cooling plate assembly of a battery pack',
      'Procurement Analyst — Vandermeer Food Ingredients',
      'B.V., Rotterdam',
      'Sept 2019 – Dec 2020',
      '• Ran a quarterly spend analysis',
    ]);
    expect(resume.roles.map((role) => [role.title, role.organisation])).toEqual([
      ['Senior Mechanical Design Engineer', 'Arden Powertrain Systems'],
      ['Procurement Analyst', 'Vandermeer Food Ingredients B.V.'],
    ]);
  });

  test('when "Employer, City" sits above "Title  Dates", then the city is neither the title nor the employer', () => {
    const resume = resumeOf([
      'Experience',
      'Midland Castings Ltd, Walsall',
      'Management Accountant\t03/2021 - Present',
      '- Run the month-end close.',
      'Brindley Distribution plc, Birmingham',
      'Assistant Accountant\t09/2017 - 02/2021',
      '- Processed accounts payable.',
    ]);
    expect(resume.roles.map((role) => [role.title, role.organisation])).toEqual([
      ['Management Accountant', 'Midland Castings Ltd'],
      ['Assistant Accountant', 'Brindley Distribution plc'],
    ]);
  });

  test('when a dated title line has the employer and town below it, then the town is dropped and the lines are not joined', () => {
    const resume = resumeOf([
      'Experience',
      'Senior Software Engineer Mar 2021 – Present',
      'Brightwave Logistics, Manchester',
      '• Lead a team of four.',
    ]);
    expect(resume.roles.map((role) => [role.title, role.organisation])).toEqual([['Senior Software Engineer', 'Brightwave Logistics']]);
  });
});

describe('education', () => {
  test('when a certificate’s school wraps onto the next line, then the certificate is linked to the whole school name', () => {
    const resume = resumeOf([
      'Education',
      'Paralegal Studies Certificate (ABA-approved) — Phoenix',
      'College',
      '2017',
      'B.A. Political Science — Arizona State University 2012 – 2016',
    ]);
    expect(resume.education.map((entry) => [entry.degree, entry.institution])).toEqual([
      ['Paralegal Studies Certificate', 'Phoenix College'],
      ['B.A. Political Science', 'Arizona State University'],
    ]);
  });
});

describe('the job title', () => {
  test('when no heading names the job, then it is read from the prose', () => {
    const job = parseJob(
      linesFromText(
        [
          'About Lumen Pay',
          'Lumen Pay moves money for small businesses across Europe.',
          'We are looking for a Senior Backend Engineer to help us scale the systems that settle card payments.',
          'Requirements',
          '- Strong TypeScript.',
        ].join('\n'),
      ),
    );
    expect(job.title).toBe('Senior Backend Engineer');
  });

  test('when the prose names no job after its cue, then there is no title rather than a made-up one', () => {
    const job = parseJob(linesFromText(['We are looking for a team player who loves data.', 'Requirements', '- SQL.'].join('\n')));
    expect(job.title).toBeNull();
  });
});

describe('experience is paid work', () => {
  const student = [
    'Maya Lin',
    'Computer Science student',
    '',
    'Education',
    'BSc Computer Science, University of Bristol, Sep 2022 – Jun 2025',
    "Dean's List, 2023 – 2024",
    '',
    'Honours',
    'Undergraduate Research Prize, 2024',
    '',
    'Activities',
    'President, Robotics Club — Sep 2023 – Jun 2025',
    '- Organised weekly build sessions for 40 members.',
    '',
    'Volunteering',
    'Tutor, Bristol Reading Project — Jan 2022 – Present',
    '- Tutor two pupils in maths every week.',
    '',
    'Projects',
    'Route planner — Oct 2024 – Dec 2024',
    '- A TypeScript app that plans cycling routes.',
    '',
    'Skills',
    'Python, TypeScript, SQL',
  ];

  test('when a student has studies, honours, a club, volunteering and a project but no job, then there are no roles and 0 years', () => {
    const resume = resumeOf(student);
    expect(resume.roles).toEqual([]);
    expect(resume.totalYears).toBe(0);
    expect(resume.education.map((entry) => [entry.degree, entry.institution])).toEqual([['BSc Computer Science', 'University of Bristol']]);
  });

  test('when the student also has a job, then only the job counts', () => {
    const resume = resumeOf([
      ...student,
      '',
      'Experience',
      'Barista — Small Street Coffee, Bristol || Jun 2023 – Sep 2023',
      '- Served 300 customers a day.',
    ]);
    expect(resume.roles.map((role) => [role.title, role.organisation, role.years])).toEqual([['Barista', 'Small Street Coffee', 0.3]]);
  });
});

describe('section headings', () => {
  test('when a designed resume prints an employer, a skill or a town in capitals, then it is no heading and the role keeps its lines', () => {
    const resume = resumeOf([
      'Alex Morgan',
      'Cloud Engineer',
      'alex@example.com',
      '',
      'EXPERIENCE',
      'IBM',
      'Cloud Engineer Jan 2020 – Present',
      '- Built landing zones on AWS for 12 teams.',
      'AWS',
      '- Certified Solutions Architect.',
      'LONDON',
      '- Ran the on-call rota.',
      '',
      'SELECTED PUBLICATIONS',
      'A paper on cost.',
    ]);
    expect(resume.sections.map((section) => section.heading)).toEqual([null, 'EXPERIENCE', 'SELECTED PUBLICATIONS']);
    expect(resume.roles).toHaveLength(1);
    expect(resume.roles[0]!.organisation).toBe('IBM');
    expect(resume.roles[0]!.highlights.map((line) => line.text)).toEqual([
      'Built landing zones on AWS for 12 teams.',
      'AWS',
      'Certified Solutions Architect.',
      'LONDON',
      'Ran the on-call rota.',
    ]);
  });
});
