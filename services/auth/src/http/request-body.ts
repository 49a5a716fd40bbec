import type { z } from 'zod';
import { parseRequestPart, type FieldProblem } from '@app/common';

const missingOrListed = (problems: FieldProblem[]) => {
  const missing = problems.filter((p) => p.message === 'is required').map((p) => p.field);
  return missing.length > 0 && missing.length === problems.length
    ? `Missing required field${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`
    : problems.map((p) => `${p.field} ${p.message}`).join('; ');
};

/** Validates a parsed body; a failure is a 400 whose message and details name every offending field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  return parseRequestPart(schema, body, 'body', {
    unknownKey: 'is not an accepted field',
    missing: 'is required',
    summary: missingOrListed,
  });
}
