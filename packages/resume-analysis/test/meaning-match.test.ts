import { analyseOffline } from '../src';

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
});
