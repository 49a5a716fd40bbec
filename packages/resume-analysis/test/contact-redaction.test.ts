import { analyseOffline } from '../src';
import { redactContactDetails, redactDocumentLines } from '../src/contact-redaction';

describe('contact redaction', () => {
  test.each([
    // E-mail addresses, plain and written to dodge harvesters.
    ['jane.doe@example.co.uk', '[email]'],
    ['jane (at) example (dot) com', '[email]'],
    ['jane.doe [at] example [dot] co [dot] uk', '[email]'],
    ['jane{at}example.com', '[email]'],
    ['jane@example (dot) com', '[email]'],
    ['Email: JANE (AT) EXAMPLE.COM', 'Email: [email]'],
    // Phone numbers with separators, without, with country codes and as tel: links.
    ['+44 7700 900123', '[phone]'],
    ['(608) 555-0142', '[phone]'],
    ['555.123.4567', '[phone]'],
    ['07700 900 123', '[phone]'],
    ['+1 415 555 0199', '[phone]'],
    ['+44 (0)20 7946 0958', '[phone]'],
    ['+91-98400-12345', '[phone]'],
    ['9840012345', '[phone]'],
    ['+919840012345', '[phone]'],
    ['Mobile-9840012345', 'Mobile-[phone]'],
    ['tel:+14155550123', '[phone]'],
    ['Call tel:+1-415-555-0123 or 9840012345', 'Call [phone] or [phone]'],
    // Payment card numbers that pass the Luhn check, in the groups issuers print.
    ['4111 1111 1111 1111', '[card]'],
    ['4111-1111-1111-1111', '[card]'],
    ['4111111111111111', '[card]'],
    ['Card 5105 1051 0510 5100', 'Card [card]'],
    ['3782 822463 10005', '[card]'],
    // National identifiers.
    ['SSN 123-45-6789', 'SSN [id]'],
    ['NI number AB 12 34 56 C', 'NI number [id]'],
    ['AB123456C', '[id]'],
    ['Aadhaar 2345 6789 0124', 'Aadhaar [id]'],
    ['PAN ABCPE1234F', 'PAN [id]'],
    // Addresses and links, as before.
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
    // Dates, years and ranges.
    'Senior Engineer Jan 2019 – Present',
    '03/2020 - 05/2022 and 2018-2021',
    'Managed 250 beds across 3 wards from 2015 to 2017',
    'Processed 1,200,000 records in 2019 2020 2021',
    'Published 2019 2020 2021 2022',
    // Amounts and percentages.
    'Reduced costs by £1,250,000 across 12 sites',
    'Salary £65,000 - £75,000',
    'Budget of $123456789 and ₹987654321',
    'Raised 1500000000 in revenue',
    'Grew revenue to 250000000 USD, 1200000000 m impressions',
    'Availability 99.99999% over 12 months',
    'Cut p95 latency from 900 ms to 120 ms',
    // Version numbers, addresses of machines, standards and book numbers.
    'Node 20.11.1, Python 3.12.4, v2.3.14',
    'Served from 192.168.100.200 and 10.0.0.1',
    'ISO 27001:2013 and ISBN 978-0-13-468599-1',
    'Unix time 1700000000',
    // A bare ZIP+4 (with a state it is an address, above).
    'ZIP 53711-1234',
    // Numbers that fail their check digit or their issuing rules.
    '4111 1111 1111 1112',
    'QQ 12 34 56 C',
    // Words that look like the obfuscations.
    'C# and F# at scale, Engineer @ Acme',
    'Meet at 10 (at) the office',
  ])('"%s" is left alone', (input) => {
    expect(redactContactDetails(input)).toBe(input);
  });

  const lines = (...texts: string[]) => texts.map((text, index) => ({ text, page: 1, lineNo: index + 1 }));
  test.each([
    [
      ['Email: jane.doe@', 'example.com'],
      ['Email: [email]', '[email]'],
    ],
    [
      ['jane.doe', '@example.com · London'],
      ['[email]', '[email] · London'],
    ],
    [
      ['Contact jane.doe@exam-', 'ple.com'],
      ['Contact [email]', '[email]'],
    ],
    [
      ['Contact jane.doe@example.', 'com'],
      ['Contact [email]', '[email]'],
    ],
    [
      ['Contact jane.doe-', 'smith@example.com'],
      ['Contact [email]', '[email]'],
    ],
    [
      ['Phone +91 98400', '12345 · Chennai'],
      ['Phone [phone]', '[phone] · Chennai'],
    ],
    [
      ['Mobile 98400', '12345'],
      ['Mobile [phone]', '[phone]'],
    ],
    [
      ['Card 4111 1111', '1111 1111'],
      ['Card [card]', '[card]'],
    ],
  ])('when %j are two lines, then the detail split between them is redacted in both', (input, output) => {
    expect(redactDocumentLines(lines(...input)).map((line) => line.text)).toEqual(output);
  });

  test.each([
    // A complete detail on one line, followed by an unrelated number or name on the next.
    [
      ['Tel 07700 900123', '2019 – 2021 Engineer'],
      ['Tel [phone]', '2019 – 2021 Engineer'],
    ],
    [
      ['Jane Doe', 'jane@example.com'],
      ['Jane Doe', '[email]'],
    ],
    // Two figures at the ends of two lines are not a phone number.
    [
      ['Managed 12345', '67890 users'],
      ['Managed 12345', '67890 users'],
    ],
    [
      ['Revenue 2019', '2020 2021'],
      ['Revenue 2019', '2020 2021'],
    ],
  ])('when %j are two lines, then only what each holds itself is redacted', (input, output) => {
    expect(redactDocumentLines(lines(...input)).map((line) => line.text)).toEqual(output);
  });

  test('when a detail is split across a page break, then the pages are read apart', () => {
    const split = [
      { text: 'Managed 12345', page: 1, lineNo: 9 },
      { text: '67890', page: 2, lineNo: 1 },
    ];
    expect(redactDocumentLines(split)).toEqual(split);
  });
});

describe('an analysis', () => {
  // What came back before: numbers without separators in the header, the summary and evidence lines,
  // an e-mail split over two lines, one written with (at), a card number and a phone in the job.
  const resumeText = [
    'Priya Raman',
    'tel:+14155550123 · +919840012345 · priya.raman@',
    'example.com · priya (at) example (dot) org',
    'Summary',
    'Backend engineer using Python and SQL, reachable on 9840012345 or tel:+14155550123.',
    'Skills',
    'Python, SQL, Docker, Kubernetes (call 9840012345)',
    'Experience',
    'Senior Engineer, Acme Ltd, Jan 2020 - Present',
    'Built Python services for payments; test card 4111 1111 1111 1111 and SSN 123-45-6789 removed from logs.',
    'Ran SQL and Kubernetes migrations, on call at +919840012345.',
  ].join('\n');
  const jdText = [
    'Backend Engineer',
    'Requirements',
    '3+ years of Python and SQL; Kubernetes is a plus.',
    'Questions? Call the hiring team on 02079460958 or write to jobs (at) example.com.',
  ].join('\n');

  test('when the resume and the job hold contact details in every form, then none reaches the result', () => {
    const result = analyseOffline({ resumeText, jdText, now: '2025-06-15' });
    const answer = JSON.stringify(result);
    for (const secret of [
      '9840012345',
      '4155550123',
      'priya.raman',
      'example.com',
      'example (dot) org',
      '4111',
      '6789',
      '02079460958',
      'jobs (at)',
    ]) {
      expect(answer).not.toContain(secret);
    }
    // The redaction left the analysis working: skills found with their (redacted) evidence.
    expect(result.match.matched.map((m) => m.skill)).toEqual(expect.arrayContaining(['Python', 'SQL']));
    expect(answer).toContain('[phone]');
    expect(answer).toContain('[email]');
    expect(answer).toContain('[card]');
    expect(answer).toContain('[id]');
  });
});
