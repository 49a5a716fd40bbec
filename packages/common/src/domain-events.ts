import { z } from 'zod';

/**
 * The owning user of every event, under one name (`userId`) in every payload. Any printable ASCII,
 * not only auth's ObjectIds, because the services take it from the gateway's verified `sub`.
 */
export const eventUserId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

const unixSeconds = z
  .number()
  .int()
  .min(0)
  .max(2 ** 40);

const userEvent = z.strictObject({ userId: eventUserId, username: z.string().min(1).max(200) });
const recordEvent = z.strictObject({ userId: eventUserId, recordId: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });
const qaJobEvent = z.strictObject({ userId: eventUserId, jobId: z.string().min(1).max(128) });

/**
 * Every domain event on the exchange: its routing key, the one service that may publish it, and
 * the schema of its `data`. Publishers are checked against it before sending, consumers on receipt
 * (a message that fails is dead-lettered), so this is the single place the event contract lives.
 */
export const domainEvents = {
  'user.registered': { publisher: 'auth', data: userEvent },
  'user.deleted': { publisher: 'auth', data: userEvent },
  /** One access token (logout) or every token of a user issued at or before `before` (account deletion). */
  'token.revoked': {
    publisher: 'auth',
    data: z.union([
      z.strictObject({ userId: eventUserId, jti: z.string().min(1).max(128), exp: unixSeconds }),
      z.strictObject({ userId: eventUserId, before: unixSeconds }),
    ]),
  },
  'record.created': { publisher: 'records', data: recordEvent },
  'record.updated': { publisher: 'records', data: recordEvent },
  'record.deleted': { publisher: 'records', data: recordEvent },
  'qa.job.completed': { publisher: 'qa', data: qaJobEvent },
  'qa.job.failed': { publisher: 'qa', data: qaJobEvent },
} as const;

export type EventType = keyof typeof domainEvents;
export type EventData<T extends EventType> = z.infer<(typeof domainEvents)[T]['data']>;

export const eventTypes = Object.keys(domainEvents) as EventType[];

/** The event types a publisher owns, e.g. `eventTypesOf('records')`. */
export function eventTypesOf(publisher: (typeof domainEvents)[EventType]['publisher']): EventType[] {
  return eventTypes.filter((type) => domainEvents[type].publisher === publisher);
}

/** The catalogue's events a RabbitMQ topic pattern matches (`*` one word, `#` any number of words). */
export function eventTypesMatching(pattern: string): EventType[] {
  const wanted = pattern.split('.');
  const matches = (p: number, words: string[], w: number): boolean => {
    if (p === wanted.length) return w === words.length;
    if (wanted[p] === '#') return matches(p + 1, words, w) || (w < words.length && matches(p, words, w + 1));
    return w < words.length && (wanted[p] === '*' || wanted[p] === words[w]) && matches(p + 1, words, w + 1);
  };
  return eventTypes.filter((type) => matches(0, type.split('.'), 0));
}

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && Object.hasOwn(domainEvents, value);
}

/** What travels on the wire for every domain event. */
export const eventEnvelope = z.object({
  id: z.string().min(1).max(128),
  type: z.string().min(1).max(100),
  source: z.string().min(1).max(100),
  occurredAt: z.iso.datetime({ offset: true }),
  requestId: z.string().min(1).max(200).optional(),
  data: z.unknown(),
});

export interface EventEnvelope<T = unknown> {
  id: string;
  type: string;
  source: string;
  occurredAt: string;
  requestId?: string;
  data: T;
}

/** A received event whose `type` is one of `T` and whose `data` matched that type's schema. */
export type DomainEvent<T extends EventType = EventType> = { [K in T]: EventEnvelope<EventData<K>> & { type: K } }[T];

export type EventCheck = { ok: true; event: DomainEvent } | { ok: false; reason: string };

/** Checks a parsed message against the envelope and its type's payload schema. */
export function checkEvent(message: unknown, accepted: readonly EventType[]): EventCheck {
  const envelope = eventEnvelope.safeParse(message);
  if (!envelope.success) return { ok: false, reason: `envelope: ${summarise(envelope.error)}` };
  const { type } = envelope.data;
  if (!isEventType(type) || !accepted.includes(type)) return { ok: false, reason: `unexpected type ${JSON.stringify(type)}` };
  const data = domainEvents[type].data.safeParse(envelope.data.data);
  if (!data.success) return { ok: false, reason: `${type} data: ${summarise(data.error)}` };
  return { ok: true, event: { ...envelope.data, type, data: data.data } as DomainEvent };
}

/** Short enough for one log line, whatever a forged message holds. */
function summarise(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ')
    .slice(0, 500);
}
