import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import { AppError, parseRequestPart, type FieldProblem } from '@app/common';

// Every body on this service is a handful of short strings; 16 kB is generous and bounds the parser's work.
const LIMIT = '16kb';

const MEDIA_TYPES = {
  json: 'application/json',
  form: 'application/x-www-form-urlencoded',
} as const;

type MediaKind = keyof typeof MEDIA_TYPES;

const parsers: Record<MediaKind, RequestHandler> = {
  json: express.json({ limit: LIMIT, strict: true, type: MEDIA_TYPES.json }),
  // extended:false keeps values flat strings; a repeated field becomes an array and fails validation.
  form: express.urlencoded({ extended: false, limit: LIMIT, parameterLimit: 20, type: MEDIA_TYPES.form }),
};

function hasBody(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(req.headers['content-length'] ?? 0);
  return Number.isFinite(length) && length > 0;
}

/**
 * Accepts a body only in the given media types (415 otherwise) and parses it. A request without
 * a body passes with `req.body` undefined, so validation can name the missing fields.
 */
export function acceptBody(...kinds: MediaKind[]): RequestHandler {
  const types = kinds.map((k) => MEDIA_TYPES[k]);
  return (req: Request, res: Response, next: NextFunction) => {
    req.body = undefined;
    if (!hasBody(req)) return next();
    const kind = kinds.find((k) => req.is(MEDIA_TYPES[k]));
    if (!kind) return next(AppError.unsupportedMediaType(`Content-Type must be ${types.join(' or ')}`));
    parsers[kind](req, res, next);
  };
}

const missingOrListed = (problems: FieldProblem[]) => {
  const missing = problems.filter((p) => p.message === 'is required').map((p) => p.field);
  return missing.length > 0 && missing.length === problems.length
    ? `Missing required field${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`
    : problems.map((p) => `${p.field} ${p.message}`).join('; ');
};

/** Validates a parsed body; a failure is a 400 whose message and details name every offending field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  return parseRequestPart(schema, body === undefined ? {} : body, 'body', {
    unknownKey: 'is not an accepted field',
    missing: 'is required',
    summary: missingOrListed,
  });
}
