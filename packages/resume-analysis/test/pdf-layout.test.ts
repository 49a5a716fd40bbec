import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDFParse } from 'pdf-parse';
import { extractPdfText } from '../src';
import { layoutItems, layoutLines, type LayoutItem } from '../src/pdf-layout';
import { LABELLED } from './labelled-fixtures';

/** A run of text at (x, y) in a 10-point font whose letters are 5 points wide. */
const item = (str: string, x: number, y: number, size = 10): LayoutItem => ({ str, x, y, width: str.length * size * 0.5, size });
const texts = (items: LayoutItem[]) => layoutLines(items).map((line) => line.text);

const pdfLines = async (pair: string, file: 'resume' | 'jd') =>
  (await extractPdfText(readFileSync(join(LABELLED, pair, `${file}.pdf`)), file)).lines.map((line) => line.text);

/** The program that made a PDF, from its Producer entry, so each test says which producer it reads. */
const producerOf = async (pair: string, file: 'resume' | 'jd'): Promise<string> => {
  const parser = new PDFParse({ data: new Uint8Array(readFileSync(join(LABELLED, pair, `${file}.pdf`))) });
  try {
    const { info } = await parser.getInfo();
    const producer = (info as { Producer?: unknown } | undefined)?.Producer;
    return typeof producer === 'string' ? producer : '';
  } finally {
    await parser.destroy();
  }
};

describe('layout reader on drawn items', () => {
  test('when two columns are drawn row by row, then each column is read whole, left then right', () => {
    const rows = ['Skills', 'Python', 'SQL', 'Tableau', 'Languages', 'English'];
    const main = [
      'Experience',
      'Analyst — Northgate Logistics',
      'Built dashboards for 14 depots',
      'Automated the KPI pack',
      'Education',
      'BSc Mathematics',
    ];
    const items = rows.flatMap((text, index) => [item(text, 40, 700 - index * 14), item(main[index]!, 220, 700 - index * 14)]);
    expect(texts(items)).toEqual([...rows, ...main]);
  });

  test('when a full-width name sits above two columns, then it stays first and whole', () => {
    const items = [item('Priya Raman, Senior BI Analyst, Leeds', 40, 760, 16)];
    for (let index = 0; index < 6; index++) {
      items.push(item(`left ${index}`, 40, 700 - index * 14), item(`right column line ${index}`, 260, 700 - index * 14));
    }
    const lines = layoutLines(items);
    expect(lines[0]).toEqual({ text: 'Priya Raman, Senior BI Analyst, Leeds', larger: true });
    expect(lines.slice(1, 7).map((line) => line.text)).toEqual([0, 1, 2, 3, 4, 5].map((index) => `left ${index}`));
  });

  test('when the right margin holds only places, dates and contact details beside names, schools and employers, then each is read on the line it stands by', () => {
    const rows: [string, string][] = [
      ['Sourabh Bajaj', 'Email: sb@example.com'],
      ['example.com', 'Mobile: +1-123-456-7890'],
      ['Georgia Institute of Technology', 'Atlanta, GA'],
      ['Master of Science in Computer Science', 'Aug 2012 – Dec 2013'],
      ['Birla Institute of Technology and Science', 'Pilani, India'],
      ['Bachelor of Engineering', 'Aug 2008 – July 2012'],
      ['Google', 'Mountain View, CA'],
      ['Software Engineer', 'Oct 2016 – Present'],
    ];
    const items = rows.flatMap(([left, right], index) => [item(left, 40, 700 - index * 14), item(right, 420, 700 - index * 14)]);
    expect(texts(items)).toEqual(rows.map(([left, right]) => `${left}\t${right}`));
  });

  test('when an icon glyph maps to no character, then it does not hide the heading beside it', () => {
    const raw = (str: string, x: number, y: number) => ({ str, transform: [10, 0, 0, 10, x, y], width: str.length * 5 });
    const items = layoutItems([raw('\u0000', 40, 700), raw('Requirements', 56, 700), raw('Current RN license', 40, 686)]);
    expect(layoutLines(items).map((line) => line.text)).toEqual(['Requirements', 'Current RN license']);
  });

  test('when a column of bullet marks stands beside the bullets’ text, then each mark stays on its line', () => {
    const bullets = ['Closed the books each month', 'Reconciled 40 bank accounts', 'Prepared the audit file', 'Ran payroll', 'Filed VAT returns'];
    const items = bullets.flatMap((text, index) => [item('•', 40, 700 - index * 14), item(text, 80, 700 - index * 14)]);
    expect(texts(items)).toEqual(bullets.map((text) => `•\t${text}`));
  });

  test('when titles have their dates printed at the right, then each date stays on its title’s line', () => {
    const items: LayoutItem[] = [];
    [
      'Senior Analyst — Harbourline',
      'Analyst — Northgate',
      'Junior Analyst — Pennine',
      'Intern — Caldera',
      'Assistant — Kelbrook',
      'Clerk — Marston',
    ].forEach((title, index) =>
      items.push(item(title, 40, 700 - index * 14), item(`Jan ${2015 + index} – Dec ${2016 + index}`, 420, 700 - index * 14)),
    );
    expect(texts(items)).toEqual(
      expect.arrayContaining(['Senior Analyst — Harbourline\tJan 2015 – Dec 2016', 'Clerk — Marston\tJan 2020 – Dec 2021']),
    );
    expect(texts(items)).toHaveLength(6);
  });

  test('when a producer writes each word apart, then the words of a line are one line with spaces', () => {
    const words = ['Built', 'Tableau', 'dashboards'];
    let x = 40;
    const items = words.map((word) => {
      const made = item(word, x, 500);
      x += made.width + 3;
      return made;
    });
    expect(texts(items)).toEqual(['Built Tableau dashboards']);
  });

  test('when a word is hyphenated at a line end, then it is joined; a compound keeps its hyphen', () => {
    const lines = texts([item('Led the develop-', 40, 500), item('ment of the API and a mid-', 40, 486), item('market pricing model', 40, 472)]);
    expect(lines).toEqual(['Led the development', 'of the API and a mid-market', 'pricing model']);
  });
});

describe('layout reader on PDFs other programs made', () => {
  test('when Chromium prints a two-column resume, then the experience column is read before the other column and no line mixes both', async () => {
    expect(await producerOf('19-data-engineer', 'resume')).toMatch(/Skia\/PDF/);
    const lines = await pdfLines('19-data-engineer', 'resume');
    const experience = lines.indexOf('EXPERIENCE');
    const lastRole = lines.indexOf('BI Developer — Pennine Building Society');
    const profile = lines.indexOf('PROFILE');
    expect(experience).toBeGreaterThan(0);
    expect(lastRole).toBeGreaterThan(experience);
    expect(profile).toBeGreaterThan(lastRole);
    expect(lines.some((line) => /Experience|Engineer/.test(line) && /Profile|Skills|Salford/i.test(line))).toBe(false);
  });

  test('when Chromium prints a resume with a sidebar, then the sidebar’s lines are together and apart from the roles', async () => {
    const lines = await pdfLines('20-ux-designer', 'resume');
    const sidebar = ['Contact', 'Skills', 'User research', 'Tools', 'Figma, FigJam, Miro', 'Education', 'Falmouth University'].map((text) =>
      lines.indexOf(text),
    );
    expect(sidebar.every((index) => index >= 0)).toBe(true);
    expect([...sidebar].sort((a, b) => a - b)).toEqual(sidebar);
    const firstRole = lines.indexOf('Senior UX Designer, Lumen Health');
    expect(firstRole).toBeGreaterThan(sidebar[sidebar.length - 1]!);
    expect(lines[firstRole + 1]).toBe('Bristol · Apr 2021 – Present');
  });

  test('when LibreOffice lays out dates in a table cell, then the title and its dates are one line and the name is a heading candidate', async () => {
    expect(await producerOf('21-customer-success-manager', 'resume')).toMatch(/LibreOffice/);
    const lines = await pdfLines('21-customer-success-manager', 'resume');
    expect(lines).toContain('Customer Success Manager\tFeb 2022 – Present');
    expect(lines).toContain('BSc Business Management\t2015 – 2018');
    // LibreOffice breaks "mid-market" at its own hyphen: it stays a compound.
    expect(lines.some((line) => line.includes('a book of mid-market'))).toBe(true);
    const pdf = await extractPdfText(readFileSync(join(LABELLED, '21-customer-success-manager', 'resume.pdf')), 'resume');
    expect(pdf.lines[0]).toMatchObject({ text: 'MARCUS ADEYEMI', larger: true });
  });

  test('when groff hyphenates a word at a line end, then it is read whole', async () => {
    expect(await producerOf('21-customer-success-manager', 'jd')).toMatch(/gropdf/);
    const lines = await pdfLines('21-customer-success-manager', 'jd');
    expect(lines.some((line) => line.includes('our mid-market customers'))).toBe(true);
    expect(lines.some((line) => /cus-\s*$|^tomers/.test(line))).toBe(false);
  });

  test('when pdfkit draws a sidebar beside the main column row by row, then the last role keeps the dates printed beside it', async () => {
    const lines = await pdfLines('13-bi-analyst', 'resume');
    const role = lines.findIndex((line) => line.startsWith('Data Analyst — Northgate Logistics'));
    expect(role).toBeGreaterThan(0);
    expect(lines[role + 1]).toBe('03/2018 – 01/2021');
    // The sidebar (skills, languages, certifications) is read before the main column, not between its lines.
    expect(lines.indexOf('Tableau Desktop Specialist')).toBeLessThan(lines.indexOf('Experience'));
  });
});
