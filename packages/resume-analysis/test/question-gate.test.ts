import { analyseOffline } from '../src';
import { gateFindings, polishQuestion } from '../src/question-gate';

/** The gate every question passes, and the questions an interviewer opens with. */

describe('the question gate', () => {
  test.each([
    ['What would you do first as a this role role?', 'What would you do first in this role?'],
    ['Why did you apply for a Accountant role?', 'Why did you apply for an Accountant role?'],
    ['Tell me about the the hardest bug.', 'Tell me about the hardest bug.'],
    ['Looking back at your a year at Acme, what would you change?', 'Looking back at your year at Acme, what would you change?'],
    ['Looking back at your over 4 years at Acme, what would you change?', 'Looking back at your more than 4 years at Acme, what would you change?'],
    [
      'When you pick up a unfamiliar JavaScript codebase, what do you look at first?',
      'When you pick up an unfamiliar JavaScript codebase, what do you look at first?',
    ],
    ['What was an unique challenge of an usage-based plan?', 'What was a unique challenge of a usage-based plan?'],
    ['Where would it fit in a IT Support Analyst role?', 'Where would it fit in an IT Support Analyst role?'],
    ['This is a FP&A Analyst role. Why now?', 'This is an FP&A Analyst role. Why now?'],
    ['Tell me about an UX review you ran.', 'Tell me about a UX review you ran.'],
    ['Describe a time your planning skills was tested.', 'Describe a time your planning skills were tested.'],
    ['You worked at Brightwave Ltd.. What changed?', 'You worked at Brightwave Ltd. What changed?'],
  ])('when a question has a slip with one right answer (%s), then it is corrected', (slip, fixed) => {
    expect(polishQuestion(slip)).toBe(fixed);
  });

  test.each([
    ['If the code behind "Python • Machine Learning • TensorFlow" had to scale, what breaks?', 'quotes-list'],
    ['You mention DFM ("Design methods: GD&T, DFMEA, Design for Manufacturing"). Why?', 'quotes-list'],
    ['Your resume says "Procurement Analyst — Vandermeer Foods, Rotterdam". Walk me through it.', 'quotes-header'],
    ['In "Modelled brackets in Siemens NX and released them through", what was hardest?', 'cut-quote'],
    ['In "…I take components from concept to release", what was hardest?', 'cut-quote'],
    ['Tell me about "Dean\'s List 2019" and what it took.', 'quotes-honour'],
    ['You wrote: "52 out of 2500 applicants chosen to be a KPCB Fellow 2014". What was your contribution?', 'quotes-honour'],
    ['You wrote: "Data Scientist — Summer 2012 and 2013". What was the situation before?', 'quotes-header'],
    ['You wrote: "Dell Seton Medical Center at UT, Austin, TX — 24-bed Medical/Surgical". What changed?', 'quotes-header'],
    ['As Birmingham at Warwickshire, you wrote reports. What changed?', 'location-as-role'],
    ['This is a FP&An Analyst role. Why now?', 'grammar'],
    ['Where would it fit in a IT Support Analyst role?', 'grammar'],
    ['Describe a time your planning skills was tested.', 'grammar'],
    ['Looking back at your year at Harbour sailing club for young sailors., what would you change?', 'grammar'],
    ['Your resume says "Ran the quarterly stock count across three warehouses…". What went wrong?', 'cut-quote'],
    ['Suppose "ability to work in a fast-paced environment" is behind schedule. How do you recover it?', 'attribute-as-task'],
    ['Halfway through "at least 2 years of experience in a similar role" you find a problem. What do you do?', 'attribute-as-task'],
    ['Tell me about a time you disagreed over work like "current first aid certification". What happened?', 'attribute-as-task'],
    ['Your resume says "2021 — Certified Scrum Master, Scrum Alliance". Walk me through your part in that work.', 'credential-as-work'],
    ['In "Master of Science in Applied Statistics", what was the hardest problem?', 'credential-as-work'],
    ['Tell me about a bug from the work in "ST2204 - Intro to Databases". How did you find it?', 'credential-as-work'],
    ['You have been Lisbon at your last employer. What draws you to the change?', 'not-a-title'],
    ['As A Studio Making Board Games For Families. at your employer, you wrote: "Designed 12 games". Why?', 'not-a-title'],
    ['What did a typical week look like for you as Royal Society of Chemistry at Member?', 'not-a-title'],
    ['Have you worked with Lisbon, which this job asks for? Tell me about the last time.', 'fragment-as-skill'],
    ['What is meant by additional weekend hours in a Warehouse Operative role?', 'fragment-as-skill'],
  ])('when a question quotes the wrong thing (%s), then the gate refuses it as %s', (question, defect) => {
    expect(gateFindings(question, ['Procurement Analyst Vandermeer Foods']).map((finding) => finding.defect)).toContain(defect);
  });

  test('when a report quotes the same line twice, then the second question is refused as a reused line', () => {
    const first = 'Your resume says "Cut month-end close from 8 to 4 days across two entities". What did you change first?';
    const second = 'In "Cut month-end close from 8 to 4 days across two entities", what was the hardest problem?';
    expect(gateFindings(second, [], [first]).map((finding) => finding.defect)).toContain('reused-line');
    expect(gateFindings(second, [], [])).toEqual([]);
  });

  test.each([
    'Tell me about a time you disagreed over work like "reconcile supplier statements every month". What happened?',
    'You have been Head of Finance at Brightwave, and this is an Accountant role. What draws you to the change?',
    'As Senior Staff RN / Charge Nurse at City Hospital, you wrote: "Ran handovers for 28 beds". What changed?',
    'In "Maintain supplier master data and purchase info records in SAP S/4HANA", what changed your plan?',
    'The job description asks for "Bachelor\'s degree in accounting". Your resume does not show this directly; tell me about the closest thing.',
    'What would you look at first in an SQL query plan?',
  ])('when a question is well formed (%s), then the gate lets it through', (question) => {
    expect(gateFindings(question)).toEqual([]);
  });

  test('when a question quotes a line of work, then the gate lets it through', () => {
    expect(gateFindings('Your resume says "Cut month-end close from 8 to 4 days". What did you change first?', ['Experience'])).toEqual([]);
  });
});

describe('what an interviewer opens with', () => {
  const NOW = '2025-06-01';
  const questionsOf = (resumeText: string, jdText: string) => analyseOffline({ resumeText, jdText, now: NOW }).questions;

  test('when a director applies for an office manager post, then the career change and over-qualification are asked, citing the resume', () => {
    const questions = questionsOf(
      [
        'EXPERIENCE',
        'Director of Operations — Brightline Clinics\tMar 2012 – Present',
        '- Scheduled staff across four sites and managed the executive calendar.',
        '- Led a team of 9 administrators.',
        'Operations Analyst — Harbor Health\tJan 2005 – Dec 2009',
        '- Built weekly staffing reports for 12 clinics.',
      ].join('\n'),
      [
        'Office Manager',
        'Responsibilities',
        '- Scheduling appointments and managing calendars',
        'Requirements',
        '- 2+ years of office administration',
      ].join('\n'),
    );
    const texts = questions.map((question) => question.question);
    expect(texts.some((text) => /draws you to the change/.test(text) && text.includes('Director of Operations'))).toBe(true);
    expect(texts.some((text) => /more than this Office Manager role asks for/.test(text))).toBe(true);
    // Two years between the roles are no secret to an interviewer.
    expect(texts.some((text) => /gap of about 2 years between Harbor Health and Brightline Clinics/.test(text))).toBe(true);
    for (const question of questions) expect(gateFindings(question.question)).toEqual([]);
  });

  test('when the job leads people, then leadership is asked about from the line that shows it', () => {
    const questions = questionsOf(
      [
        'EXPERIENCE',
        'Senior Software Engineer — Northwind\tJan 2018 – Present',
        '- Led a team of 5 engineers building the payments API in TypeScript.',
      ].join('\n'),
      ['Engineering Team Lead', 'Requirements', '- TypeScript', '- Leadership', '- 5+ years of software engineering'].join('\n'),
    );
    const leadership = questions.find((question) => /This is an Engineering Team Lead role/.test(question.question));
    expect(leadership?.question).toContain('Led a team of 5 engineers');
    expect(leadership?.why).toContain('Led a team of 5 engineers');
  });

  test('when an experienced candidate in the same line of work lacks a named requirement, then they are asked where, not how they would learn it', () => {
    const questions = questionsOf(
      [
        'EXPERIENCE',
        'Registered Nurse — City Hospital\tJan 2014 – Present',
        '- Cared for 6 patients a shift on a medical-surgical ward; administered medications and IV therapy.',
      ].join('\n'),
      ['Registered Nurse', 'Requirements', '- Telemetry monitoring', '- Medication administration', '- 3+ years of nursing'].join('\n'),
    );
    const gaps = questions.filter((question) => question.category === 'gap');
    expect(gaps.length).toBeGreaterThan(0);
    for (const gap of gaps) expect(gap.question).not.toMatch(/learn|first month|productive/i);
  });

  test('when the posting lists attributes and the resume a degree, then no question quotes them, none quotes a line twice, and the minimum is kept', () => {
    const questions = questionsOf(
      [
        'EXPERIENCE',
        'Area Sales Manager — Northwind Supplies\tJan 2016 – Present',
        '- Managed a 7-person field sales team across the north-west region.',
        '- Grew annual revenue from £2.1m to £3.4m by opening 40 new trade accounts.',
        'EDUCATION',
        'Bachelor of Arts in Business Studies, University of Leeds, 2015',
      ].join('\n'),
      [
        'Regional Sales Manager',
        'Responsibilities',
        '- Ability to work in a fast-paced environment',
        '- At least 5 years of experience in a similar role',
        '- Excellent communication and interpersonal skills',
        'Requirements',
        '- Leadership',
        '- Salesforce',
      ].join('\n'),
    );
    const texts = questions.map((question) => question.question);
    expect(texts.length).toBeGreaterThanOrEqual(12);
    expect(texts.join('\n')).not.toMatch(/"(?:ability to work|at least 5 years|excellent communication)/i);
    expect(texts.join('\n')).not.toMatch(/"Bachelor of Arts/);
    // The resume shows leading a team, so leadership is asked from that line, not as a gap.
    expect(texts.some((text) => text.includes('Managed a 7-person field sales team'))).toBe(true);
    expect(texts.join('\n')).not.toMatch(/does not show you managing a team/);
    const quotes = texts.flatMap((text) => [...text.matchAll(/"([^"]{20,})"/g)].map((match) => match[1]));
    expect(new Set(quotes).size).toBe(quotes.length);
    for (const [index, text] of texts.entries()) expect(gateFindings(text, [], texts.slice(0, index))).toEqual([]);
  });
});
