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

// Loose objects: a field added by a newer minor version reaches the handler untouched and is
// ignored by code that does not know it, so a consumer one release behind still acts on the event.
const userEvent = z.looseObject({ userId: eventUserId, username: z.string().min(1).max(200) });
const recordEvent = z.looseObject({ userId: eventUserId, recordId: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });
const qaJobEvent = z.looseObject({ userId: eventUserId, jobId: z.string().min(1).max(128) });

/** The processes that publish or consume events; each has its own broker account of that name. */
export const eventServices = ['auth', 'records', 'qa', 'gateway'] as const;
export type EventService = (typeof eventServices)[number];

interface EventDefinition {
  /** Major changes break consumers (a field removed or retyped, a meaning changed); minor ones only add. */
  version: { major: number; minor: number };
  /** The one service, and broker account, allowed to publish it. */
  publisher: EventService;
  /** Who subscribes to it: a new major version needs each of them upgraded first. */
  consumers: readonly EventService[];
  data: z.ZodType<Record<string, unknown>>;
}

/**
 * The event catalogue: every domain event on the exchange with its routing key, version, the one
 * service that may publish it, the services that consume it and the schema of its `data`.
 * Publishers are checked against it before sending, consumers on receipt (a message that fails is
 * dead-lettered), the broker accounts' publish rights and EVENTS_TRUSTED_PUBLISHERS are derived
 * from it: this is the single place the event contract lives (docs/events.md).
 */
export const domainEvents = {
  'user.registered': { version: { major: 1, minor: 0 }, publisher: 'auth', consumers: ['gateway'], data: userEvent },
  'user.deleted': { version: { major: 1, minor: 0 }, publisher: 'auth', consumers: ['gateway', 'records', 'qa'], data: userEvent },
  /** One access token (logout) or every token of a user issued at or before `before` (account deletion). */
  'token.revoked': {
    version: { major: 1, minor: 0 },
    publisher: 'auth',
    consumers: ['gateway'],
    data: z.union([
      z.looseObject({ userId: eventUserId, jti: z.string().min(1).max(128), exp: unixSeconds }),
      z.looseObject({ userId: eventUserId, before: unixSeconds }),
    ]),
  },
  'record.created': { version: { major: 1, minor: 0 }, publisher: 'records', consumers: ['gateway'], data: recordEvent },
  'record.updated': { version: { major: 1, minor: 0 }, publisher: 'records', consumers: ['gateway'], data: recordEvent },
  'record.deleted': { version: { major: 1, minor: 0 }, publisher: 'records', consumers: ['gateway'], data: recordEvent },
  'qa.job.completed': { version: { major: 1, minor: 0 }, publisher: 'qa', consumers: ['gateway'], data: qaJobEvent },
  'qa.job.failed': { version: { major: 1, minor: 0 }, publisher: 'qa', consumers: ['gateway'], data: qaJobEvent },
} as const satisfies Record<string, EventDefinition>;

export type EventType = keyof typeof domainEvents;
export type EventData<T extends EventType> = z.infer<(typeof domainEvents)[T]['data']>;
/** The events one service publishes, e.g. `EventOf<'records'>`. */
export type EventOf<S extends EventService> = { [K in EventType]: (typeof domainEvents)[K]['publisher'] extends S ? K : never }[EventType];

export const eventTypes = Object.keys(domainEvents) as EventType[];

type PrefixesOf<S extends string> = S extends `${infer Head}.${infer Rest}` ? `${Head}.` | `${Head}.${PrefixesOf<Rest>}` : never;
/**
 * A routing key a consumer may bind: an event of the catalogue, or a topic pattern over its names
 * (`record.*`, `qa.job.*`, `user.#`). Spelled with this type, a pattern no event could match does not compile.
 */
export type EventPattern = EventType | `${PrefixesOf<EventType>}${'*' | '#'}`;

/** The event types a publisher owns, e.g. `eventTypesOf('records')`. */
export function eventTypesOf<S extends EventService>(publisher: S): Array<EventOf<S>> {
  return eventTypes.filter((type): type is EventOf<S> => domainEvents[type].publisher === publisher);
}

/** The `version` an event of this type carries when published now: `"<major>.<minor>"`. */
export function eventVersion(type: EventType): string {
  const { major, minor } = domainEvents[type].version;
  return `${major}.${minor}`;
}

/**
 * The routing keys `service` may publish, as the regular expression a RabbitMQ topic permission
 * takes: the catalogue's names exactly, nothing for a service that publishes none.
 */
export function publishPermission(service: EventService): string {
  const own = eventTypesOf(service);
  if (own.length === 0) return '^$';
  return `^(${own.map((type) => type.replaceAll('.', '\\.')).join('|')})$`;
}

/**
 * EVENTS_TRUSTED_PUBLISHERS as the catalogue says it: `<event>=<broker user>` for every event, the
 * user being the publisher's own account (`accountOf` renames it where accounts are named otherwise).
 */
export function trustedPublishersSetting(accountOf: (service: EventService) => string = (service) => service): string {
  return eventTypes.map((type) => `${type}=${accountOf(domainEvents[type].publisher)}`).join(',');
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

/** What travels on the wire for every domain event; fields this version does not know are ignored. */
export const eventEnvelope = z.object({
  id: z.string().min(1).max(128),
  type: z.string().min(1).max(100),
  /** `"<major>.<minor>"` of the type's payload; absent on events published before versions existed, read as 1.0. */
  version: z
    .string()
    .regex(/^\d{1,6}\.\d{1,6}$/, 'must be <major>.<minor>')
    .optional(),
  source: z.string().min(1).max(100),
  occurredAt: z.iso.datetime({ offset: true }),
  requestId: z.string().min(1).max(200).optional(),
  data: z.unknown(),
});

export interface EventEnvelope<T = unknown> {
  id: string;
  type: string;
  version?: string;
  source: string;
  occurredAt: string;
  requestId?: string;
  data: T;
}

/** A received event whose `type` is one of `T` and whose `data` matched that type's schema. */
export type DomainEvent<T extends EventType = EventType> = { [K in T]: EventEnvelope<EventData<K>> & { type: K } }[T];

/** Why an event was refused: a major version this code does not know, or anything else that breaks the contract. */
export type EventRejection = 'unknown_major' | 'invalid';

export type EventCheck = { ok: true; event: DomainEvent } | { ok: false; reason: string; rejection: EventRejection; type?: EventType };

/**
 * Checks a parsed message against the envelope and its type's payload schema. Any minor version of
 * the major this code knows is read with its schema (a newer minor only adds fields); another
 * major is refused before its data is looked at, since its fields may mean something else.
 */
export function checkEvent(message: unknown, accepted: readonly EventType[]): EventCheck {
  const envelope = eventEnvelope.safeParse(message);
  if (!envelope.success) return { ok: false, rejection: 'invalid', reason: `envelope: ${summarise(envelope.error)}` };
  const { type } = envelope.data;
  if (!isEventType(type) || !accepted.includes(type)) return { ok: false, rejection: 'invalid', reason: `unexpected type ${JSON.stringify(type)}` };
  const major = Number((envelope.data.version ?? '1.0').split('.')[0]);
  const known = domainEvents[type].version.major;
  if (major !== known)
    return { ok: false, rejection: 'unknown_major', type, reason: `${type} version ${envelope.data.version}: this consumer knows major ${known}` };
  const data = domainEvents[type].data.safeParse(envelope.data.data);
  if (!data.success) return { ok: false, rejection: 'invalid', type, reason: `${type} data: ${summarise(data.error)}` };
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
