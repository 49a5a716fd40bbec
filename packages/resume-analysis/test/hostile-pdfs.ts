import { constants, deflateRawSync, deflateSync } from 'node:zlib';

/**
 * PDFs built to exhaust a reader, one per class an attacker with an ordinary account would try.
 * Each is written byte by byte here (small and the same every run), with a correct cross-reference
 * table unless the class is about damage.
 */

type PdfObject = string | { dictionary: string; stream: Buffer };

/** A PDF of these objects (numbered from 1; object 1 is the catalog), with its xref table. */
export function rawPdf(objects: readonly PdfObject[], options: { xref?: boolean } = {}): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let length = parts[0]!.length;
  const offsets: number[] = [];
  const push = (part: Buffer) => {
    parts.push(part);
    length += part.length;
  };
  objects.forEach((object, index) => {
    offsets.push(length);
    if (typeof object === 'string') {
      push(Buffer.from(`${index + 1} 0 obj\n${object}\nendobj\n`, 'latin1'));
    } else {
      push(Buffer.from(`${index + 1} 0 obj\n${object.dictionary}\nstream\n`, 'latin1'));
      push(object.stream);
      push(Buffer.from('\nendstream\nendobj\n', 'latin1'));
    }
  });
  if (options.xref === false) {
    push(Buffer.from('%%EOF\n', 'latin1'));
    return Buffer.concat(parts);
  }
  const xrefAt = length;
  const rows = offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
  push(
    Buffer.from(
      `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${rows}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`,
      'latin1',
    ),
  );
  return Buffer.concat(parts);
}

const flate = (data: Buffer) => deflateSync(data, { level: 9 });

/** One page of `width` × `height` points drawing `content`, with `resources`. */
function onePage(content: PdfObject, options: { width?: number; height?: number; resources?: string; extra?: PdfObject[] } = {}): Buffer {
  const { width = 595, height = 842, resources = '<< >>', extra = [] } = options;
  return rawPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${width} ${height}] /Contents 4 0 R /Resources ${resources} >>`,
    content,
    ...extra,
  ]);
}

const drawing = (operators: string): PdfObject => ({ dictionary: `<< /Length ${operators.length} >>`, stream: Buffer.from(operators, 'latin1') });

/** A 200 × 200 inch page with a few lines on it and no text: rendered at 200 dpi it is 1.6 gigapixels. */
export function pageSizeBomb(): Buffer {
  return onePage(drawing('4 w 100 100 m 14000 14000 l S 100 14000 m 14000 100 l S'), { width: 14400, height: 14400 });
}

/**
 * A content stream that inflates to `inflatedMb` MB of spaces in one Flate stream (deflate's best is
 * ~1:1030, so 1 GiB is a 1 MB file): pdf.js would decode it whole into one growing buffer. Built
 * from one compressed megabyte repeated (each ends on a full flush, so copies follow each other),
 * without ever holding the inflated data.
 */
export function flateBomb(inflatedMb = 1024): Buffer {
  const megabyte = Buffer.alloc(1024 * 1024, 0x20);
  const block = deflateRawSync(megabyte, { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const finalBlock = Buffer.from([0x03, 0x00]);
  // zlib's trailer: the Adler-32 of the whole inflated data (all spaces), worked out rather than computed byte by byte.
  const length = BigInt(inflatedMb) * 1024n * 1024n;
  const a = (1n + 0x20n * length) % 65521n;
  const b = (length + (0x20n * length * (length + 1n)) / 2n) % 65521n;
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE(Number((b << 16n) | a));
  const stream = Buffer.concat([Buffer.from([0x78, 0xda]), ...Array.from({ length: inflatedMb }, () => block), finalBlock, adler]);
  return onePage({ dictionary: `<< /Length ${stream.length} /Filter /FlateDecode >>`, stream });
}

/** A page drawing one 60,000 × 60,000 pixel image (3.6 gigapixels) whose data stream is nearly empty. */
export function hugeImage(): Buffer {
  const data = flate(Buffer.alloc(60_000, 0xff));
  return onePage(drawing('q 595 0 0 842 0 0 cm /Im1 Do Q'), {
    resources: '<< /XObject << /Im1 5 0 R >> >>',
    extra: [
      {
        dictionary: `<< /Type /XObject /Subtype /Image /Width 60000 /Height 60000 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length ${data.length} >>`,
        stream: data,
      },
    ],
  });
}

/** A page tree that claims two billion pages and holds one, blank. */
export function billionsOfPages(): Buffer {
  return rawPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 2000000000 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>',
    drawing('100 100 m 200 200 l S'),
  ]);
}

/** `pages` pages of 1 × 1 point, each with a word on it. */
export function thousandsOfTinyPages(pages = 5000): Buffer {
  const kids = Array.from({ length: pages }, (_, index) => `${index + 5} 0 R`).join(' ');
  return rawPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    drawing('BT /F1 1 Tf 0 0 Td (hi) Tj ET'),
    ...Array.from(
      { length: pages },
      () => '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 1 1] /Contents 4 0 R /Resources << /Font << /F1 3 0 R >> >> >>',
    ),
  ]);
}

/** A page whose dictionary holds an array nested `depth` levels deep. */
export function deeplyNested(depth = 100_000): Buffer {
  return rawPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Deep ${'['.repeat(depth)}${']'.repeat(depth)} >>`,
    drawing('100 100 m 200 200 l S'),
  ]);
}

/**
 * A content stream that never ends: its length is claimed as 2 GB, no `endstream` follows, and the
 * data runs to the end of the file (repeated drawing operators, then the file just stops).
 */
export function endlessStream(): Buffer {
  const head = Buffer.from(
    [
      '%PDF-1.7',
      '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj',
      '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj',
      '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >> endobj',
      '4 0 obj << /Length 2147483647 >>',
      'stream',
      '',
    ].join('\n'),
    'latin1',
  );
  return Buffer.concat([head, Buffer.from('1 0 0 RG 0 0 m 595 842 l S '.repeat(20_000), 'latin1')]);
}
