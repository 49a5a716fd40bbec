import { analyseOffline } from '../src';
import { listedAlternatives, withinSpan } from '../src/match-report';
import { conceptsFor } from '../src/meaning-match';

/**
 * Requirements the resume shows in other words: a narrower tool, or a line describing the work.
 * The documents are written like the outside ones the analysis meets, not like the labelled set.
 */

const NOW = '2025-06-01';

function matchOf(resumeText: string, jdText: string) {
  return analyseOffline({ resumeText, jdText, now: NOW }).match;
}

const CPA_RESUME = [
  'PROFESSIONAL EXPERIENCE',
  'Staff Accountant — Harbor Freight Partners\tJan 2010 – Present',
  '- Produced invoices and balance sheets for 40 client companies each quarter.',
  '- Filed reports with the Securities and Exchange Commission on time for 15 years.',
  '- Prepared and filed federal and state taxes for corporate clients.',
  'EDUCATION',
  'BS Accounting, State University, 2009',
].join('\n');

const CPA_JD = [
  'Senior Accountant',
  'Requirements',
  '- Financial reporting',
  '- Knowledge of tax regulations',
  '- Financial analysis',
  '- 5+ years of accounting experience',
].join('\n');

describe('matching by meaning', () => {
  test('when an accountant describes the work instead of naming it, then reporting and tax count as met, citing the line that says so', () => {
    const match = matchOf(CPA_RESUME, CPA_JD);
    const reporting = match.matched.find((skill) => skill.skill === 'Financial reporting');
    expect(reporting).toMatchObject({ by: 'description' });
    expect(reporting?.evidence.line).toMatch(/balance sheets|Securities and Exchange/);
    const tax = match.matched.find((skill) => /tax/i.test(skill.skill));
    expect(tax).toMatchObject({ by: 'description' });
    expect(tax?.evidence.line).toContain('federal and state taxes');
    expect(tax?.via).toMatch(/filed|Prepared/);
  });

  test('when the resume names a narrower tool, then the broader requirement is met by it and says which tool', () => {
    const match = matchOf(
      ['EXPERIENCE', 'ML Engineer — Northwind\t2020 – Present', '- Tracked 300 training runs in MLflow and promoted models to staging.'].join('\n'),
      ['Machine Learning Engineer', 'Requirements', '- Experiment tracking', '- Machine learning'].join('\n'),
    );
    const tracking = match.matched.find((skill) => /experiment tracking/i.test(skill.skill));
    expect(tracking?.evidence.line).toContain('MLflow');
    expect(tracking?.by).not.toBe('named');
  });

  test('when an operations director shows scheduling, purchasing and badge access, then those office duties are not reported missing', () => {
    const match = matchOf(
      [
        'EXPERIENCE',
        'Director of Operations — Brightline Clinics\tMar 2012 – Present',
        '- Scheduled staff across four sites and managed the executive calendar.',
        '- Purchased office supplies and equipment within a $200k budget.',
        '- Administered badge access for 120 employees and the building access system.',
        '- Led a team of 9 administrators.',
      ].join('\n'),
      [
        'Office Manager',
        'Responsibilities',
        '- Scheduling appointments and managing calendars',
        '- Ordering office supplies',
        '- Managing building access and security badges',
        'Requirements',
        '- Leadership',
      ].join('\n'),
    );
    const missing = match.missing.map((skill) => skill.skill.toLowerCase());
    expect(missing.filter((skill) => /schedul|suppl|badge|access|leadership/.test(skill))).toEqual([]);
    const matched = match.matched.map((skill) => skill.skill.toLowerCase());
    for (const duty of [/schedul/, /suppl/, /badge|access/]) expect(matched.some((skill) => duty.test(skill))).toBe(true);
    expect(match.matched.some((skill) => skill.by === 'description' && /Led a team/.test(skill.evidence.line))).toBe(true);
  });

  test('when a word only appears in a skills list or far apart on a line, then no description match is made', () => {
    const match = matchOf(
      [
        'EXPERIENCE',
        'Barista — Bean Co\t2021 – Present',
        '- Filed the weekly rota; the state of the espresso machines was logged, and taxes were not my job.',
      ].join('\n'),
      ['Accountant', 'Requirements', '- Knowledge of tax regulations', '- Financial reporting'].join('\n'),
    );
    expect(match.matched.filter((skill) => skill.by === 'description').map((skill) => skill.skill)).toEqual([]);
  });

  test("when a phrase only shares words with a concept, then the phrase stands for the concept only if its last word is the concept's", () => {
    const answers = (skill: string) => conceptsFor({ skill, source: 'phrase' }).flatMap((concept) => concept.answers.map((answer) => answer.key));
    expect(answers('training budget')).not.toContain('mentoring');
    expect(answers('organic traffic')).not.toContain('organisational skills');
    expect(answers('accounting software')).not.toContain('bookkeeping');
    expect(answers('external auditors')).toContain('audit');
    expect(answers('engaging mathematics lessons')).toContain('lesson planning');
  });

  test('when the words of a phrase sit in different sentences or far apart, then the phrase is not named there', () => {
    expect(withinSpan(['renew', 'framework', 'contract'], ['contract', 'renew'], 3)).toBe(true);
    expect(withinSpan(['design', 'system', 'use', 'product', 'squad'], ['product', 'design'], 3)).toBe(false);
    const match = matchOf(
      [
        'SUMMARY',
        'Customer success manager with seven years in B2B software. I look after a book of mid-market accounts and keep renewals on track.',
        'EXPERIENCE',
        'Customer Success Manager — Tallyworks\t2020 – Present',
        '- Own 45 mid-market accounts worth £2.1M a year.',
      ].join('\n'),
      ['Customer Success Manager', 'Requirements', '- A background in accounting software.'].join('\n'),
    );
    expect(match.missing.map((skill) => skill.skill)).toContain('accounting software');
    expect(match.matched.filter((skill) => /accounting/i.test(skill.skill))).toEqual([]);
    expect(match.matched.filter((skill) => /B2B/.test(skill.skill))).toEqual([]);
  });

  test('when a resume shows a requirement through a tool, a compound word or a duty in other words, then it is met and cites the line', () => {
    const match = matchOf(
      [
        'EXPERIENCE',
        'Account Manager — Severn Facilities\tJan 2019 – Present',
        '- Keep pipeline and forecasts in Salesforce and report to the sales director every month.',
        '- Answer tenders with the bid team and lead toolbox talks on client sites.',
        '- Moved 140 nightly jobs to Airflow, with data-quality checks on every load.',
        '- Run a monthly clinic that teaches Power BI self-service to business users.',
        '- Built health scores from product usage so the team sees churn risk early.',
        '- Wrote and reviewed code for the internal quoting tool.',
        'SKILLS',
        'MS Office, negotiation',
      ].join('\n'),
      [
        'Account Manager',
        'Requirements',
        '- Experience with a CRM',
        '- Prepare tender responses',
        '- Health and safety',
        '- Data quality',
        '- Mentoring',
        '- Track customer health',
        '- Code review',
        '- Microsoft Word and Outlook',
      ].join('\n'),
    );
    const cited = (pattern: RegExp) => match.matched.find((skill) => pattern.test(skill.skill));
    expect(cited(/^CRM$/)).toMatchObject({ by: 'related', via: 'Salesforce' });
    expect(cited(/tender/i)?.evidence.line).toContain('Answer tenders');
    expect(cited(/health and safety/i)?.evidence.line).toContain('toolbox talks');
    expect(cited(/data quality/i)?.evidence.line).toContain('data-quality checks');
    expect(cited(/mentoring/i)?.evidence.line).toContain('teaches Power BI self-service');
    expect(cited(/customer health/i)?.evidence.line).toContain('health scores');
    expect(cited(/code review/i)?.evidence.line).toContain('reviewed code');
    expect(cited(/Microsoft Word/)).toMatchObject({ by: 'related', via: 'Microsoft Office' });
    expect(match.missing.map((skill) => skill.skill)).toEqual([]);
  });

  test('when a soft skill is only suggested by another name in a skills list, then it is not met; work that shows it is', () => {
    const listed = matchOf(
      ['EXPERIENCE', 'Engineer — Northwind\t2020 – Present', '- Built the billing service.', 'SKILLS', 'Technical documentation, Python'].join('\n'),
      ['Engineer', 'Requirements', '- Excellent communication skills'].join('\n'),
    );
    expect(listed.matched.filter((skill) => /communication/i.test(skill.skill))).toEqual([]);
    const shown = matchOf(
      ['EXPERIENCE', 'Engineer — Northwind\t2020 – Present', '- Communicate release status with client teams every week.'].join('\n'),
      ['Engineer', 'Requirements', '- Excellent communication skills'].join('\n'),
    );
    expect(shown.matched.find((skill) => /communication/i.test(skill.skill))).toMatchObject({ by: 'description' });
  });

  test('when the job offers alternatives in an "or" list and the resume shows one of them, then the others are covered, not missing', () => {
    const line = (text: string) => ({ text, page: 1, lineNo: 1 });
    expect(
      listedAlternatives({
        skill: 'Warehouse management',
        evidence: line('3+ years of HR experience, preferably in manufacturing, warehousing or logistics.'),
      }),
    ).toEqual(['manufacturing', 'logistics']);
    expect(listedAlternatives({ skill: 'Warehouse management', evidence: line('Manage the warehouse team and the yard.') })).toEqual([]);
    const match = matchOf(
      ['EXPERIENCE', 'HR Generalist — Brookfield Packaging\tMar 2019 – Present', '- Sole HR generalist for a 420-employee manufacturing plant.'].join(
        '\n',
      ),
      ['HR Generalist', 'Requirements', '- 3+ years of HR experience, preferably in manufacturing, warehousing or logistics.'].join('\n'),
    );
    const uncovered = match.missing.filter((skill) => !skill.coveredBy).map((skill) => skill.skill);
    expect(uncovered.filter((skill) => /warehous|logistic/i.test(skill))).toEqual([]);
    expect(match.missing.some((skill) => skill.coveredBy === 'manufacturing')).toBe(true);
  });

  test('when an alternative is only a bare word somewhere on the resume, then it does not cover the requirement', () => {
    const match = matchOf(
      ['EXPERIENCE', 'Customer Success Manager — Tallyworks\t2020 – Present', '- Run quarterly reviews with their finance directors.'].join('\n'),
      ['Customer Success Manager', 'Requirements', '- A background in finance or accounting software.'].join('\n'),
    );
    expect(match.missing.find((skill) => skill.skill === 'accounting software')?.coveredBy).toBeUndefined();
  });

  test('when the job gives examples in brackets after an "or" list, then an example is covered by any item of the list the resume shows', () => {
    const evidence = {
      text: 'Professional experience with VueJS or another modern JavaScript web framework (React, Angular, Ember).',
      page: 1,
      lineNo: 1,
    };
    expect(listedAlternatives({ skill: 'Vue.js', evidence })).toEqual(['JavaScript web framework']);
    expect(listedAlternatives({ skill: 'React', evidence })).toEqual(['VueJS', 'JavaScript web framework']);
    const match = matchOf(
      ['EXPERIENCE', 'Software Engineer — Coursera\tJan 2015 – Present', '- Wrote and reviewed code for the web app using Backbone and Jade.'].join(
        '\n',
      ),
      [
        'Frontend Engineer',
        'Requirements',
        '- Professional experience with VueJS or another modern JavaScript web framework (React, Angular, Ember).',
      ].join('\n'),
    );
    const frameworks = match.missing.filter((skill) => /vue|react|angular/i.test(skill.skill));
    expect(frameworks.length).toBeGreaterThan(0);
    expect(frameworks.filter((skill) => !skill.coveredBy).map((skill) => skill.skill)).toEqual([]);
  });

  test('when the resume spells a word the American way and the concept the British way, then the duty still matches', () => {
    const match = matchOf(
      [
        'EXPERIENCE',
        'Teaching Assistant — Lincoln Elementary\tSep 2022 – Present',
        '- Assisted in analyzing student report cards and assessments.',
      ].join('\n'),
      ['Elementary Teacher', 'Requirements', '- Use assessment data to drive instruction.'].join('\n'),
    );
    expect(match.matched.find((skill) => /data-driven instruction/i.test(skill.skill))?.evidence.line).toContain('analyzing student report cards');
  });
});
