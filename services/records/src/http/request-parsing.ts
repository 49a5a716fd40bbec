import { boundedText, documentAs, wholeNumberParam } from '@app/common';
import { z } from 'zod';
import { CURSOR_PATTERN } from '../domain/list-cursor';
import { PAGE_LIMITS, RECORD_LIMITS, SORTS } from '../domain/record';

// Every value must be a plain string: an object (`{"$gt": ""}`) or an array is refused by type here,
// long before a query is built, so an operator can never reach the database. Lengths are counted in
// code points, as JSON Schema counts them and as the stored schema checks them.
export const createRecordBody = z
  .strictObject({
    option_type: boundedText({ max: RECORD_LIMITS.optionType }).meta({ examples: ['opportunity'] }),
    description: boundedText({ max: RECORD_LIMITS.description, multiline: true }).meta({ examples: ['test'] }),
    status: boundedText({ max: RECORD_LIMITS.status }).meta({ examples: ['active'] }),
  })
  .meta({ id: 'RecordCreate' });

export const updateRecordBody = createRecordBody
  .partial()
  .refine((changes) => Object.keys(changes).length > 0, { error: 'must name at least one of option_type, description, status' })
  .meta({ id: 'RecordUpdate', minProperties: 1, description: 'The fields to change; at least one' });

const queryText = (max: number) => boundedText({ max, message: 'must be given once, as a plain value' });

export const listRecordsQuery = z.strictObject({
  limit: wholeNumberParam(1, PAGE_LIMITS.maxLimit, { default: PAGE_LIMITS.defaultLimit }).optional(),
  page: wholeNumberParam(1, PAGE_LIMITS.maxPage, {
    default: 1,
    description: 'Page number, from the start or, with `cursor`, from the cursor',
  }).optional(),
  cursor: z
    .string({ error: 'must be given once, as a plain value' })
    .regex(new RegExp(CURSOR_PATTERN), 'invalid cursor')
    .optional()
    .meta({ description: 'From a `next` link: continue after that position, in the order `sort` gives' }),
  status: queryText(RECORD_LIMITS.status).optional().meta({ description: 'Only records with this status' }),
  option_type: queryText(RECORD_LIMITS.optionType).optional().meta({ description: 'Only records of this type' }),
  sort: z
    .enum(SORTS, { error: `must be one of ${SORTS.join(', ')}` })
    .optional()
    .meta({ default: '-createdAt' }),
});

export const recordId = documentAs(
  z
    .string()
    .regex(/^[1-9]\d{0,15}$/, 'must be a positive integer')
    .transform(Number)
    .refine((id) => Number.isSafeInteger(id), 'is too large'),
  { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
);

/** Printable ASCII without spaces, so no proxy trims or folds it on the way. */
export const idempotencyKey = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[\x21-\x7e]*$/, 'must be printable ASCII without spaces');

/** An entity tag list as RFC 9110 writes it, or `*`. A tag that is not the record's current one is a 412. */
export const ifMatch = z.string().max(1024, 'must be at most 1024 characters').optional();
/**
 * Entity tags the client holds; the current one makes a GET a 304. Not bounded here beyond the
 * server's header size limit: the gateway answers it from its cache too, without this service.
 */
export const ifNoneMatch = z.string().optional();
