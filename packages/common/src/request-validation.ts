import type { z } from 'zod';
import { AppError } from './errors';

/** One offending field of a refused request, as the 400's `details` list it. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** Which part of the request a value came from; it names the field when an issue has no path. */
export type RequestPart = 'body' | 'query' | 'path' | 'header';

const UNKNOWN_KEY: Record<RequestPart, string> = {
  body: 'unknown field',
  query: 'unknown query parameter',
  path: 'unknown segment',
  header: 'unknown header',
};

export interface ValidationOptions {
  /** The field an issue without a path is about (a path segment, a header); default the part's name. */
  field?: string;
  /** What an unexpected key is told; default per part ("unknown query parameter", ...). */
  unknownKey?: string;
  /** What a missing value is told instead of the schema's message. */
  missing?: string;
  /** The 400's message from its problems; default "Invalid <part>: <field> <message>; ...". */
  summary?: (problems: FieldProblem[]) => string;
}

/** Every problem zod found, one per field (an unexpected key is one problem each). */
export function fieldProblems(error: z.ZodError, input: unknown, part: RequestPart, options: ValidationOptions = {}): FieldProblem[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ field: key, message: options.unknownKey ?? UNKNOWN_KEY[part] }));
    const field = issue.path.map(String).join('.') || options.field || part;
    const absent = issue.code === 'invalid_type' && issue.path.length > 0 && valueAt(input, issue.path) === undefined;
    return [{ field, message: absent && options.missing !== undefined ? options.missing : issue.message }];
  });
}

/** Validates one part of a request; on failure a 400 (validation_failed) naming every offending field in its message and `details`. */
export function parseRequestPart<S extends z.ZodType>(schema: S, value: unknown, part: RequestPart, options: ValidationOptions = {}): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = fieldProblems(result.error, value, part, options);
  const message = options.summary ? options.summary(problems) : `Invalid ${part}: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`;
  throw AppError.validation(message, problems);
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
