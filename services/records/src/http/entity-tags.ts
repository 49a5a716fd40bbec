import type { VersionCondition } from '../domain/record';

/** A record's entity tag: it changes exactly when the version does. */
export function entityTagOf(record: { id: number; version: number }): string {
  return `"${record.id}-${record.version}"`;
}

function opaqueTags(header: string): string[] {
  return [...header.matchAll(/(?:W\/)?"([^"]*)"/g)].map((match) => match[1]!);
}

/**
 * The versions an `If-Match` header accepts for record `id`. Absent or `*` accepts any existing
 * version; tags of other records or in other formats accept none (so the write answers 412).
 * Weak tags compare equal to strong ones: the gateway may weaken tags in transit.
 */
export function conditionFromIfMatch(header: string | undefined, id: number): VersionCondition {
  if (header === undefined || header.trim() === '*') return { kind: 'any' };
  const versions: number[] = [];
  for (const tag of opaqueTags(header)) {
    const match = /^(\d+)-(\d+)$/.exec(tag);
    if (match && Number(match[1]) === id) versions.push(Number(match[2]));
  }
  return { kind: 'versions', versions };
}

/** Whether `If-None-Match` names the current representation (weak comparison, as RFC 9110 asks for GET). */
export function matchesIfNoneMatch(header: string | undefined, current: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const tag = current.replace(/^W\//, '').slice(1, -1);
  return opaqueTags(header).includes(tag);
}
