import { readFileSync } from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';
import { DOCUMENT_FILE, EVENTS_FILE, TYPES_FILE, generateClientFiles, mergedDocument } from '@app/api/generate-client-types';

describe('the generated client types', () => {
  it('when the services describe their API today, then the committed document, types and event schemas are what the generator makes of it', async () => {
    const { document, types, events } = await generateClientFiles();
    // On failure: run `npm run client:generate` and commit packages/client.
    expect(readFileSync(DOCUMENT_FILE, 'utf8')).toBe(document);
    expect(readFileSync(TYPES_FILE, 'utf8')).toBe(types);
    expect(readFileSync(EVENTS_FILE, 'utf8')).toBe(events);
  });

  it('when a service adds a parameter, then the generated types differ, so the check above would fail', async () => {
    const doc = mergedDocument() as { paths: Record<string, Record<string, { parameters?: unknown[] }>> };
    const before = astToString(await openapiTS(doc as never, { alphabetize: true, silent: true }));
    doc.paths['/records/']!.get!.parameters = [{ name: 'colour', in: 'query', required: true, schema: { type: 'string' } }];
    const after = astToString(await openapiTS(doc as never, { alphabetize: true, silent: true }));
    expect(after).not.toBe(before);
    expect(after).toContain('colour: string');
  });
});
