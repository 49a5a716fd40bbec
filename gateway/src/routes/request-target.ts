/**
 * The one canonical form of a request target. The gateway routes, picks the cache rule,
 * builds the cache key, signs the identity proof and forwards with this value alone, so
 * no two parts of it can read one request line two ways.
 */
export interface CanonicalTarget {
  /** Origin-form path: starts with one `/`, no dot segments, no empty segments but a trailing slash. */
  path: string;
  /** The query without its `?`, percent-encoding normalised, order kept; empty when there is none. */
  query: string;
  /** `path` plus `?query` when there is a query: what goes on the upstream request line. */
  target: string;
}

export type TargetCheck = { ok: true; value: CanonicalTarget } | { ok: false; status: 400 | 414; reason: string };

/** Longer targets are refused (414): no route here needs more, and the services cap their own inputs lower. */
export const MAX_TARGET_LENGTH = 4096;

const HEX = '0123456789ABCDEF';
const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const isUnreserved = (c: number) =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 95 || c === 126;
// RFC 3986 pchar without unreserved and pct-encoded: sub-delims, ":" and "@".
const PATH_DELIMS = new Set("!$&'()*+,;=:@".split('').map((c) => c.charCodeAt(0)));
const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const QUESTION = 0x3f;

type Piece = { ok: true; text: string } | { ok: false; reason: string };

/**
 * Rewrites one component: `%xx` of an unreserved character becomes the character, any other
 * `%xx` gets upper-case hex, and printable ASCII outside the allowed set is encoded. Raw
 * control or non-ASCII bytes, broken `%` escapes and backslashes are refused, and so are
 * encoded slashes and backslashes in the path, because servers behind a proxy disagree on them.
 */
function normalise(raw: string, inPath: boolean): Piece {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25) {
      const h = raw.charCodeAt(i + 1);
      const l = raw.charCodeAt(i + 2);
      if (!isHex(h) || !isHex(l)) return { ok: false, reason: 'has a malformed percent-encoding' };
      const byte = parseInt(raw.slice(i + 1, i + 3), 16);
      i += 2;
      if (isUnreserved(byte)) out += String.fromCharCode(byte);
      else if (inPath && (byte === SLASH || byte === BACKSLASH)) return { ok: false, reason: 'has an encoded slash or backslash' };
      else out += `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
      continue;
    }
    if (c <= 0x20 || c >= 0x7f) return { ok: false, reason: 'has a raw control, space or non-ASCII character' };
    if (c === BACKSLASH) return { ok: false, reason: 'has a backslash' };
    if (c === 0x23) return { ok: false, reason: 'has a fragment' };
    if (isUnreserved(c) || PATH_DELIMS.has(c) || c === SLASH || (!inPath && c === QUESTION)) out += raw[i]!;
    else out += `%${HEX[c >> 4]}${HEX[c & 15]}`;
  }
  return { ok: true, text: out };
}

/**
 * Checks a raw request target (`req.url` as it came off the wire) and returns its canonical
 * form. Only origin-form is accepted: absolute-form (`http://host/…`), authority-form
 * (`host:port`), `*` and anything not starting with exactly one `/` are refused, so nothing a
 * client sends can choose where the gateway connects. Ambiguous paths are refused rather than
 * guessed at: dot segments (`.`, `..`, also as `%2e`) and repeated slashes.
 */
export function canonicalTarget(raw: string): TargetCheck {
  if (raw.length > MAX_TARGET_LENGTH) return { ok: false, status: 414, reason: `Request target is longer than ${MAX_TARGET_LENGTH} characters` };
  if (raw.charCodeAt(0) !== SLASH) return { ok: false, status: 400, reason: 'Request target must be a path starting with "/" (origin-form)' };
  const mark = raw.indexOf('?');
  const rawPath = mark === -1 ? raw : raw.slice(0, mark);
  const rawQuery = mark === -1 ? '' : raw.slice(mark + 1);

  const path = normalise(rawPath, true);
  if (!path.ok) return { ok: false, status: 400, reason: `Request path ${path.reason}` };
  const segments = path.text.split('/');
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i];
    if (segment === '' && i < segments.length - 1) return { ok: false, status: 400, reason: 'Request path has repeated slashes' };
    if (segment === '.' || segment === '..') return { ok: false, status: 400, reason: 'Request path has dot segments' };
  }
  const query = normalise(rawQuery, false);
  if (!query.ok) return { ok: false, status: 400, reason: `Request query ${query.reason}` };
  return { ok: true, value: { path: path.text, query: query.text, target: query.text ? `${path.text}?${query.text}` : path.text } };
}
