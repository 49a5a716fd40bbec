import { PDFParse } from 'pdf-parse';
import PDFDocument from 'pdfkit';
import * as path from 'node:path';
import Module from 'node:module';
test('probe', async () => {
  const workerPath = path.join(path.dirname(require.resolve('pdf-parse')), 'pdf.worker.mjs');
  console.log(typeof process.mainModule?.require, typeof (Module as any)._load);
  try { const w = (Module as any)._load(workerPath, null, false); console.log('load', Object.keys(w)); } catch (e) { console.log('load fail', (e as Error).message.slice(0, 100)); }
  try { const w = process.mainModule!.require(workerPath); console.log('main', Object.keys(w)); (globalThis as any).pdfjsWorker = w; } catch (e) { console.log('main fail', (e as Error).message.slice(0, 100)); }
  const buf: Buffer = await new Promise(res => { const d = new PDFDocument(); const b: Buffer[] = []; d.on('data', (x: Buffer) => b.push(x)); d.on('end', () => res(Buffer.concat(b))); d.text('Hello world'); d.end(); });
  const p = new PDFParse({ data: buf });
  const r = await p.getText();
  await p.destroy();
  console.log(r.text);
});
