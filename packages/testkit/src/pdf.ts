import PDFDocument from 'pdfkit';

export type PdfDocument = InstanceType<typeof PDFDocument>;

/** The bytes of `doc` once `draw` has drawn it. */
export function renderPdf(doc: PdfDocument, draw: (doc: PdfDocument) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    draw(doc);
    doc.end();
  });
}

/** A real PDF, A4 with a fixed creation date (the same bytes every run), drawn by `draw`. */
export function pdfFrom(draw: (doc: PdfDocument) => void): Promise<Buffer> {
  return renderPdf(new PDFDocument({ size: 'A4', margin: 50, info: { CreationDate: new Date(0) } }), draw);
}

/** A small real PDF with the given lines of text. */
export function makePdf(lines: string[]): Promise<Buffer> {
  return pdfFrom((doc) => {
    for (const line of lines) doc.fontSize(11).text(line);
  });
}
