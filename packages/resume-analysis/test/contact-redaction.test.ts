import { redactContactDetails } from '../src/contact-redaction';

describe('contact redaction', () => {
  test.each([
    ['jane.doe@example.co.uk', '[email]'],
    ['+44 7700 900123', '[phone]'],
    ['(608) 555-0142', '[phone]'],
    ['555.123.4567', '[phone]'],
    ['07700 900 123', '[phone]'],
    ['+1 415 555 0199', '[phone]'],
    ['12 Baker Street, London NW1 6XE', '[address]'],
    ['2218 Willow Creek Drive, Madison, WI 53711', '[address]'],
    ['https://github.com/jdoe', '[link]'],
    ['linkedin.com/in/janedoe', '[link]'],
  ])('%s is redacted', (input, output) => {
    expect(redactContactDetails(input)).toBe(output);
  });

  test('a whole contact line', () => {
    expect(redactContactDetails('Madison, WI · (608) 555-0142 · grace@example.com · 2218 Willow Creek Drive, Madison, WI 53711')).toBe(
      'Madison, WI · [phone] · [email] · [address]',
    );
  });

  test.each([
    'Senior Engineer Jan 2019 – Present',
    '03/2020 - 05/2022 and 2018-2021',
    'Managed 250 beds across 3 wards from 2015 to 2017',
    'Reduced costs by £1,250,000 across 12 sites',
    'Cut p95 latency from 900 ms to 120 ms',
    'Processed 1,200,000 records in 2019 2020 2021',
  ])('"%s" is left alone', (input) => {
    expect(redactContactDetails(input)).toBe(input);
  });
});
