import { AppError } from '@app/common';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { PAGE_LIMITS, RECORD_LIMITS, SORTS } from '../domain/record';

export interface FieldProblem {
  field: string;
  message: string;
}

type Where = 'body' | 'query' | 'path' | 'header';

const unknownKeyMessage: Record<Where, string> = {
  body: 'unknown field',
  query: 'unknown query parameter',
  path: 'unknown segment',
  header: 'unknown header',
};

function problemsOf(error: z.ZodError, where: Where, field?: string): FieldProblem[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ field: key, message: unknownKeyMessage[where] }));
    const path = issue.path.map(String).join('.');
    return [{ field: path || field || where, message: issue.message }];
  });
}

/** Validates `value`; on failure a 400 naming every offending field in the message and in `details`. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, where: Where, field?: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = problemsOf(result.error, where, field);
  throw AppError.validation(`Invalid ${where}: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`, problems);
}

// Every value must be a plain string: an object (`{"$gt": ""}`) or an array is refused by type here,
// long before a query is built, so an operator can never reach the database.
const text = (max: number) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`);

export const createRecordBody = z.strictObject({
  option_type: text(RECORD_LIMITS.optionType),
  description: text(RECORD_LIMITS.description),
  status: text(RECORD_LIMITS.status),
});

export const updateRecordBody = createRecordBody
  .partial()
  .refine((changes) => Object.keys(changes).length > 0, { message: 'must name at least one of option_type, description, status' });

const wholeNumber = (min: number, max: number) =>
  z
    .string({ error: 'must be given once, as a plain value' })
    .regex(/^\d{1,9}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const queryText = (max: number) =>
  z.string({ error: 'must be given once, as a plain value' }).min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

export const listRecordsQuery = z
  .strictObject({
    limit: wholeNumber(1, PAGE_LIMITS.maxLimit).optional(),
    page: wholeNumber(1, PAGE_LIMITS.maxPage).optional(),
    cursor: queryText(512).optional(),
    status: queryText(RECORD_LIMITS.status).optional(),
    option_type: queryText(RECORD_LIMITS.optionType).optional(),
    sort: z.enum(SORTS, { error: `must be one of ${SORTS.join(', ')}` }).optional(),
  })
  .refine((query) => query.page === undefined || query.cursor === undefined, {
    message: 'give either page or cursor, not both',
    path: ['cursor'],
  });

export const recordId = z
  .string()
  .regex(/^[1-9]\d*$/, 'must be a positive integer')
  .transform(Number)
  .refine((id) => Number.isSafeInteger(id), 'is too large');

export const idempotencyKey = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[\x20-\x7e]*$/, 'must be printable ASCII');

/**
 * JSON bodies only, bounded: no body is a 400, another content type a 415, a body over 16 kb a 413
 * and malformed JSON a 400 (the last two through the common error handler).
 */
export function jsonBody(): RequestHandler {
  const parse = express.json({ limit: '16kb', strict: true, type: () => true });
  return (req: Request, res: Response, next: NextFunction) => {
    const length = req.headers['content-length'];
    const noBody = req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0');
    if (noBody && !req.headers['content-type']) {
      next(AppError.validation('Invalid body: a JSON body is required', [{ field: 'body', message: 'is required' }]));
      return;
    }
    if (!req.is(['application/json', 'application/*+json'])) {
      next(AppError.unsupportedMediaType(`Content-Type must be application/json, not ${req.headers['content-type'] ?? 'missing'}`));
      return;
    }
    parse(req, res, next);
  };
}
