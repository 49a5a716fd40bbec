import { findDateRange, findDateRanges, yearsAcross } from '../src/date-ranges';

const now = { year: 2025, month: 6 };

describe('date ranges', () => {
  test('"Jan 2019 – Present" runs to the now passed in', () => {
    const range = findDateRange('Senior Engineer\tJan 2019 – Present', now);
    expect(range).toMatchObject({ start: { year: 2019, month: 1 }, end: { year: 2025, month: 6 }, ongoing: true, months: 78 });
  });

  test('year-only ranges count start of year to start of year', () => {
    expect(findDateRange('Acme | 2018-2021', now)?.months).toBe(36);
    expect(findDateRange('Acme (2016 – 2018)', now)?.months).toBe(24);
  });

  test('month ranges count both ends', () => {
    expect(findDateRange('03/2020 - 05/2022', now)?.months).toBe(27);
    expect(findDateRange('Jan 2019 – Dec 2019', now)?.months).toBe(12);
    expect(findDateRange('September 2019 – August 2021', now)?.months).toBe(24);
    expect(findDateRange('Sept. 2019 to Current', now)).toMatchObject({ start: { year: 2019, month: 9 }, ongoing: true });
    expect(findDateRange('Summer 2019 – Fall 2020', now)).toMatchObject({ start: { month: 6 }, end: { year: 2020, month: 9 } });
    expect(findDateRange('2021 – to date', now)).toMatchObject({ ongoing: true });
  });

  test('when a range is written as ISO months or with two-digit years, then it is read like the long form', () => {
    expect(findDateRange('Analyst\t2019-06 – 2020-08', now)).toMatchObject({
      start: { year: 2019, month: 6 },
      end: { year: 2020, month: 8 },
      months: 15,
    });
    expect(findDateRange("Analyst, Acme  Jun '19 – Aug ’20", now)).toMatchObject({ start: { year: 2019, month: 6 }, end: { year: 2020, month: 8 } });
    expect(findDateRange('Acme | 2018-2021', now)?.months).toBe(36);
  });

  test('when the dash between two month dates was lost in extraction, then they are still one range', () => {
    expect(findDateRange('DevOps Engineer\tSep. 2023 Mar. 2024', now)).toMatchObject({
      start: { year: 2023, month: 9 },
      end: { year: 2024, month: 3 },
      months: 7,
    });
    expect(findDateRange('Platform Lead\tJun. 2018 Present', now)).toMatchObject({ ongoing: true });
    expect(findDateRange('Won the 2019 2020 league titles', now)).toBeNull();
  });

  test('when a date cell says "since" a month, then the role runs to now, but "since" in prose is no range', () => {
    expect(findDateRange('Acme Ltd\tSince March 2019', now)).toMatchObject({ start: { year: 2019, month: 3 }, ongoing: true, months: 76 });
    expect(findDateRange('Engineer, Acme (since Jan 2020)', now)).toMatchObject({ ongoing: true });
    expect(findDateRange('Revenue has grown since 2019 under my lead', now)).toBeNull();
  });

  test('the same text gives the same years whatever day it is, because now is an input', () => {
    const a = findDateRange('Jan 2019 – Present', { year: 2030, month: 1 });
    expect(a?.months).toBe(133);
  });

  test('numbers that are not date ranges', () => {
    expect(findDateRange('Cut costs by 20-30% in 2019', now)).toBeNull();
    expect(findDateRange('Call 555-2019-2020', now)).toBeNull();
    expect(findDateRange('Handled 2,000-2,500 requests', now)).toBeNull();
    expect(findDateRange('Dec 2021 – Jan 2020', now)).toBeNull();
  });

  test('overlapping roles are counted once', () => {
    const ranges = [
      ...findDateRanges('Jan 2019 – Dec 2020', now),
      ...findDateRanges('Jun 2020 – Jun 2021', now),
      ...findDateRanges('2023 – 2024', now),
    ];
    // Jan 2019 – Jun 2021 is 30 months, plus 12.
    expect(yearsAcross(ranges)).toBe(3.5);
  });
});
