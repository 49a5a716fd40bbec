import { linesFromText } from '../src/document-lines';
import { parseResume } from '../src/resume-parser';

/** Resume layouts as real documents print them: each example is small and made up, of a shape seen in the wild. */

const now = { year: 2025, month: 6 };
const parse = (lines: readonly string[]) => parseResume(linesFromText(lines.join('\n')), { now }).structure;
const degrees = (lines: readonly string[]) => parse(lines).education.map((entry) => [entry.degree, entry.institution]);

describe('degrees linked to their institution', () => {
  test('when each school is printed above its degree, then every degree gets the school above it, not the first one', () => {
    expect(
      degrees([
        'Pat Quinn',
        'Education',
        'Northfield University\tLeeds, UK',
        'Bachelor of Science in Physics\tSep. 2016 – Jun. 2019',
        'Harbour College\tHull, UK',
        'Associate’s in Applied Science\tSep. 2014 – Jun. 2016',
      ]),
    ).toEqual([
      ['Bachelor of Science in Physics', 'Northfield University'],
      ['Associate’s in Applied Science', 'Harbour College'],
    ]);
  });

  test('when one school heads several degrees and credentials, then each is linked to it', () => {
    expect(
      degrees([
        'Pat Quinn',
        'Education',
        '• Westbrook State University',
        '• Single Subject Teaching Credential – May 2020',
        '• Bachelor of Arts in English – May 2019',
        '• Integrated programme (three years, with BA and minor)',
      ]),
    ).toEqual([
      ['Single Subject Teaching Credential', 'Westbrook State University'],
      ['Bachelor of Arts in English', 'Westbrook State University'],
    ]);
  });

  test('when the school is printed in capitals above the degree, then it is the school, not a section heading', () => {
    const structure = parse([
      'Pat Quinn',
      'pat@example.com',
      'Leeds',
      'EDUCATION',
      'NORTHFIELD UNIVERSITY',
      'MEng in Civil Engineering',
      'Jun 2018 | Leeds',
    ]);
    expect(structure.education.map((entry) => [entry.degree, entry.institution])).toEqual([['MEng in Civil Engineering', 'NORTHFIELD UNIVERSITY']]);
  });

  test('when the degree, its abbreviation and the school share one line, then the school is named without the degree', () => {
    expect(degrees(['Pat Quinn', 'EDUCATION', 'Master of Science in Nursing (MSN) Westbrook University, Leeds Graduated: May 2020'])).toEqual([
      ['Master of Science in Nursing', 'Westbrook University'],
    ]);
  });

  test('when a grade follows the degree after a semicolon, then the degree stops at the semicolon', () => {
    expect(degrees(['Pat Quinn', 'Education', 'Northfield Institute of Technology', 'Master of Science in Statistics; GPA: 3.9'])).toEqual([
      ['Master of Science in Statistics', 'Northfield Institute of Technology'],
    ]);
  });

  test('when a school with no keyword in its name stands beside its dates above the degree, then it is still the school', () => {
    expect(degrees(['Pat Quinn', 'EDUCATION', 'Sep 2012 - Jun 2016 NU Leeds', 'Leeds, UK\tB.A. in Economics'])).toEqual([
      ['B.A. in Economics', 'NU Leeds'],
    ]);
  });

  test('when each school is printed under its degree, then the schools are not shifted onto the next degree', () => {
    expect(
      degrees(['Pat Quinn', 'Education', 'BSc Physics', 'University of Leeds, 2014 – 2017', 'MSc Data Science', 'University of York, 2017 – 2018']),
    ).toEqual([
      ['BSc Physics', 'University of Leeds'],
      ['MSc Data Science', 'University of York'],
    ]);
  });

  test('when the degree runs into "University of …" on one line, then the degree stops where the school starts', () => {
    expect(degrees(['Pat Quinn', 'EDUCATION', 'Bachelor of Science in Applied Physics University of Northfield'])).toEqual([
      ['Bachelor of Science in Applied Physics', 'University of Northfield'],
    ]);
  });

  test("when a short school name leads the line under its degree, then it is the school and the town's state is no degree", () => {
    expect(degrees(['Pat Quinn', 'Education', 'Bachelor of Science in Chemistry', 'NWU | Boston, MA | 2012 - 2016 - GPA: 3.8/4.0'])).toEqual([
      ['Bachelor of Science in Chemistry', 'NWU'],
    ]);
  });

  test('when a degree wraps its last word onto the next line, then the word stays in the degree', () => {
    expect(degrees(['Pat Quinn', 'EDUCATION', 'Bachelor of Science in Environmental', 'Science', 'University of Northfield'])).toEqual([
      ['Bachelor of Science in Environmental Science', 'University of Northfield'],
    ]);
  });

  test("when the school's full name follows its short name in parentheses, then both are kept; a diploma alone names no school", () => {
    expect(degrees(['Pat Quinn', 'Education', 'NIT(Northfield Institute of Technology)', 'B.S. in Computer Science'])).toEqual([
      ['B.S. in Computer Science', 'NIT (Northfield Institute of Technology)'],
    ]);
    expect(degrees(['Pat Quinn', 'Education', 'High School Diploma'])).toEqual([['High School Diploma', null]]);
  });

  test('when a wrapped line ends by closing a parenthesis with a heading word, then it is no heading', () => {
    const structure = parse([
      'Pat Quinn',
      'Experience',
      'Teaching Assistant, Westbrook Primary School\tSep 2020 – Jun 2021',
      'Field placement through SPACE (Student Placement and Community',
      'Education)',
      '• Taught reading groups',
    ]);
    expect(structure.sections.map((section) => section.name)).toEqual(['header', 'experience']);
  });
});

describe('roles and the years they add up to', () => {
  const roles = (lines: readonly string[]) => parse(lines).roles.map((role) => [role.title, role.organisation, role.start, role.end]);

  test('when a sentence about the employer stands beside the dates, then the header above gives the title and employer', () => {
    expect(
      roles([
        'Pat Quinn',
        'Experience',
        'Design Engineer — Tooling & Fixtures — Brightmill\tLeeds, UK',
        'A small firm building packaging machines for bakeries.\tMar 2022 — Present',
        'Designed jigs for the assembly line.',
        'Engineering Intern — Halden Pumps\tYork, UK',
        'Family-run maker of pumps for dairy farms and breweries.\tJun 2021 — Sep 2021',
      ]),
    ).toEqual([
      ['Design Engineer — Tooling & Fixtures', 'Brightmill', '2022-03', 'present'],
      ['Engineering Intern', 'Halden Pumps', '2021-06', '2021-09'],
    ]);
  });

  test('when a title leads a line that runs on into a sentence, then the title is kept', () => {
    expect(
      roles(['Pat Quinn', 'Experience', 'Key Account Manager, Acme Supplies Jan 2021 - Present Managed thirty accounts in the public sector.']),
    ).toEqual([['Key Account Manager', 'Acme Supplies', '2021-01', 'present']]);
  });

  test('when both the text and the date column wrap, then the two halves of the date make one range', () => {
    const structure = parse([
      'Pat Quinn',
      'Experience',
      'Engineering Intern — Halden Pumps\tYork, UK',
      'Family-run maker of pumps for dairy farms and the brewing\tNov. 2021 — Feb.',
      'trade.\t2022',
    ]);
    expect(structure.roles.map((role) => [role.title, role.start, role.end])).toEqual([['Engineering Intern', '2021-11', '2022-02']]);
    expect(structure.totalYears).toBe(0.3);
  });

  test('when a table prints the dates in a column of their own, then each date gets the role header in the same row order', () => {
    expect(
      roles([
        'Pat Quinn',
        'EXPERIENCE',
        'Mar 2019 - Current',
        'Leeds, UK',
        'Jan 2017 - Feb 2019',
        'Osaka, Japan',
        'Payroll Officer',
        'Brightmill Foods',
        '• Ran the monthly payroll for 400 staff',
        'Accounts Assistant',
        'Halden Pumps',
        '• Posted supplier invoices',
      ]),
    ).toEqual([
      ['Payroll Officer', 'Brightmill Foods', '2019-03', 'present'],
      ['Accounts Assistant', 'Halden Pumps', '2017-01', '2019-02'],
    ]);
  });

  test('when a role is volunteering or a membership, then it is listed but adds no years of experience', () => {
    const structure = parse([
      'Pat Quinn',
      'Experience',
      'Teaching Assistant, Westbrook Primary School\tSep 2020 – Aug 2022',
      'Volunteer Tutor — Northfield Reading Club\t2015 — 2020',
      'Northfield Association of Teachers, Member, 2012 – present',
    ]);
    expect(structure.roles).toHaveLength(3);
    expect(structure.totalYears).toBe(2);
  });

  test('when the sections are headed "Work", "Volunteer" and "Skills and Interests", then only "Work" holds paid roles', () => {
    const structure = parse([
      'Pat Quinn',
      'Work',
      'Developer, Brightmill\tJan 2022 – Dec 2022',
      'Volunteer',
      'Coach, Northfield Juniors\tJan 2015 – Dec 2021',
      'Skills and Interests',
      'Northfield Chess Society, Member, 2010 – present',
    ]);
    expect(structure.sections.map((section) => section.name)).toEqual(['header', 'experience', 'other', 'skills']);
    expect(structure.roles.map((role) => role.title)).toEqual(['Developer']);
    expect(structure.totalYears).toBe(1);
  });
});

describe('the candidate title', () => {
  test('when the latest dated role has a title, then it is the candidate title, not the headline', () => {
    const structure = parse([
      'Pat Quinn',
      'Engineer',
      'Experience',
      'Support Analyst, Brightmill\tJan 2018 – Dec 2019',
      'Senior Support Analyst, Brightmill\tJan 2020 – Present',
    ]);
    expect(structure.candidateTitle).toBe('Senior Support Analyst');
  });

  test('when a role is still held, then it is the current title even if a shorter role started later and ended', () => {
    const structure = parse([
      'Pat Quinn',
      'Experience',
      'Store Supervisor | Brightmill Foods',
      'March 2022 - Present',
      'Weekend Delivery Driver | Halden Pumps',
      'October 2023 - May 2024',
    ]);
    expect(structure.candidateTitle).toBe('Store Supervisor');
  });

  test('when no role is dated, then the first role header of the experience section is the title', () => {
    expect(
      parse(['Pat Quinn', 'Teaching Experience', '• Year Two Student Teacher (Placement B)', '• Westbrook Primary School – Spring 2024'])
        .candidateTitle,
    ).toBe('Year Two Student Teacher (Placement B)');
  });

  test('when no role is dated and the section opens with a "title - employer" header, then its first part is the title', () => {
    expect(
      parse(['Pat Quinn', 'Work Experience', 'Front Desk - Northfield Dental Care', 'Answered calls and booked appointments.']).candidateTitle,
    ).toBe('Front Desk');
  });

  test('when the resume has no experience section, then the headline under the name is the title, without its place', () => {
    expect(parse(['Pat Quinn', 'Robotics Engineer · Leeds, UK', 'Education', 'BEng Robotics, Northfield University, 2024']).candidateTitle).toBe(
      'Robotics Engineer',
    );
  });
});
