import { z } from 'zod';
import { PAGE_LIMITS, RECORD_LIMITS } from '../domain/record';

// What the records routes answer, as zod schemas: the OpenAPI document is made from them and the
// tests check every answer against that document.

const field = (max: number) => z.string().min(1).max(max);

export const recordAnswer = z
  .object({
    id: z
      .number()
      .int()
      .min(1)
      .meta({
        description: "The record's number among its owner's records: each user's first record is 1, and a number is never given twice to one user",
        examples: [1],
      }),
    option_type: field(RECORD_LIMITS.optionType).meta({ examples: ['opportunity'] }),
    description: field(RECORD_LIMITS.description).meta({ examples: ['test'] }),
    status: field(RECORD_LIMITS.status).meta({ examples: ['active'] }),
    owner: z.string().meta({ description: 'The user id of the creator' }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    version: z.number().int().min(1).meta({ description: 'Starts at 1, +1 on every change' }),
  })
  .meta({ id: 'Record' });

export const recordPageAnswer = z
  .object({
    items: z.array(recordAnswer),
    page: z.number().int().min(1).nullable().meta({ description: 'null when reached through a cursor' }),
    limit: z.number().int().min(1).max(PAGE_LIMITS.maxLimit),
    total: z
      .number()
      .int()
      .min(0)
      .max(PAGE_LIMITS.exactTotal)
      .meta({
        description: `Records matching the filters, counted when the page is read: exact up to ${PAGE_LIMITS.exactTotal}; past that, ${PAGE_LIMITS.exactTotal} with \`totalIsLowerBound\` true (follow \`next\` to reach every record)`,
        examples: [25],
      }),
    totalIsLowerBound: z.boolean().meta({
      description: `True when more than ${PAGE_LIMITS.exactTotal} records match: \`total\` is then a lower bound, not the count`,
      examples: [false],
    }),
    next: z
      .string()
      .nullable()
      .meta({
        description: 'Link to the following page, null on the last one',
        examples: ['/records/?limit=20&sort=-createdAt&cursor=1767225600000.42'],
      }),
  })
  .meta({ id: 'RecordPage' });

export const cachedDataAnswer = z
  .object({
    username: z.string(),
    timestamp: z.iso.datetime().meta({ description: 'Server time when the answer was made (ISO 8601, milliseconds)' }),
    recordCount: z.number().int().min(0),
    source: z.enum(['cached-data', 'cached-data-scope']),
  })
  .meta({ id: 'CachedData' });
